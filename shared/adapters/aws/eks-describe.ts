/** DescribeCluster through @aws-sdk/client-eks: the endpoint and CA of an EKS cluster. */
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';

export function eksDescriber(client: EKSClient) {
  return async (name: string): Promise<{ endpoint: string; caData: string }> => {
    const { cluster } = await client.send(new DescribeClusterCommand({ name }));
    if (!cluster?.endpoint || !cluster.certificateAuthority?.data) {
      throw new Error(
        `EKS cluster ${name} has no endpoint or certificate authority yet (status ${cluster?.status})`,
      );
    }
    return { endpoint: cluster.endpoint, caData: cluster.certificateAuthority.data };
  };
}
