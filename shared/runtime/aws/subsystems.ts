/**
 * What the subsystems' effect handlers need on AWS: the artifact bucket (S3), the clusters
 * (registered the Argo CD way; EKS clusters reached with minted tokens), reads of other resources
 * from the table, and submissions to the commands queue.
 */
import type { ArtifactStore, Secrets } from '../../core/ports.js';
import type { KubeObject } from '../../core/objects.js';
import type { AwsConfig } from './config.js';
import { clustersOnAws } from './clusters.js';
import { IsomorphicGitSource } from '../../adapters/git/isomorphic-git-source.js';
import { repoCredentialsFrom } from '../../adapters/git/repo-credentials.js';
import { ToolRenderer } from '../../cd/render/index.js';
import { ARGOCD_NAMESPACE } from '../../cd/projects.js';
import type { Kubernetes } from '../../core/kubernetes.js';
import type { KindMachine } from '../../core/machines.js';
import { machineRegistry } from '../../core/machines.js';
import { Runner } from '../../core/runner.js';
import type { SubsystemDeps } from '../registry.js';
import type { AwsPorts } from './wiring.js';
import { bucketStore } from './wiring.js';
import { ingestFromStore } from './events.js';
import { wiringFromEnv } from '../../events/wiring.js';
import { sdkLambdaInvoker } from '../../adapters/aws/lambda-invoker.js';

export interface SubsystemsOnAws {
  /** The artifact bucket (env ARTIFACTS_BUCKET); without it artifacts fail with a clear error. */
  artifactsBucket?: string;
  s3Endpoint?: string;
  region?: string;
  clusters: { forCluster(name: string): Promise<Kubernetes> };
}

class NoArtifactBucket implements ArtifactStore {
  private fail(): never {
    throw new Error(
      'no artifact repository: set ARTIFACTS_BUCKET on the effects function (the CDK app does)',
    );
  }
  put(): Promise<void> {
    return this.fail();
  }
  get(): Promise<Buffer | undefined> {
    return this.fail();
  }
  list(): Promise<string[]> {
    return this.fail();
  }
}

export function subsystemDepsOnAws(
  ports: AwsPorts,
  kinds: readonly KindMachine[],
  options: SubsystemsOnAws,
): SubsystemDeps {
  const artifacts =
    bucketStore({
      ...(options.artifactsBucket ? { artifactsBucket: options.artifactsBucket } : {}),
      ...(options.s3Endpoint ? { s3Endpoint: options.s3Endpoint } : {}),
      ...(options.region ? { region: options.region } : {}),
    }) ??
    ports.payloads ??
    new NoArtifactBucket();
  // A runner used only to read: it never commits, so it never dispatches.
  const reader = new Runner({
    store: ports.store,
    effects: {
      send: () => Promise.reject(new Error('the effects function reads, it does not commit')),
    },
    kinds: machineRegistry(kinds),
  });
  const read = async (key: string) => (await reader.read(key)).object;
  return {
    clusters: options.clusters,
    artifacts,
    resources: { get: read },
    controlPlane: {
      submit: (key, event, id) => ports.commands.send([{ id, key, at: ports.clock.now(), event }]),
      get: read,
    },
    events: ingestFromStore(ports),
    wiring: wiringFromEnv(),
    lambda: sdkLambdaInvoker(),
  };
}

/**
 * Everything the deployed effect workers (functions/effects, functions/render) run with: the
 * clusters (EKS, see clusters.ts), the bucket, git sources and the renderer in the function's
 * /tmp (the kubectl + helm layer's binaries on the render function), repository and cluster
 * credentials from Secrets Manager, reads and lists from the table.
 */
export function deployedSubsystemDeps(
  ports: AwsPorts,
  kinds: readonly KindMachine[],
  config: AwsConfig,
  secrets: Secrets,
): SubsystemDeps {
  const deps = subsystemDepsOnAws(ports, kinds, {
    ...(config.artifactsBucket ? { artifactsBucket: config.artifactsBucket } : {}),
    ...(config.s3Endpoint ? { s3Endpoint: config.s3Endpoint } : {}),
    ...(config.region ? { region: config.region } : {}),
    clusters: clustersOnAws(config, secrets, ports.clock),
  });
  return {
    ...deps,
    secrets,
    listResources: async (kind, filter) =>
      (await ports.store.listIndex(kind, filter)).flatMap((e) =>
        e.object ? [e.object as KubeObject] : [],
      ),
    git: new IsomorphicGitSource({
      cacheDir: '/tmp/git',
      credentials: repoCredentialsFrom(secrets, { namespace: ARGOCD_NAMESPACE }),
    }),
    renderer: new ToolRenderer({ workDir: '/tmp/render' }),
  };
}
