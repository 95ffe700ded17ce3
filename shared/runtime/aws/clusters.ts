/**
 * The clusters the deployed effect workers reach: the home cluster (`in-cluster`,
 * `https://kubernetes.default.svc`) is the EKS cluster named by HOME_CLUSTER (the CDK app sets it
 * from context `homeCluster`, else the first of `eksClusters`); other clusters are registered
 * the Argo CD way, as Secrets in Secrets Manager (ClusterDirectory). Endpoints and CAs come from
 * DescribeCluster, tokens are minted from the function's role (or an assumed role).
 */
import { EKSClient } from '@aws-sdk/client-eks';
import { STSClient } from '@aws-sdk/client-sts';
import type { Clock, Secrets } from '../../core/ports.js';
import type { Kubernetes } from '../../core/kubernetes.js';
import { HOME_CLUSTER } from '../../core/types.js';
import { ClusterDirectory, HOME_SERVER } from '../../adapters/kubernetes/clusters.js';
import { eksDescriber } from '../../adapters/aws/eks-describe.js';
import { stsAssumeRole } from '../../adapters/aws/sts-assume-role.js';
import type { AwsConfig } from './config.js';

/** A home cluster that is not configured: every call says what to set. */
function noHomeCluster(): Kubernetes {
  const fail = () =>
    Promise.reject(
      new Error(
        'no home cluster: deploy with context homeCluster (or eksClusters) so HOME_CLUSTER names ' +
          'the EKS cluster that in-cluster / https://kubernetes.default.svc means',
      ),
    );
  return {
    apply: fail,
    create: fail,
    get: fail,
    list: fail,
    patch: fail,
    delete: fail,
    podLogs: fail,
    discover: fail,
    proxy: fail,
  };
}

export function clustersOnAws(config: AwsConfig, secrets: Secrets, clock: Clock): ClusterDirectory {
  const region = config.region ?? 'us-east-1';
  const eks = new EKSClient({ region });
  const sts = new STSClient({ region });
  const home = config.homeCluster
    ? {
        name: HOME_CLUSTER,
        server: HOME_SERVER,
        config: { awsAuthConfig: { clusterName: config.homeCluster } },
      }
    : noHomeCluster();
  return new ClusterDirectory(home, secrets, {
    region,
    credentials: () => sts.config.credentials(),
    describeCluster: eksDescriber(eks),
    assumeRole: stsAssumeRole(sts),
    clock,
  });
}
