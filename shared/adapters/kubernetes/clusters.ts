/**
 * Which Kubernetes a resource key's cluster means, registered the Argo CD way: a Secret labelled
 * `argocd.argoproj.io/secret-type: cluster` with `name`, `server` and `config` (JSON). For EKS
 * the config carries `awsAuthConfig: { clusterName }`: the endpoint and CA come from
 * DescribeCluster (cached) and a bearer token is minted like `aws eks get-token`, renewed a minute
 * before its 15 minutes run out. `in-cluster` (and `https://kubernetes.default.svc`) is the home
 * cluster.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { Kubernetes } from '../../core/kubernetes.js';
import type { Clock, SecretObject, Secrets } from '../../core/ports.js';
import { HOME_CLUSTER } from '../../core/types.js';
import { mintEksToken } from '../aws/eks-token.js';
import { ClientNodeKubernetes } from './client-node-kubernetes.js';

export const CLUSTER_SECRET_LABEL = { 'argocd.argoproj.io/secret-type': 'cluster' } as const;
export const HOME_SERVER = 'https://kubernetes.default.svc';
const TOKEN_RENEW_BEFORE_MS = 60_000;

export interface RegisteredCluster {
  name: string;
  server: string;
  config: {
    bearerToken?: string;
    awsAuthConfig?: { clusterName: string; roleARN?: string };
    tlsClientConfig?: { caData?: string; insecure?: boolean };
  };
}

export interface EksEnvironment {
  region: string;
  credentials: () => Promise<AwsCredentialIdentity>;
  /** DescribeCluster: endpoint and base64 CA of an EKS cluster. */
  describeCluster: (name: string) => Promise<{ endpoint: string; caData: string }>;
  /** STS AssumeRole, for clusters whose awsAuthConfig names a roleARN. */
  assumeRole?: (roleArn: string) => Promise<AwsCredentialIdentity>;
  clock: Clock;
}

export class UnknownClusterError extends Error {
  constructor(cluster: string) {
    super(
      `no cluster named "${cluster}": register it with a Secret labelled ` +
        `argocd.argoproj.io/secret-type=cluster (name, server, config), as for Argo CD`,
    );
    this.name = 'UnknownClusterError';
  }
}

/** Parses a cluster Secret; throws naming the Secret and field when it is malformed. */
export function parseClusterSecret(secret: SecretObject): RegisteredCluster {
  const where = `cluster secret ${secret.namespace}/${secret.name}`;
  const { name, server, config } = secret.data;
  if (!server) throw new Error(`${where}: data.server is required`);
  let parsed: RegisteredCluster['config'] = {};
  if (config) {
    try {
      parsed = JSON.parse(config) as RegisteredCluster['config'];
    } catch (err) {
      throw new Error(`${where}: data.config is not JSON: ${(err as Error).message}`);
    }
  }
  if (parsed.awsAuthConfig && !parsed.awsAuthConfig.clusterName) {
    throw new Error(`${where}: data.config.awsAuthConfig.clusterName is required`);
  }
  return { name: name ?? server, server, config: parsed };
}

export class ClusterDirectory {
  private readonly clients = new Map<string, { kubernetes: Kubernetes; expiresAt: number }>();
  private readonly described = new Map<string, Promise<{ endpoint: string; caData: string }>>();

  /**
   * `home` is the home cluster's port, or how to reach it (on AWS: an EKS cluster named by the
   * deployment, connected like any registered EKS cluster).
   */
  constructor(
    private readonly home: Kubernetes | RegisteredCluster,
    private readonly secrets: Secrets,
    private readonly eks?: EksEnvironment,
  ) {}

  /** The Kubernetes port for a cluster name (the first part of a resource key). */
  async forCluster(cluster: string): Promise<Kubernetes> {
    if (cluster === HOME_CLUSTER) return this.homeCluster();
    const registered = (await this.secrets.listByLabel(CLUSTER_SECRET_LABEL))
      .map(parseClusterSecret)
      .find((c) => c.name === cluster || c.server === cluster);
    if (!registered) throw new UnknownClusterError(cluster);
    if (registered.server === HOME_SERVER) return this.homeCluster();
    return this.connected(registered);
  }

  private homeCluster(): Promise<Kubernetes> {
    const home = this.home;
    return typeof (home as RegisteredCluster).server === 'string'
      ? this.connected(home as RegisteredCluster)
      : Promise.resolve(home as Kubernetes);
  }

  /** A client for a registered cluster, kept until its token is about to run out. */
  private async connected(registered: RegisteredCluster): Promise<Kubernetes> {
    const now = this.eks?.clock.now() ?? Date.now();
    const cached = this.clients.get(registered.name);
    if (cached && cached.expiresAt - TOKEN_RENEW_BEFORE_MS > now) return cached.kubernetes;
    const connected = await this.connect(registered);
    this.clients.set(registered.name, connected);
    return connected.kubernetes;
  }

  private async connect(
    cluster: RegisteredCluster,
  ): Promise<{ kubernetes: Kubernetes; expiresAt: number }> {
    const aws = cluster.config.awsAuthConfig;
    let server = cluster.server;
    let caData = cluster.config.tlsClientConfig?.caData;
    let token = cluster.config.bearerToken;
    let expiresAt = Infinity;
    if (aws) {
      if (!this.eks)
        throw new Error(`cluster ${cluster.name}: EKS clusters need AWS configuration`);
      if (aws.roleARN && !this.eks.assumeRole) {
        throw new Error(
          `cluster ${cluster.name}: awsAuthConfig.roleARN needs STS AssumeRole configured`,
        );
      }
      let described = this.described.get(aws.clusterName);
      if (!described) {
        described = this.eks.describeCluster(aws.clusterName);
        this.described.set(aws.clusterName, described);
        described.catch(() => this.described.delete(aws.clusterName));
      }
      const { endpoint, caData: eksCa } = await described;
      server = endpoint;
      caData = eksCa;
      const credentials = aws.roleARN
        ? await this.eks.assumeRole!(aws.roleARN)
        : await this.eks.credentials();
      const minted = await mintEksToken({
        clusterName: aws.clusterName,
        region: this.eks.region,
        credentials,
        now: new Date(this.eks.clock.now()),
      });
      token = minted.token;
      // Renew with whichever runs out first: the token or the assumed role's credentials.
      expiresAt = Math.min(minted.expiresAt, credentials.expiration?.getTime() ?? Infinity);
    }
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [
        {
          name: cluster.name,
          server,
          ...(caData ? { caData } : {}),
          // client-node refuses plain http unless told; there is no TLS to verify there.
          skipTLSVerify:
            (cluster.config.tlsClientConfig?.insecure ?? false) || server.startsWith('http://'),
        },
      ],
      users: [{ name: cluster.name, ...(token ? { token } : {}) }],
      contexts: [{ name: cluster.name, cluster: cluster.name, user: cluster.name }],
      currentContext: cluster.name,
    });
    return { kubernetes: new ClientNodeKubernetes(kc), expiresAt };
  }
}
