/**
 * The embedded control plane with everything wired: home cluster (simulated or a kubeconfig),
 * runtime, the subsystems' machines and effect handlers, the file artifact store. Shared by
 * `npm start` and `argosls run`.
 */
import { join } from 'node:path';
import type { Log } from '../../core/log.js';
import type { Clock } from '../../core/ports.js';
import { ClusterDirectory } from '../../adapters/kubernetes/clusters.js';
import { FileArtifactStore } from '../../adapters/local/file-artifact-store.js';
import type { ControllerOptions } from '../../adapters/local/sim-cluster/controllers.js';
import type { PodExecutor } from '../../adapters/local/sim-cluster/executor.js';
import { kindMachines, subsystemEffectHandlers } from '../registry.js';
import { LocalRuntime } from './runtime.js';
import type { Durability } from './runtime.js';
import { connectHomeCluster } from './home-cluster.js';
import type { Kubernetes } from '../../core/kubernetes.js';
import type { KubeObject } from '../../core/objects.js';
import { podChangeHint, WATCHED_PODS_SELECTOR } from '../../workflows/pod-watch.js';
import {
  replicaSetChangeHint,
  WATCHED_REPLICASETS_SELECTOR,
} from '../../rollouts/replicaset-watch.js';
import type { Message } from '../../core/types.js';
import type { HomeCluster } from './home-cluster.js';
import { ingestFor, startEventIngress } from './event-ingress.js';
import { sdkLambdaInvoker } from '../../adapters/aws/lambda-invoker.js';
import type { EventIngress } from './event-ingress.js';
import { IsomorphicGitSource } from '../../adapters/git/isomorphic-git-source.js';
import { repoCredentialsFrom } from '../../adapters/git/repo-credentials.js';
import { ToolRenderer } from '../../cd/render/index.js';

export interface EmbeddedOptions {
  dataDir: string;
  durability: Durability;
  log?: Log;
  clock?: Clock;
  kubeconfig?: string;
  context?: string;
  /**
   * Watch workflow pods and have workflows poll as soon as one changes (default: on the
   * simulated cluster only; elsewhere the workflows' backoff polls alone learn of changes).
   */
  watchPods?: boolean;
  /**
   * Listen on the ports EventSources declare (`:12000/github`), on this address, as Argo's event
   * source pods do. Their events also arrive under `/webhooks/...` on the API port.
   */
  eventSourcePorts?: { host: string };
  /** The simulated kubelet's timing and pod executor (simulated cluster only). */
  simulated?: { controllers?: Partial<ControllerOptions>; executor?: PodExecutor };
}

export interface Embedded {
  runtime: LocalRuntime;
  cluster: HomeCluster;
  events: EventIngress;
  stop(): Promise<void>;
}

export async function startEmbedded(options: EmbeddedOptions): Promise<Embedded> {
  const cluster = await connectHomeCluster({
    dataDir: options.dataDir,
    ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
    ...(options.context ? { context: options.context } : {}),
    ...(options.simulated ? { simulated: options.simulated } : {}),
  });
  const artifacts = new FileArtifactStore(join(options.dataDir, 'artifacts'));
  const runtime = await LocalRuntime.start({
    dataDir: options.dataDir,
    durability: options.durability,
    kinds: kindMachines,
    ...(options.log ? { log: options.log } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    effectHandlers: (rt) =>
      subsystemEffectHandlers({
        clusters: new ClusterDirectory(cluster.kubernetes, rt.secrets),
        artifacts,
        resources: { get: async (key) => (await rt.get(key)).object },
        controlPlane: {
          submit: async (key, event, id) => {
            await rt.submit([{ id, key, at: rt.clock.now(), event }], { waitMs: 5_000 });
          },
          get: async (key) => (await rt.get(key)).object,
        },
        events: ingestFor(rt, options.log),
        lambda: sdkLambdaInvoker(),
        // ApplicationSets: registered clusters (cluster Secrets) and the Applications they own.
        secrets: rt.secrets,
        listResources: async (kind, filter) =>
          (await rt.list(kind, filter)).flatMap((e) => (e.object ? [e.object as KubeObject] : [])),
        // Applications (and the ApplicationSet git generator): Argo CD's repo-server in-process,
        // repository credentials from Secrets applied through the API.
        git: new IsomorphicGitSource({
          cacheDir: join(options.dataDir, 'git'),
          credentials: repoCredentialsFrom(rt.secrets),
        }),
        renderer: new ToolRenderer({ workDir: join(options.dataDir, 'render') }),
      }),
  });
  const events = await startEventIngress(runtime, {
    dataDir: options.dataDir,
    durability: options.durability,
    ...(options.log ? { log: options.log } : {}),
    ...(options.eventSourcePorts ? { declaredPorts: options.eventSourcePorts } : {}),
  });
  const watches =
    (options.watchPods ?? Boolean(cluster.simulated))
      ? await Promise.all([
          watchHints(
            cluster.kubernetes,
            runtime,
            'v1',
            'Pod',
            WATCHED_PODS_SELECTOR,
            podChangeHint,
          ),
          watchHints(
            cluster.kubernetes,
            runtime,
            'apps/v1',
            'ReplicaSet',
            WATCHED_REPLICASETS_SELECTOR,
            replicaSetChangeHint,
          ),
        ])
      : [];
  return {
    runtime,
    cluster,
    events,
    async stop() {
      for (const watch of watches) watch?.stop();
      await events.stop();
      await runtime.stop();
      await cluster.stop();
    },
  };
}

/**
 * A watch tells workflows (their pods) and rollouts (their ReplicaSets) when something of theirs
 * changed, so they look at once instead of on their backoff timer (which still runs: a hint lost
 * in a reconnect costs a wait). Hints go only to resources that exist, so stray objects never
 * start a log.
 */
async function watchHints(
  kubernetes: Kubernetes,
  runtime: LocalRuntime,
  apiVersion: string,
  kind: string,
  labelSelector: string,
  hintFor: (
    type: 'ADDED' | 'MODIFIED' | 'DELETED',
    object: KubeObject,
    at: number,
  ) => Message | undefined,
) {
  if (!kubernetes.watch) return null;
  return kubernetes.watch(apiVersion, kind, { labelSelector }, (type, object) => {
    const hint = hintFor(type, object, runtime.clock.now());
    if (!hint) return;
    void (async () => {
      if ((await runtime.get(hint.key)).object) await runtime.submit([hint], { waitMs: 0 });
    })().catch(() => undefined);
  });
}
