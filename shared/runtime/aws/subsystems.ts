/**
 * What the subsystems' effect handlers need on AWS: the artifact bucket (S3), the clusters
 * (registered the Argo CD way; EKS clusters reached with minted tokens), reads of other resources
 * from the table, and submissions to the commands queue.
 */
import type { ArtifactStore } from '../../core/ports.js';
import type { Kubernetes } from '../../core/kubernetes.js';
import type { KindMachine } from '../../core/machines.js';
import { machineRegistry } from '../../core/machines.js';
import { Runner } from '../../core/runner.js';
import type { SubsystemDeps } from '../registry.js';
import type { EventEffectDeps } from '../../events/effect-handlers.js';
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

/** What the deployed effects function can run without a cluster (see deployedEffectHandlers). */
export function eventDepsOnAws(ports: AwsPorts): EventEffectDeps {
  return {
    clusters: {
      forCluster: (name) =>
        Promise.reject(
          new Error(
            `cluster "${name}": the deployed effects function has no EKS access yet (infra issue)`,
          ),
        ),
    },
    events: ingestFromStore(ports),
    wiring: wiringFromEnv(),
    lambda: sdkLambdaInvoker(),
  };
}
