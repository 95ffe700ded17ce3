/**
 * The simulated cluster's controllers, run on a tick: a kubelet that moves pods through their
 * phases, and the ReplicaSet and Deployment controllers, so health reads as on a real cluster.
 * Timing per pod comes from annotations, defaults from the options.
 */
import { createHash } from 'node:crypto';
import type { Json, JsonObject } from '../../../core/types.js';
import { canonicalJson, sameJson } from '../../../core/objects.js';
import type { ClusterState, Obj } from './server.js';
import type { PodExecution, PodExecutor, PodRunResult } from './executor.js';

export const POD_ANNOTATIONS = {
  startSeconds: 'sim.argo-serverless.dev/start-seconds',
  runSeconds: 'sim.argo-serverless.dev/run-seconds',
  exitCode: 'sim.argo-serverless.dev/exit-code',
  oom: 'sim.argo-serverless.dev/oom',
} as const;

export interface ControllerOptions {
  /** Pending -> Running. */
  podStartMs: number;
  /** Running -> terminated, for pods that are not restartPolicy Always. */
  podRunMs: number;
  tickMs: number;
}

export const defaultControllerOptions: ControllerOptions = {
  podStartMs: 200,
  podRunMs: 1_000,
  tickMs: 50,
};

type Status = JsonObject;

export class Controllers {
  private timer: NodeJS.Timeout | undefined;
  /** When each pod (by uid) entered its current phase, with ms precision. */
  private readonly phaseSince = new Map<string, number>();
  /** When each Deployment (by uid) last made progress. */
  private readonly progressAt = new Map<string, number>();
  /** Pods the executor runs (by uid), and their outcome once done. */
  private readonly runs = new Map<string, { execution: PodExecution; done?: PodRunResult }>();

  constructor(
    private readonly state: ClusterState,
    private readonly options: ControllerOptions,
    private readonly now: () => number = Date.now,
    private readonly executor?: PodExecutor,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.options.tickMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Kills running executions (the cluster is stopping) and waits for them to end. */
  async killRuns(): Promise<void> {
    const pending = [...this.runs.values()].filter((r) => !r.done);
    for (const r of pending) r.execution.kill();
    await Promise.allSettled(pending.map((r) => r.execution.result));
    this.runs.clear();
  }

  /** One pass of every controller (tests may call it directly). */
  tick(): void {
    try {
      this.pass();
    } catch (err) {
      // A controller's bad day must not take the cluster (and the process) down.
      console.error(`simulated cluster controllers: ${String(err)}`);
    }
  }

  private pass(): void {
    for (const d of this.all('Deployment')) this.deployment(d);
    for (const rs of this.all('ReplicaSet')) this.replicaSet(rs);
    for (const job of this.all('Job')) this.job(job);
    // Ended pods stay ended (restartPolicy Never / OnFailure done): only the others need a visit.
    for (const pod of this.state.listUnfinishedPods()) this.kubelet(pod);
    if (this.runs.size) this.reapRuns();
  }

  /** Kills executions whose pod was deleted. */
  private reapRuns(): void {
    const alive = this.state.livePodUids();
    for (const [uid, run] of this.runs) {
      if (!alive.has(uid)) {
        if (!run.done) run.execution.kill();
        this.runs.delete(uid);
      }
    }
  }

  /** Starts the pod's execution once; its result when it has ended. */
  private execution(pod: Obj, uid: string): { done?: PodRunResult } {
    let run = this.runs.get(uid);
    if (!run) {
      const lookup = (kind: 'ConfigMap' | 'Secret', namespace: string, name: string) => {
        try {
          const o = this.state.get(this.state.builtIn(kind), namespace, name);
          const data = (o['data'] ?? {}) as Record<string, string>;
          return kind === 'Secret'
            ? Object.fromEntries(
                Object.entries(data).map(([k, v]) => [
                  k,
                  Buffer.from(v, 'base64').toString('utf8'),
                ]),
              )
            : data;
        } catch {
          return undefined;
        }
      };
      const entry: { execution: PodExecution; done?: PodRunResult } = {
        execution: this.executor!.start(pod as unknown as JsonObject, lookup),
      };
      run = entry;
      this.runs.set(uid, entry);
      entry.execution.result.then(
        (r) => {
          entry.done = r;
          this.state.logs.set(`${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`, r.log);
        },
        (err: unknown) => {
          entry.done = { exitCode: 128, log: `executor failed: ${String(err)}\n` };
        },
      );
    }
    return run;
  }

  private all(kind: string): Obj[] {
    return this.state.listKind(kind);
  }

  private setStatus(kind: string, obj: Obj, status: Status): void {
    if (sameJson(obj['status'], status)) return;
    this.state.update(this.state.builtIn(kind), obj, { ...obj, status }, 'status');
  }

  // ------------------------------------------------------------------------------------------
  // kubelet
  // ------------------------------------------------------------------------------------------

  private kubelet(pod: Obj): void {
    if (pod.metadata['deletionTimestamp']) return;
    // Ended pods stay ended (restartPolicy Never / OnFailure done): the cheap check comes first,
    // as a workflow leaves thousands of them behind.
    const phase = (pod['status'] as Status | undefined)?.['phase'];
    if (phase === 'Succeeded' || phase === 'Failed') return;
    const uid = String(pod.metadata['uid']);
    const now = this.now();
    const status = (pod['status'] ?? {}) as Status;
    const annotations = (pod.metadata['annotations'] ?? {}) as Record<string, string>;
    const spec = (pod['spec'] ?? {}) as {
      containers?: { name: string; image?: string }[];
      restartPolicy?: string;
    };
    const containers = spec.containers ?? [];
    const restartPolicy = spec.restartPolicy ?? 'Always';
    const since = this.phaseSince.get(uid) ?? now;
    const seconds = (name: string, fallbackMs: number) =>
      annotations[name] !== undefined ? Number(annotations[name]) * 1000 : fallbackMs;
    const iso = new Date(now).toISOString();

    if (!status['phase']) {
      this.phaseSince.set(uid, now);
      return this.setStatus('Pod', pod, {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'True' }],
        containerStatuses: containers.map((c) => ({
          name: c.name,
          image: c.image ?? '',
          ready: false,
          started: false,
          restartCount: 0,
          state: { waiting: { reason: 'ContainerCreating' } },
        })),
      });
    }
    if (
      status['phase'] === 'Pending' &&
      now - since >= seconds(POD_ANNOTATIONS.startSeconds, this.options.podStartMs)
    ) {
      this.phaseSince.set(uid, now);
      return this.setStatus('Pod', pod, running(containers, iso, restartCount(status)));
    }
    if (status['phase'] !== 'Running' || restartPolicy === 'Always') return;
    const oom = annotations[POD_ANNOTATIONS.oom] === 'true';
    let exitCode: number;
    if (this.executor) {
      const run = this.execution(pod, uid);
      if (!run.done) return;
      exitCode = oom ? 137 : run.done.exitCode;
    } else {
      if (now - since < seconds(POD_ANNOTATIONS.runSeconds, this.options.podRunMs)) return;
      exitCode = oom ? 137 : Number(annotations[POD_ANNOTATIONS.exitCode] ?? 0);
    }
    if (exitCode !== 0 && restartPolicy === 'OnFailure') {
      // Restarted in place, as the kubelet does (without its crash-loop backoff).
      this.phaseSince.set(uid, now);
      return this.setStatus('Pod', pod, running(containers, iso, restartCount(status) + 1));
    }
    this.phaseSince.set(uid, now);
    const reason = oom ? 'OOMKilled' : exitCode === 0 ? 'Completed' : 'Error';
    this.setStatus('Pod', pod, {
      ...status,
      phase: exitCode === 0 ? 'Succeeded' : 'Failed',
      conditions: [
        { type: 'PodScheduled', status: 'True' },
        { type: 'Ready', status: 'False', reason: 'PodCompleted' },
      ],
      containerStatuses: containers.map((c) => ({
        name: c.name,
        image: c.image ?? '',
        ready: false,
        started: false,
        restartCount: restartCount(status),
        state: { terminated: { exitCode, reason, finishedAt: iso } },
      })),
    });
  }

  // ------------------------------------------------------------------------------------------
  // ReplicaSet controller
  // ------------------------------------------------------------------------------------------

  private replicaSet(rs: Obj): void {
    if (rs.metadata['deletionTimestamp']) return;
    const spec = (rs['spec'] ?? {}) as {
      replicas?: number;
      minReadySeconds?: number;
      template?: JsonObject;
    };
    const desired = spec.replicas ?? 1;
    const podResource = this.state.builtIn('Pod');
    let pods = this.owned(rs, 'Pod').filter((p) => !p.metadata['deletionTimestamp']);
    for (let i = pods.length; i < desired; i++) {
      const template = (spec.template ?? {}) as { metadata?: JsonObject; spec?: JsonObject };
      const created = this.state.create(podResource, rs.metadata.namespace, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          ...withoutName(template.metadata),
          generateName: `${rs.metadata.name}-`,
          namespace: rs.metadata.namespace ?? 'default',
          ownerReferences: [ownerRef('apps/v1', 'ReplicaSet', rs)],
        },
        spec: template.spec ?? {},
      });
      pods.push(created);
    }
    if (pods.length > desired) {
      // Not-ready pods go first, then the newest: as the real controller prefers.
      const victims = [...pods]
        .sort((a, b) => Number(isReady(a)) - Number(isReady(b)))
        .slice(0, pods.length - desired);
      for (const v of victims) this.state.delete(podResource, v, 'Background');
      pods = pods.filter((p) => !victims.includes(p));
    }
    const ready = pods.filter(isReady);
    const minReadyMs = (spec.minReadySeconds ?? 0) * 1000;
    const available = ready.filter(
      (p) => this.now() - (this.phaseSince.get(String(p.metadata['uid'])) ?? 0) >= minReadyMs,
    );
    this.setStatus('ReplicaSet', rs, {
      replicas: pods.length,
      fullyLabeledReplicas: pods.length,
      readyReplicas: ready.length,
      availableReplicas: available.length,
      observedGeneration: rs.metadata['generation'] ?? 1,
    });
  }

  // ------------------------------------------------------------------------------------------
  // Deployment controller
  // ------------------------------------------------------------------------------------------

  private deployment(d: Obj): void {
    if (d.metadata['deletionTimestamp']) return;
    const uid = String(d.metadata['uid']);
    const now = this.now();
    const spec = (d['spec'] ?? {}) as {
      replicas?: number;
      template?: JsonObject;
      selector?: { matchLabels?: Record<string, string> };
      minReadySeconds?: number;
      progressDeadlineSeconds?: number;
      strategy?: {
        type?: string;
        rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string };
      };
    };
    const desired = spec.replicas ?? 1;
    const hash = templateHash(spec.template ?? {});
    const rsResource = this.state.builtIn('ReplicaSet');
    const sets = this.owned(d, 'ReplicaSet');
    let newRs = sets.find((rs) => labelsOf(rs)['pod-template-hash'] === hash);
    const old = sets.filter((rs) => rs !== newRs);
    const recreate = spec.strategy?.type === 'Recreate';
    const surge = recreate
      ? 0
      : scaled(spec.strategy?.rollingUpdate?.maxSurge ?? '25%', desired, 'up');
    const maxUnavailable = recreate
      ? desired
      : scaled(spec.strategy?.rollingUpdate?.maxUnavailable ?? '25%', desired, 'down');
    const replicasOf = (rs: Obj) =>
      Number((rs['spec'] as { replicas?: number } | undefined)?.replicas ?? 0);
    const statusOf = (rs: Obj, f: string) => Number(((rs['status'] ?? {}) as JsonObject)[f] ?? 0);

    if (!newRs) {
      const template = structuredClone(spec.template ?? {}) as { metadata?: JsonObject };
      template.metadata = {
        ...(template.metadata ?? {}),
        labels: { ...labelsOfTemplate(template), 'pod-template-hash': hash },
      };
      const oldTotal = old.reduce((n, rs) => n + replicasOf(rs), 0);
      const initial = recreate ? 0 : Math.max(0, Math.min(desired, desired + surge - oldTotal));
      newRs = this.state.create(rsResource, d.metadata.namespace, {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${d.metadata.name}-${hash}`,
          namespace: d.metadata.namespace ?? 'default',
          labels: { ...(template.metadata['labels'] as JsonObject), 'pod-template-hash': hash },
          ownerReferences: [ownerRef('apps/v1', 'Deployment', d)],
        },
        spec: {
          replicas: initial,
          minReadySeconds: spec.minReadySeconds ?? 0,
          selector: {
            matchLabels: { ...(spec.selector?.matchLabels ?? {}), 'pod-template-hash': hash },
          },
          template: template as Json,
        },
      });
      this.progressAt.set(uid, now);
    }
    const scale = (rs: Obj, replicas: number) => {
      if (replicasOf(rs) === replicas) return;
      this.state.update(rsResource, rs, {
        ...rs,
        spec: { ...(rs['spec'] as JsonObject), replicas },
      });
      this.progressAt.set(uid, now);
    };
    const oldPods = old.reduce((n, rs) => n + statusOf(rs, 'replicas'), 0);
    if (recreate) {
      for (const rs of old) scale(rs, 0);
      if (oldPods === 0) scale(newRs, desired);
    } else {
      const total =
        sets.reduce((n, rs) => n + replicasOf(rs), 0) +
        (sets.includes(newRs) ? 0 : replicasOf(newRs));
      const room = desired + surge - total;
      if (replicasOf(newRs) < desired && room > 0)
        scale(newRs, Math.min(desired, replicasOf(newRs) + room));
      if (replicasOf(newRs) > desired) scale(newRs, desired);
      const available = [newRs, ...old].reduce((n, rs) => n + statusOf(rs, 'availableReplicas'), 0);
      let removable = available - (desired - maxUnavailable);
      for (const rs of old) {
        // Unavailable old pods can always go; available ones only while enough stay available.
        const unavailable = replicasOf(rs) - statusOf(rs, 'availableReplicas');
        const cut = Math.min(replicasOf(rs), Math.max(0, unavailable) + Math.max(0, removable));
        if (cut > 0) {
          scale(rs, replicasOf(rs) - cut);
          removable -= Math.max(0, cut - Math.max(0, unavailable));
        }
      }
    }
    const all = this.owned(d, 'ReplicaSet');
    const current = all.find((rs) => labelsOf(rs)['pod-template-hash'] === hash)!;
    const sum = (f: string) => all.reduce((n, rs) => n + statusOf(rs, f), 0);
    const updated = statusOf(current, 'replicas');
    const available = sum('availableReplicas');
    const complete = updated === desired && sum('replicas') === desired && available === desired;
    const deadlineMs = (spec.progressDeadlineSeconds ?? 600) * 1000;
    const stalled = !complete && now - (this.progressAt.get(uid) ?? now) > deadlineMs;
    const previous = (((d['status'] ?? {}) as JsonObject)['conditions'] ?? []) as JsonObject[];
    const condition = (type: string, status: string, reason: string, message: string) => {
      const before = previous.find((c) => c['type'] === type);
      const changed = !before || before['status'] !== status || before['reason'] !== reason;
      const at = changed ? new Date(now).toISOString() : String(before['lastTransitionTime']);
      return { type, status, reason, message, lastTransitionTime: at, lastUpdateTime: at };
    };
    this.setStatus('Deployment', d, {
      observedGeneration: d.metadata['generation'] ?? 1,
      replicas: sum('replicas'),
      updatedReplicas: updated,
      readyReplicas: sum('readyReplicas'),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, desired - available),
      conditions: [
        available >= desired - maxUnavailable
          ? condition(
              'Available',
              'True',
              'MinimumReplicasAvailable',
              'Deployment has minimum availability.',
            )
          : condition(
              'Available',
              'False',
              'MinimumReplicasUnavailable',
              'Deployment does not have minimum availability.',
            ),
        complete
          ? condition(
              'Progressing',
              'True',
              'NewReplicaSetAvailable',
              `ReplicaSet "${current.metadata.name}" has successfully progressed.`,
            )
          : stalled
            ? condition(
                'Progressing',
                'False',
                'ProgressDeadlineExceeded',
                `ReplicaSet "${current.metadata.name}" has timed out progressing.`,
              )
            : condition(
                'Progressing',
                'True',
                'ReplicaSetUpdated',
                `ReplicaSet "${current.metadata.name}" is progressing.`,
              ),
      ],
    });
  }

  // ------------------------------------------------------------------------------------------
  // Job controller
  // ------------------------------------------------------------------------------------------

  private job(job: Obj): void {
    if (job.metadata['deletionTimestamp']) return;
    const spec = (job['spec'] ?? {}) as {
      completions?: number;
      parallelism?: number;
      backoffLimit?: number;
      template?: { metadata?: JsonObject; spec?: JsonObject };
    };
    const status = (job['status'] ?? {}) as Status;
    const finished = ((status['conditions'] ?? []) as JsonObject[]).some(
      (c) => c['type'] === 'Complete' || c['type'] === 'Failed',
    );
    if (finished) return;
    const completions = spec.completions ?? 1;
    const parallelism = spec.parallelism ?? 1;
    const backoffLimit = spec.backoffLimit ?? 6;
    const pods = this.owned(job, 'Pod');
    const phase = (p: Obj) => ((p['status'] ?? {}) as Status)['phase'];
    const succeeded = pods.filter((p) => phase(p) === 'Succeeded').length;
    const failed = pods.filter((p) => phase(p) === 'Failed').length;
    let active = pods.filter(
      (p) => phase(p) !== 'Succeeded' && phase(p) !== 'Failed' && !p.metadata['deletionTimestamp'],
    ).length;
    const iso = new Date(this.now()).toISOString();
    const base = { startTime: status['startTime'] ?? iso, succeeded, failed };
    if (failed > backoffLimit) {
      return this.setStatus('Job', job, {
        ...base,
        active: 0,
        conditions: [
          {
            type: 'Failed',
            status: 'True',
            reason: 'BackoffLimitExceeded',
            message: 'Job has reached the specified backoff limit',
            lastTransitionTime: iso,
          },
        ],
      });
    }
    if (succeeded >= completions) {
      return this.setStatus('Job', job, {
        ...base,
        active: 0,
        completionTime: iso,
        conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: iso }],
      });
    }
    const podResource = this.state.builtIn('Pod');
    const template = spec.template ?? {};
    for (; active < Math.min(parallelism, completions - succeeded); active++) {
      this.state.create(podResource, job.metadata.namespace, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          ...withoutName(template.metadata),
          generateName: `${job.metadata.name}-`,
          namespace: job.metadata.namespace ?? 'default',
          labels: {
            ...((template.metadata?.['labels'] ?? {}) as JsonObject),
            'job-name': job.metadata.name,
          },
          ownerReferences: [ownerRef('batch/v1', 'Job', job)],
        },
        spec: template.spec ?? {},
      });
    }
    this.setStatus('Job', job, { ...base, active });
  }

  private owned(owner: Obj, kind: string): Obj[] {
    const uid = owner.metadata['uid'];
    return this.state
      .list(this.state.builtIn(kind), owner.metadata.namespace)
      .filter((o) =>
        ((o.metadata['ownerReferences'] ?? []) as JsonObject[]).some((r) => r['uid'] === uid),
      );
  }
}

function running(
  containers: { name: string; image?: string }[],
  iso: string,
  restarts: number,
): Status {
  return {
    phase: 'Running',
    startTime: iso,
    podIP: '10.0.0.1',
    conditions: [
      { type: 'PodScheduled', status: 'True' },
      { type: 'Initialized', status: 'True' },
      { type: 'ContainersReady', status: 'True' },
      { type: 'Ready', status: 'True' },
    ],
    containerStatuses: containers.map((c) => ({
      name: c.name,
      image: c.image ?? '',
      ready: true,
      started: true,
      restartCount: restarts,
      state: { running: { startedAt: iso } },
    })),
  };
}

function restartCount(status: Status): number {
  const first = ((status['containerStatuses'] ?? []) as JsonObject[])[0];
  return Number(first?.['restartCount'] ?? 0);
}

function isReady(pod: Obj): boolean {
  const status = (pod['status'] ?? {}) as Status;
  return (
    status['phase'] === 'Running' &&
    ((status['conditions'] ?? []) as JsonObject[]).some(
      (c) => c['type'] === 'Ready' && c['status'] === 'True',
    )
  );
}

function ownerRef(apiVersion: string, kind: string, owner: Obj): JsonObject {
  return {
    apiVersion,
    kind,
    name: owner.metadata.name,
    uid: owner.metadata['uid'] ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

function labelsOf(o: Obj): Record<string, string> {
  return (o.metadata['labels'] ?? {}) as Record<string, string>;
}

function labelsOfTemplate(template: { metadata?: JsonObject }): JsonObject {
  return (template.metadata?.['labels'] ?? {}) as JsonObject;
}

/** Like Kubernetes' pod-template-hash: stable for the same template, 10 characters. */
export function templateHash(template: JsonObject): string {
  return createHash('sha256').update(canonicalJson(template)).digest('hex').slice(0, 10);
}

/** maxSurge rounds up, maxUnavailable down, as Kubernetes resolves percentages. */
function scaled(value: number | string, total: number, round: 'up' | 'down'): number {
  if (typeof value === 'number') return value;
  const pct = Number(value.replace('%', '')) / 100;
  return round === 'up' ? Math.ceil(total * pct) : Math.floor(total * pct);
}

/** A pod template's metadata without a name: pods made from it are named by generateName. */
function withoutName(metadata: JsonObject | undefined): JsonObject {
  const { name: _name, ...rest } = metadata ?? {};
  return rest;
}
