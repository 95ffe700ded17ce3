/**
 * The CronWorkflow machine: Argo's cron controller as a pure reducer. A timer per next fire time
 * (the Timers port), Workflows created through `message.send` under Argo's names
 * (`<cron>-<unix seconds>`) so a re-delivered firing cannot create two, concurrencyPolicy
 * (Allow / Forbid / Replace), startingDeadlineSeconds, suspend, and history limits; finished
 * Workflows report back to it (see the workflow reducer).
 */
import type { Json, JsonObject, ResourceKey } from '../core/types.js';
import { formatKey, parseKey } from '../core/types.js';
import type { KindMachine, PersistedMachine } from '../core/machines.js';
import { reducerMachine } from '../core/reducer-machine.js';
import { CoreEffects } from '../core/effects.js';
import type { KubeObject } from '../core/objects.js';
import { nextFireTime, parseCronSchedule } from './cron.js';
import type { CronWorkflowSpec } from './types.js';
import { isoTime } from './nodes.js';

export const CRON_LABEL = 'workflows.argoproj.io/cron-workflow';
export const SCHEDULED_TIME_ANNOTATION = 'workflows.argoproj.io/scheduled-time';
/** `argo submit --from cronwf/<name>` (a Sensor's submit-from): a Workflow now, off schedule. */
export const CRON_SUBMIT_EVENT = 'SubmitFrom';

export interface CronState {
  key: ResourceKey;
  name: string;
  namespace: string;
  uid: string;
  spec: CronWorkflowSpec;
  generation: number;
  timer?: { generation: number; fireAt: number };
  /** Workflows started and not yet finished, oldest first. */
  active: string[];
  /** Finished Workflows by phase, oldest first (for the history limits). */
  succeeded: string[];
  failed: string[];
  lastScheduledTime?: string;
  conditions: { type: string; status: string; message: string }[];
  phase: 'Active' | 'Stopped';
}

type CronEvent =
  | { type: 'TimerFired'; at: number; timerId: string; generation: number }
  | { type: 'ObjectApplied'; at: number; object: KubeObject }
  | { type: 'WorkflowFinished'; at: number; name: string; phase: string }
  | { type: typeof CRON_SUBMIT_EVENT; at: number; name: string }
  | { type: string; at: number; [k: string]: unknown };

interface Effect {
  kind: string;
  input: Json;
}

export function initialCronState(key: ResourceKey, object: KubeObject): CronState {
  return {
    key,
    name: object.metadata.name,
    namespace: object.metadata.namespace ?? 'default',
    uid: String(object.metadata.uid ?? ''),
    spec: structuredClone(object['spec']) as unknown as CronWorkflowSpec,
    generation: 0,
    active: [],
    succeeded: [],
    failed: [],
    conditions: [],
    phase: 'Active',
  };
}

function schedules(spec: CronWorkflowSpec): string[] {
  return [...(spec.schedule ? [spec.schedule] : []), ...(spec.schedules ?? [])];
}

/** The next fire time after `after` over every schedule, in the spec's time zone. */
export function nextCronTime(spec: CronWorkflowSpec, after: number): number {
  return Math.min(
    ...schedules(spec).map((s) =>
      nextFireTime(parseCronSchedule(s), after, spec.timezone ?? 'UTC'),
    ),
  );
}

function arm(state: CronState, after: number, effects: Effect[]): void {
  if (state.spec.suspend) {
    delete state.timer;
    return;
  }
  let fireAt: number;
  try {
    fireAt = nextCronTime(state.spec, after);
  } catch (err) {
    state.conditions = [{ type: 'SpecError', status: 'True', message: (err as Error).message }];
    return;
  }
  const generation = (state.timer?.generation ?? state.generation) + 1;
  state.generation = generation;
  state.timer = { generation, fireAt };
  effects.push({ kind: CoreEffects.SetTimer, input: { timerId: 'schedule', generation, fireAt } });
}

export function reduceCron(state: CronState, event: CronEvent, effects: Effect[]): void {
  switch (event.type) {
    case 'xstate.init':
      arm(state, event.at, effects);
      return;
    case 'ObjectApplied': {
      state.spec = structuredClone(
        (event as { object: KubeObject }).object['spec'],
      ) as unknown as CronWorkflowSpec;
      arm(state, event.at, effects);
      return;
    }
    case CRON_SUBMIT_EVENT: {
      // Not one of the scheduled runs: no scheduled-time, not counted for concurrencyPolicy.
      const name = (event as { name: string }).name;
      effects.push(
        send(workflowKey(state, name), {
          type: 'Apply',
          object: cronWorkflowObject(state, name, {}),
        }),
      );
      return;
    }
    case 'WorkflowFinished': {
      const e = event as { name: string; phase: string };
      if (!state.active.includes(e.name)) return;
      state.active = state.active.filter((n) => n !== e.name);
      (e.phase === 'Succeeded' ? state.succeeded : state.failed).push(e.name);
      trimHistory(state, effects);
      return;
    }
    case 'TimerFired': {
      const e = event as { timerId: string; generation: number };
      if (e.timerId !== 'schedule' || state.timer?.generation !== e.generation) return;
      const scheduled = state.timer.fireAt;
      delete state.timer;
      fire(state, scheduled, event.at, effects);
      arm(state, scheduled, effects);
      return;
    }
  }
}

function fire(state: CronState, scheduled: number, now: number, effects: Effect[]): void {
  const deadline = state.spec.startingDeadlineSeconds;
  if (deadline !== undefined && now - scheduled > deadline * 1000) {
    state.conditions = [
      {
        type: 'SubmissionError',
        status: 'True',
        message: `missed schedule ${isoTime(scheduled)}: past startingDeadlineSeconds`,
      },
    ];
    return;
  }
  const policy = state.spec.concurrencyPolicy ?? 'Allow';
  if (policy === 'Forbid' && state.active.length > 0) return;
  if (policy === 'Replace') {
    for (const name of state.active) {
      effects.push(
        send(workflowKey(state, name), {
          type: 'Patch',
          patchType: 'merge',
          patch: { spec: { shutdown: 'Terminate' } },
        }),
      );
    }
  }
  const name = `${state.name}-${Math.floor(scheduled / 1000)}`;
  effects.push(
    send(workflowKey(state, name), {
      type: 'Apply',
      object: cronWorkflowObject(state, name, { [SCHEDULED_TIME_ANNOTATION]: isoTime(scheduled) }),
    }),
  );
  state.active.push(name);
  state.lastScheduledTime = isoTime(scheduled);
  state.conditions = [];
}

/** The Workflow a CronWorkflow makes: its workflowSpec and workflowMetadata, labelled with it. */
function cronWorkflowObject(
  state: CronState,
  name: string,
  annotations: Record<string, string>,
): JsonObject {
  const metadata: JsonObject = {
    name,
    namespace: state.namespace,
    labels: { ...(state.spec.workflowMetadata?.labels ?? {}), [CRON_LABEL]: state.name },
    annotations: { ...(state.spec.workflowMetadata?.annotations ?? {}), ...annotations },
  };
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata,
    spec: state.spec.workflowSpec as unknown as Json,
  };
}

function trimHistory(state: CronState, effects: Effect[]): void {
  const limits: [string[], number][] = [
    [state.succeeded, state.spec.successfulJobsHistoryLimit ?? 3],
    [state.failed, state.spec.failedJobsHistoryLimit ?? 1],
  ];
  for (const [list, limit] of limits) {
    while (list.length > limit)
      effects.push(send(workflowKey(state, list.shift()!), { type: 'Delete' }));
  }
}

function workflowKey(state: CronState, name: string): ResourceKey {
  return formatKey({
    cluster: parseKey(state.key).cluster,
    kind: 'Workflow',
    namespace: state.namespace,
    name,
  });
}

function send(key: ResourceKey, event: JsonObject): Effect {
  return { kind: CoreEffects.SendMessage, input: { key, event } };
}

export const cronWorkflowMachine = reducerMachine<CronState>({
  id: 'cron-workflow',
  stateName: 'active',
  effectKinds: [CoreEffects.SetTimer, CoreEffects.SendMessage],
  initial: (input) => initialCronState(input.key, input.object),
  reduce: (state, event, effects) => reduceCron(state, event as CronEvent, effects),
});

export const cronWorkflowKind: KindMachine = {
  kind: 'CronWorkflow',
  version: 1,
  machine: cronWorkflowMachine,
  status: (persisted: PersistedMachine) => {
    const s = (persisted.context as unknown as { state: CronState }).state;
    return {
      active: s.active.map((name) => ({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        name,
        namespace: s.namespace,
      })),
      ...(s.lastScheduledTime ? { lastScheduledTime: s.lastScheduledTime } : {}),
      conditions: s.conditions,
      phase: s.phase,
      succeeded: s.succeeded.length,
      failed: s.failed.length,
    } as unknown as Json;
  },
};
