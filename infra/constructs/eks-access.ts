/**
 * EKS access entries (context `eksClusters`) for the roles of the functions that call Kubernetes:
 * the effects worker and the rendering worker. The controller never calls a cluster (it only
 * decides), so it gets none. Each role enters the cluster as the Kubernetes user
 * `argo-serverless:<function>` in the group `argo-serverless`; without an access policy that group
 * may do only what RBAC binds to it: for writes it impersonates the service account Argo would
 * have used (README "Register an EKS cluster" has the ClusterRole). With `accessPolicy` the named
 * EKS access policy is associated cluster-wide as well.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import { CfnAccessEntry } from 'aws-cdk-lib/aws-eks';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { EksClusterSettings } from '../context.js';

export const KUBERNETES_GROUP = 'argo-serverless';

export class EksAccess extends Construct {
  constructor(
    scope: Construct,
    id: string,
    props: { clusters: EksClusterSettings[]; functions: Record<string, IFunction> },
  ) {
    super(scope, id);
    const stack = Stack.of(this);
    for (const cluster of props.clusters) {
      const clusterArn = stack.formatArn({
        service: 'eks',
        resource: 'cluster',
        resourceName: cluster.name,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
      for (const [name, fn] of Object.entries(props.functions)) {
        new CfnAccessEntry(this, `${cluster.name}-${name}`, {
          clusterName: cluster.name,
          principalArn: fn.role!.roleArn,
          type: 'STANDARD',
          username: `argo-serverless:${name.toLowerCase()}`,
          kubernetesGroups: [KUBERNETES_GROUP],
          ...(cluster.accessPolicy
            ? {
                accessPolicies: [
                  {
                    policyArn: `arn:${stack.partition}:eks::aws:cluster-access-policy/${cluster.accessPolicy}`,
                    accessScope: { type: 'cluster' },
                  },
                ],
              }
            : {}),
        });
        // Endpoint and CA of the cluster (shared/adapters/aws/eks-describe.ts).
        fn.addToRolePolicy(
          new PolicyStatement({ actions: ['eks:DescribeCluster'], resources: [clusterArn] }),
        );
      }
    }
  }
}
