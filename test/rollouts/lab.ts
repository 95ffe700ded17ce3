/**
 * An embedded runtime with the simulated cluster and a controlled clock, for the Rollout tests
 * that run end to end: apply objects through the runtime, read a Rollout's status and its
 * ReplicaSets, move the clock on and let the timers play out. Nothing sleeps for a pause or a
 * deadline; only the pods take some real time to come up.
 */
import type { Embedded } from '../../shared/runtime/local/embedded.js';
import { startEmbedded } from '../../shared/runtime/local/embedded.js';
import type { KubeObject } from '../../shared/core/objects.js';
import type { JsonObject } from '../../shared/core/types.js';
import type { Kubernetes } from '../../shared/core/kubernetes.js';
import { OWNER_LABEL } from '../../shared/rollouts/replicaset.js';
import { ManualClock } from '../support/manual-clock.js';

export interface RolloutStatusView {
  phase?: string;
  message?: string;
  abort?: boolean;
  currentStepIndex?: number;
  stableRS?: string;
  currentPodHash?: string;
  replicas?: number;
  selector?: string;
  conditions?: { type: string; status: string; reason: string; message: string }[];
  pauseConditions?: { reason: string }[];
  [field: string]: unknown;
}

export class RolloutLab {
  readonly clock = new ManualClock(Date.now());
  embedded!: Embedded;

  private constructor(readonly namespace: string) {}

  static async start(dataDir: string, namespace: string): Promise<RolloutLab> {
    const lab = new RolloutLab(namespace);
    lab.embedded = await startEmbedded({ dataDir, durability: 'none', clock: lab.clock });
    await lab.kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    return lab;
  }

  get kube(): Kubernetes {
    return this.embedded.cluster.kubernetes;
  }

  key(kind: string, name: string): string {
    return `in-cluster/${kind}/${this.namespace}/${name}`;
  }

  async apply(object: KubeObject): Promise<void> {
    const name = object.metadata.name;
    await this.embedded.runtime.submit(
      [
        {
          id: `apply-${object.kind}-${name}-${Math.random()}`,
          key: this.key(object.kind, name),
          at: this.clock.now(),
          event: { type: 'Apply', object },
        },
      ],
      { waitMs: 10_000 },
    );
  }

  async status(name: string): Promise<RolloutStatusView> {
    const object = (await this.embedded.runtime.get(this.key('Rollout', name))).object;
    return (object?.['status'] ?? {}) as RolloutStatusView;
  }

  /** spec.replicas of each of the Rollout's ReplicaSets, by pod template hash. */
  async replicaSets(rollout: string): Promise<Record<string, number>> {
    const sets = await this.kube.list('apps/v1', 'ReplicaSet', {
      namespace: this.namespace,
      labelSelector: `${OWNER_LABEL}=${rollout}`,
    });
    return Object.fromEntries(
      sets.map((rs) => [
        (rs.metadata.labels as Record<string, string>)['rollouts-pod-template-hash']!,
        (rs.spec as { replicas: number }).replicas,
      ]),
    );
  }

  /** Moves the clock on in steps, letting each step's timers and effects play out. */
  async advance(ms: number, stepMs = 30_000): Promise<void> {
    for (let done = 0; done < ms; done += stepMs) {
      this.clock.advance(Math.min(stepMs, ms - done));
      this.embedded.runtime.clockMoved();
      await this.embedded.runtime.settled();
      await new Promise((r) => setTimeout(r, 100));
      await this.embedded.runtime.settled();
    }
  }

  stop(): Promise<void> {
    return this.embedded.stop();
  }
}

/** Waits (real time: the simulated pods take some) until `check` passes. */
export async function until<T>(
  what: string,
  probe: () => Promise<T>,
  check: (v: T) => boolean,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T = await probe();
  while (!check(last)) {
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}; last: ${JSON.stringify(last, null, 1).slice(0, 3000)}`,
      );
    await new Promise((r) => setTimeout(r, 50));
    last = await probe();
  }
  return last;
}

/** A basic canary Rollout of `app` (one container) for end-to-end tests. */
export function canaryRollout(
  name: string,
  namespace: string,
  spec: JsonObject,
  canary: JsonObject,
): KubeObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name, namespace },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: `${name}:v1` }] },
      },
      strategy: { canary },
      ...spec,
    },
  };
}

/** The Rollout with another image, and pod-template annotations (the simulated kubelet's knobs). */
export function withImage(
  rollout: KubeObject,
  image: string,
  podAnnotations: Record<string, string> = {},
): KubeObject {
  const copy = structuredClone(rollout);
  const template = (
    copy.spec as {
      template: {
        metadata: { annotations?: Record<string, string> };
        spec: { containers: { image: string }[] };
      };
    }
  ).template;
  template.spec.containers[0]!.image = image;
  if (Object.keys(podAnnotations).length > 0) template.metadata.annotations = podAnnotations;
  return copy;
}
