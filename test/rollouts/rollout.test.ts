/**
 * The Rollout reducer (shared/rollouts/rollout.ts) driven by hand: each event folded in as the
 * runner would, each effect answered by a small in-memory cluster (ReplicaSets, Services,
 * Ingresses as plain objects; writes applied, merge patches merged). The strategies' decisions are
 * tested on their own (canary.test.ts, bluegreen.test.ts); here it is what the machine adds:
 * the user's actions as annotations, spec.paused, InvalidSpec, deletion, stale observations and
 * the poll backoff.
 */
import { describe, expect, it } from 'vitest';
import type { EffectRequest, Json, JsonObject } from '../../shared/core/types.js';
import type { KubeObject } from '../../shared/core/objects.js';
import { mergePatch } from '../../shared/core/objects.js';
import type {
  ObserveInput,
  ObserveResult,
  ReleaseInput,
  RolloutState,
  StartAnalysisInput,
} from '../../shared/rollouts/rollout.js';
import {
  ACTION_ANNOTATIONS,
  initialRolloutState,
  reduceRollout,
  releaseWrites,
  RolloutEffects,
  rolloutStatus,
} from '../../shared/rollouts/rollout.js';
import { observedReplicaSet } from '../../shared/rollouts/effect-handlers.js';
import { OWNER_LABEL, POD_TEMPLATE_HASH_LABEL } from '../../shared/rollouts/replicaset.js';
import type { RouterWrite } from '../../shared/rollouts/traffic/index.js';
import { canaryIngressName, refKey } from '../../shared/rollouts/traffic/index.js';

const KEY = 'in-cluster/Rollout/shop/web';
const T0 = Date.UTC(2026, 10, 30, 12, 0, 0);

function rollout(spec: JsonObject = {}, annotations: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'shop', annotations },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'web:v1' }] },
      },
      strategy: {
        canary: { maxSurge: 1, maxUnavailable: 0, steps: [{ setWeight: 25 }, { pause: {} }] },
      },
      ...spec,
    },
  };
}

function withImage(object: KubeObject, image: string): KubeObject {
  const copy = structuredClone(object);
  const spec = copy.spec as { template: { spec: { containers: { image: string }[] } } };
  spec.template.spec.containers[0]!.image = image;
  return copy;
}

function withAnnotation(object: KubeObject, annotation: string, value: string): KubeObject {
  const copy = structuredClone(object);
  copy.metadata.annotations = { ...copy.metadata.annotations, [annotation]: value };
  return copy;
}

type Timer = { timerId: string; generation: number; fireAt: number };

/** The reducer, and a cluster that answers its effects. */
class Harness {
  state: RolloutState;
  object: KubeObject;
  /** Objects on the cluster by refKey. */
  objects = new Map<string, KubeObject>();
  /** When false, pods of new or scaled ReplicaSets never become available. */
  podsReady = true;
  /** Every effect the reducer asked for, in order, and those not answered yet. */
  log: EffectRequest[] = [];
  pending: EffectRequest[] = [];
  now = T0;

  constructor(object: KubeObject) {
    this.object = object;
    this.state = initialRolloutState(KEY, object);
    this.send({ type: 'xstate.init', at: this.now });
  }

  send(event: { type: string; at: number; [k: string]: unknown }): EffectRequest[] {
    const out: EffectRequest[] = [];
    reduceRollout(this.state, event, out);
    this.log.push(...out);
    this.pending.push(...out);
    return out;
  }

  apply(object: KubeObject): EffectRequest[] {
    this.object = object;
    return this.send({ type: 'ObjectApplied', at: this.now, object });
  }

  put(object: KubeObject): void {
    this.objects.set(
      refKey({
        apiVersion: object.apiVersion,
        kind: object.kind,
        namespace: object.metadata.namespace ?? 'shop',
        name: object.metadata.name,
      }),
      object,
    );
  }

  service(name: string): void {
    this.put({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'shop' },
      spec: { selector: { app: 'web' } },
    });
  }

  observation(input: ObserveInput): ObserveResult {
    const replicaSets = [...this.objects.values()]
      .filter((o) => o.kind === 'ReplicaSet' && o.metadata.labels?.[OWNER_LABEL] === input.rollout)
      .map(observedReplicaSet);
    const objects: ObserveResult['objects'] = {};
    for (const ref of input.reads) objects[refKey(ref)] = this.objects.get(refKey(ref)) ?? null;
    const missingServices: string[] = [];
    const services: ObserveResult['services'] = {};
    for (const name of input.services) {
      const svc = this.objects.get(
        refKey({ apiVersion: 'v1', kind: 'Service', namespace: 'shop', name }),
      );
      if (!svc) missingServices.push(name);
      else {
        const hash = (svc.spec as { selector?: Record<string, string> }).selector?.[
          POD_TEMPLATE_HASH_LABEL
        ];
        services[name] = hash ? { selectorHash: hash } : {};
      }
    }
    return { tag: input.tag, replicaSets, objects, missingServices, services };
  }

  write(write: RouterWrite): void {
    const key = refKey(write.ref);
    if (write.op === 'delete') {
      this.objects.delete(key);
      return;
    }
    const object =
      write.op === 'apply'
        ? structuredClone(write.object!)
        : (mergePatch(
            this.objects.get(key) as unknown as Json,
            write.patch!,
          ) as unknown as KubeObject);
    if (object.kind === 'ReplicaSet') {
      const replicas = (object.spec as { replicas: number }).replicas;
      const before =
        (object.status as { availableReplicas?: number } | undefined)?.availableReplicas ?? 0;
      const available = this.podsReady ? replicas : Math.min(before, replicas);
      object.status = { replicas, readyReplicas: available, availableReplicas: available };
    }
    this.objects.set(key, object);
  }

  /** Answers one pending effect; analysis starts and messages are only recorded. */
  answer(effect: EffectRequest): void {
    const input = effect.input as { tag?: string };
    switch (effect.kind) {
      case RolloutEffects.Observe:
        this.send({
          type: 'EffectSucceeded',
          at: this.now,
          result: this.observation(effect.input as unknown as ObserveInput) as unknown as Json,
        });
        return;
      case RolloutEffects.Write:
        for (const write of (effect.input as unknown as { writes: RouterWrite[] }).writes)
          this.write(write);
        this.send({ type: 'EffectSucceeded', at: this.now, result: { tag: input.tag! } });
        return;
      default:
        return;
    }
  }

  /** Answers observations and writes until the reducer waits for nothing but timers. */
  settle(): void {
    for (let i = 0; i < 200; i++) {
      const next = this.pending.findIndex(
        (e) => e.kind === RolloutEffects.Observe || e.kind === RolloutEffects.Write,
      );
      if (next < 0) return;
      const [effect] = this.pending.splice(next, 1);
      this.answer(effect!);
    }
    throw new Error('the rollout never settled');
  }

  /** Fires the timer `timerId` that is armed now, at its time. */
  fire(timerId: string): Timer {
    const timer = this.timers()
      .filter((t) => t.timerId === timerId)
      .at(-1);
    if (!timer) throw new Error(`no ${timerId} timer armed`);
    this.now = Math.max(this.now, timer.fireAt);
    this.send({ type: 'TimerFired', at: this.now, timerId, generation: timer.generation });
    return timer;
  }

  timers(): Timer[] {
    return this.log.filter((e) => e.kind === 'timer.set').map((e) => e.input as unknown as Timer);
  }

  kinds(effects: EffectRequest[]): string[] {
    return effects.map((e) => e.kind);
  }

  get status() {
    return this.state.status;
  }

  replicas(): Record<string, number> {
    return Object.fromEntries(
      [...this.objects.values()]
        .filter((o) => o.kind === 'ReplicaSet')
        .map((o) => [
          o.metadata.labels![POD_TEMPLATE_HASH_LABEL]!,
          (o.spec as { replicas: number }).replicas,
        ]),
    );
  }

  analysisStarts(): StartAnalysisInput[] {
    return this.log
      .filter((e) => e.kind === RolloutEffects.StartAnalysis)
      .map((e) => e.input as unknown as StartAnalysisInput);
  }

  /** The AnalysisRun `name` finished with `phase` (the run's machine reports this message). */
  runFinished(name: string, phase: string, message?: string): void {
    this.send({
      type: 'AnalysisRunUpdated',
      at: this.now,
      name,
      phase,
      ...(message ? { message } : {}),
    });
  }
}

/** A rollout at v1, fully promoted, then updated to v2 and paused at its pause step. */
function pausedUpdate(spec: JsonObject = {}): { h: Harness; stable: string; canary: string } {
  const h = new Harness(rollout(spec));
  h.settle();
  const stable = h.status.stableRS!;
  h.apply(withImage(h.object, 'web:v2'));
  h.settle();
  return { h, stable, canary: h.status.currentPodHash! };
}

// ---------------------------------------------------------------------------------------------

describe('observing and deciding', () => {
  it('a new Rollout observes at once, creates its first ReplicaSet and goes to full scale', () => {
    const h = new Harness(rollout());
    expect(h.kinds(h.log)).toEqual([RolloutEffects.Observe]);
    const observe = h.log[0]!.input as unknown as ObserveInput;
    expect(observe).toMatchObject({
      cluster: 'in-cluster',
      namespace: 'shop',
      rollout: 'web',
      reads: [],
      services: [],
    });
    h.settle();
    expect(Object.values(h.replicas())).toEqual([4]);
    expect(h.status.phase).toBe('Healthy');
    expect(h.status.stableRS).toBe(h.status.currentPodHash);
  });

  it('a stale observation (not the one in flight) is ignored', () => {
    const h = new Harness(rollout());
    const first = h.pending.shift()!.input as unknown as ObserveInput;
    // An apply while observing asks for another observation after this one, not a second one now.
    expect(h.kinds(h.apply(withImage(h.object, 'web:v1b')))).toEqual([]);
    const before = JSON.stringify(h.state);
    const out = h.send({
      type: 'EffectSucceeded',
      at: T0,
      result: { ...h.observation(first), tag: 'observe#999' } as unknown as Json,
    });
    expect(out).toEqual([]);
    expect(JSON.stringify(h.state)).toBe(before);
    // The real answer is decided on, and the wanted second observation follows it.
    const out2 = h.send({
      type: 'EffectSucceeded',
      at: T0,
      result: h.observation(first) as unknown as Json,
    });
    expect(h.kinds(out2)).toContain(RolloutEffects.Observe);
  });

  it('an unknown timer generation or an unknown run changes nothing', () => {
    const h = new Harness(rollout());
    h.settle();
    expect(h.send({ type: 'TimerFired', at: T0, timerId: 'poll', generation: 999 })).toEqual([]);
    expect(h.send({ type: 'AnalysisRunUpdated', at: T0, name: 'nope', phase: 'Failed' })).toEqual(
      [],
    );
  });

  it('a failed observation shows in the message and is tried again after the poll backoff', () => {
    const h = new Harness(rollout());
    const tag = (h.pending.shift()!.input as unknown as ObserveInput).tag;
    const out = h.send({ type: 'EffectFailed', at: T0, reason: 'cluster unreachable', tag });
    expect(h.status.message).toBe('cluster unreachable');
    expect(out.map((e) => e.input)).toEqual([
      { timerId: 'poll', generation: 1, fireAt: T0 + 1000 },
    ]);
  });
});

describe('poll backoff while pods come up', () => {
  it('doubles from 1 s to 30 s while nothing changes, and starts again at 1 s after a write', () => {
    const h = new Harness(rollout());
    h.podsReady = false;
    h.settle();
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const before = h.now;
      const timer = h.fire('poll');
      delays.push(timer.fireAt - before);
      h.settle();
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    // Pods come up: the next observation scales nothing but changes the status, then it is quiet.
    for (const o of h.objects.values())
      if (o.kind === 'ReplicaSet')
        o.status = { replicas: 4, readyReplicas: 4, availableReplicas: 4 };
    const count = h.timers().length;
    h.fire('poll');
    h.settle();
    expect(h.status.phase).toBe('Healthy');
    // A healthy rollout with nothing to wait for arms no poll.
    expect(
      h
        .timers()
        .slice(count)
        .filter((t) => t.timerId === 'poll'),
    ).toEqual([]);
    expect(h.state.pollDelayMs).toBe(1000);
  });
});

describe("the user's actions, as annotations", () => {
  it('promote lifts the pause and the rollout moves to the next step', () => {
    const { h, canary } = pausedUpdate();
    expect(h.status.phase).toBe('Paused');
    expect(h.status.currentStepIndex).toBe(1);
    h.apply(withAnnotation(h.object, ACTION_ANNOTATIONS.promote, 't1'));
    h.settle();
    expect(h.status.stableRS).toBe(canary);
    expect(h.status.phase).toBe('Healthy');
  });

  it('the same annotation value again is not a new request', () => {
    const { h } = pausedUpdate({
      strategy: {
        canary: {
          maxSurge: 1,
          maxUnavailable: 0,
          steps: [{ pause: {} }, { pause: {} }, { setWeight: 50 }],
        },
      },
    });
    h.apply(withAnnotation(h.object, ACTION_ANNOTATIONS.promote, 't1'));
    h.settle();
    expect(h.status.currentStepIndex).toBe(1);
    expect(h.status.phase).toBe('Paused');
    h.apply(withAnnotation(h.object, ACTION_ANNOTATIONS.promote, 't1'));
    h.settle();
    expect(h.status.currentStepIndex).toBe(1);
    h.apply(withAnnotation(h.object, ACTION_ANNOTATIONS.promote, 't2'));
    h.settle();
    expect(h.status.currentStepIndex).toBe(3);
  });

  it('an action stamped before the Rollout existed is not acted on', () => {
    const h = new Harness(rollout({}, { [ACTION_ANNOTATIONS.abort]: 'old' }));
    h.settle();
    expect(h.status.abort).toBeFalsy();
    expect(h.status.phase).toBe('Healthy');
  });

  it('promote --full skips every remaining step', () => {
    const { h, canary } = pausedUpdate({
      strategy: {
        canary: {
          maxSurge: 1,
          maxUnavailable: 0,
          steps: [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: {} }],
        },
      },
    });
    h.apply(withAnnotation(h.object, ACTION_ANNOTATIONS.promote, 't1;full'));
    expect(h.status.promoteFull).toBe(true);
    h.settle();
    expect(h.status.stableRS).toBe(canary);
    expect(h.status.currentStepIndex).toBe(4);
    expect(h.replicas()[canary]).toBe(4);
  });

  it('abort scales the canary down and the rollout is Degraded', () => {
    const { h, stable, canary } = pausedUpdate();
    h.apply(withAnnotation(h.object, ACTION_ANNOTATIONS.abort, 't1'));
    h.settle();
    expect(h.status.abort).toBe(true);
    expect(h.status.phase).toBe('Degraded');
    expect(h.status.message).toContain('RolloutAborted: Rollout aborted update to revision 2');
    expect(h.replicas()).toEqual({ [stable]: 4, [canary]: 0 });
  });

  it('retry after an abort starts the steps again', () => {
    const { h, canary } = pausedUpdate();
    h.apply(withAnnotation(h.object, ACTION_ANNOTATIONS.abort, 't1'));
    h.settle();
    h.apply(withAnnotation(h.object, ACTION_ANNOTATIONS.retry, 't1'));
    h.settle();
    expect(h.status.abort).toBe(false);
    expect(h.status.currentStepIndex).toBe(1);
    expect(h.status.phase).toBe('Paused');
    expect(h.replicas()[canary]).toBe(1);
  });

  it('a retried failed analysis gets the `.1` run name, and `.2` after a second retry', () => {
    const h = new Harness(
      rollout({
        strategy: {
          canary: {
            maxSurge: 1,
            maxUnavailable: 0,
            steps: [{ setWeight: 25 }, { analysis: { templates: [{ templateName: 'smoke' }] } }],
          },
        },
      }),
    );
    h.settle();
    h.apply(withImage(h.object, 'web:v2'));
    h.settle();
    const hash = h.status.currentPodHash!;
    const base = `web-${hash}-2-1`;
    expect(h.analysisStarts().map((s) => s.request.name)).toEqual([base]);
    h.runFinished(base, 'Failed', 'metric "smoke" assessed Failed');
    h.settle();
    expect(h.status.abort).toBe(true);
    expect(h.status.message).toContain('Step-based analysis phase error/failed');

    h.apply(withAnnotation(h.object, ACTION_ANNOTATIONS.retry, 'r1'));
    h.settle();
    expect(h.analysisStarts().map((s) => s.request.name)).toEqual([base, `${base}.1`]);
    expect(h.status.abort).toBe(false);

    h.runFinished(`${base}.1`, 'Failed');
    h.settle();
    h.apply(withAnnotation(h.object, ACTION_ANNOTATIONS.retry, 'r2'));
    h.settle();
    expect(h.analysisStarts().map((s) => s.request.name)).toEqual([base, `${base}.1`, `${base}.2`]);
    h.runFinished(`${base}.2`, 'Successful');
    h.settle();
    expect(h.status.stableRS).toBe(hash);
  });
});

describe('spec.paused', () => {
  it('halts the update and shows Paused "manually paused"; unpausing goes on', () => {
    const h = new Harness(rollout());
    h.settle();
    const paused = withImage(h.object, 'web:v2');
    (paused.spec as JsonObject)['paused'] = true;
    h.apply(paused);
    h.settle();
    expect(h.status.phase).toBe('Paused');
    expect(h.status.message).toBe('manually paused');
    expect(h.replicas()[h.status.currentPodHash!]).toBe(0);
    const resumed = structuredClone(paused);
    delete (resumed.spec as JsonObject)['paused'];
    h.apply(resumed);
    h.settle();
    expect(h.status.currentStepIndex).toBe(1);
    expect(h.replicas()[h.status.currentPodHash!]).toBe(1);
  });
});

describe('InvalidSpec', () => {
  const services = { canaryService: 'web-canary', stableService: 'web-stable' };

  it('a Service the strategy names that does not exist: InvalidSpec, Degraded, polled again with backoff', () => {
    const h = new Harness(
      rollout({ strategy: { canary: { ...services, steps: [{ setWeight: 25 }, { pause: {} }] } } }),
    );
    h.service('web-stable');
    h.settle();
    expect(h.status.phase).toBe('Degraded');
    expect(h.status.message).toBe('InvalidSpec: service "web-canary" not found');
    expect(h.status.conditions?.find((c) => (c.type as string) === 'InvalidSpec')).toMatchObject({
      status: 'True',
      reason: 'InvalidSpec',
      message: 'service "web-canary" not found',
    });
    expect(h.replicas()).toEqual({});
    const first = h.fire('poll');
    h.settle();
    expect(h.fire('poll').fireAt - first.fireAt).toBe(2000);
    // Once the Service exists the rollout goes on and the condition goes.
    h.service('web-canary');
    h.settle();
    h.fire('poll');
    h.settle();
    expect(h.status.phase).toBe('Healthy');
    expect(h.status.conditions?.some((c) => (c.type as string) === 'InvalidSpec')).toBe(false);
  });

  it('a traffic router we do not implement: InvalidSpec naming the field', () => {
    const h = new Harness(
      rollout({
        strategy: {
          canary: { ...services, trafficRouting: { smi: {} }, steps: [{ setWeight: 25 }] },
        },
      }),
    );
    h.service('web-stable');
    h.service('web-canary');
    h.settle();
    expect(h.status.phase).toBe('Degraded');
    expect(h.status.message).toBe(
      'InvalidSpec: spec.strategy.canary.trafficRouting.smi: not supported here (the nginx, istio and alb routers are); remove it or use one of those',
    );
  });
});

describe('deletion', () => {
  const nginx: JsonObject = {
    strategy: {
      canary: {
        canaryService: 'web-canary',
        stableService: 'web-stable',
        trafficRouting: { nginx: { stableIngress: 'web' } },
        steps: [{ setWeight: 25 }, { analysis: { templates: [{ templateName: 'smoke' }] } }],
      },
    },
  };

  function routed(): Harness {
    const h = new Harness(rollout(nginx));
    h.service('web-stable');
    h.service('web-canary');
    h.put({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        rules: [
          {
            host: 'web.example.com',
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: 'web-stable', port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    });
    h.settle();
    h.apply(withImage(h.object, 'web:v2'));
    h.settle();
    return h;
  }

  it('deletes the ReplicaSets, the canary Ingress and the AnalysisRuns', () => {
    const h = routed();
    const canaryIngress = refKey({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      namespace: 'shop',
      name: canaryIngressName('web', 'web'),
    });
    expect(h.objects.has(canaryIngress)).toBe(true);
    const run = h.analysisStarts()[0]!.request.name;
    const out = h.send({ type: 'ObjectDeleted', at: T0 });
    expect(h.kinds(out)).toEqual([RolloutEffects.Release, 'message.send']);
    expect(out[1]!.input).toEqual({
      key: `in-cluster/AnalysisRun/shop/${run}`,
      event: { type: 'Delete' },
    });
    // The release effect observes once more and applies releaseWrites.
    const input = out[0]!.input as unknown as ReleaseInput;
    for (const write of releaseWrites(input.routed, h.observation(input))) h.write(write);
    expect(h.objects.has(canaryIngress)).toBe(false);
    expect(h.replicas()).toEqual({});
    expect([...h.objects.values()].map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'Ingress/web',
      'Service/web-canary',
      'Service/web-stable',
    ]);
    // Nothing more: a late observation or a second delete event is ignored.
    expect(h.send({ type: 'ObjectDeleted', at: T0 })).toEqual([]);
  });

  it('a canary Ingress someone else owns is left alone', () => {
    const h = routed();
    const input = h.send({ type: 'ObjectDeleted', at: T0 })[0]!.input as unknown as ReleaseInput;
    const observed = h.observation(input);
    for (const [k, v] of Object.entries(observed.objects))
      if (v && v.metadata.name === canaryIngressName('web', 'web'))
        observed.objects[k] = { ...v, metadata: { ...v.metadata, annotations: {} } };
    const writes = releaseWrites(input.routed, observed);
    expect(writes.map((w) => `${w.op} ${w.ref.kind}`)).toEqual([
      'delete ReplicaSet',
      'delete ReplicaSet',
    ]);
  });
});

describe('an HPA writing spec.replicas (PATCH /api/v1/resources/Rollout/<ns>/<name>)', () => {
  it('rescales a manually paused update through the desired-replicas mark, and reports HPAReplicas', () => {
    const { h, stable, canary } = pausedUpdate();
    const paused = structuredClone(h.object);
    (paused.spec as JsonObject)['paused'] = true;
    h.apply(paused);
    h.settle();
    const scaled = structuredClone(paused);
    (scaled.spec as JsonObject)['replicas'] = 8;
    h.apply(scaled);
    h.settle();
    // setWeight 25 of 8 (a basic canary): 2 canary pods and 6 stable ones.
    expect(h.replicas()).toEqual({ [stable]: 6, [canary]: 2 });
    const rs = [...h.objects.values()].find((o) => o.metadata.name === `web-${stable}`)!;
    expect(rs.metadata.annotations?.['rollout.argoproj.io/desired-replicas']).toBe('8');
    expect(h.status.phase).toBe('Paused');
    const status = rolloutStatus(h.state) as JsonObject;
    expect(status['HPAReplicas']).toBe(8);
    expect(status['selector']).toBe('app=web');
  });
});

describe('the status as stored', () => {
  it("has Argo's JSON shape: RFC 3339 times, observedGeneration, the selector for an HPA", () => {
    const h = new Harness(rollout());
    h.settle();
    const status = rolloutStatus(h.state) as JsonObject & {
      conditions: { lastUpdateTime: string }[];
    };
    expect(status['observedGeneration']).toBe('1');
    expect(status['selector']).toBe('app=web');
    expect(status.conditions[0]!.lastUpdateTime).toBe(new Date(T0).toISOString());
  });
});
