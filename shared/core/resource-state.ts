/**
 * The state of one resource and the pure fold of one event into it. The runner calls this both
 * live and on replay: same inputs, same state, same effects.
 */
import { initialTransition, transition } from 'xstate';
import type { AnyMachineSnapshot } from 'xstate';
import type { LoggedEvent } from './ports.js';
import type { EffectRequest, Json, MachineEvent, ResourceKey } from './types.js';
import { parseKey } from './types.js';
import type { KindMachine, MachineRegistry, PersistedMachine } from './machines.js';
import { defaultStatus, effectKindOf } from './machines.js';
import type { KubeObject, ObjectChange } from './objects.js';
import { applyObjectCommand, isObjectCommand, ObjectEvents, sameJson } from './objects.js';

/** A message id already folded in, and the version that folded it. */
export interface AppliedId {
  id: string;
  at: number;
  version: number;
}

/** What a snapshot stores. */
export interface PersistedResource {
  object: KubeObject | null;
  machine: PersistedMachine | null;
  applied: AppliedId[];
}

/** The same, with the machine snapshot resolved for transitions. */
export interface LiveResource {
  object: KubeObject | null;
  machine: AnyMachineSnapshot | null;
  applied: AppliedId[];
}

export interface AppliedWindowOptions {
  /** Ids stay recognisable at least this long after their ingress time (epoch-ms window). */
  windowMs: number;
  /** And at most this many are kept (newest first), so the head stays bounded. */
  maxIds: number;
}

export interface FoldOutcome {
  effects: EffectRequest[];
  /** The object (metadata, spec or status) changed. */
  objectChanged: boolean;
  rejected?: { reason: string; code: string };
}

export const emptyResource = (): LiveResource => ({ object: null, machine: null, applied: [] });

export function machineIdentity(kind: KindMachine | undefined): { id: string; version: number } {
  return kind ? { id: kind.machine.id, version: kind.version } : { id: 'object', version: 0 };
}

export function toPersisted(live: LiveResource): PersistedResource {
  return {
    object: live.object,
    machine: live.machine ? persistMachine(live.machine) : null,
    applied: live.applied,
  };
}

export function fromPersisted(
  persisted: PersistedResource,
  kind: KindMachine | undefined,
): LiveResource {
  return {
    object: persisted.object,
    machine:
      persisted.machine && kind
        ? kind.machine.resolveState(
            persisted.machine as Parameters<typeof kind.machine.resolveState>[0],
          )
        : null,
    applied: persisted.applied,
  };
}

/** The object as readers see it: with the kind's full `view` of its status when it has one. */
export function objectView(live: LiveResource, kind: KindMachine | undefined): KubeObject | null {
  if (!live.object || !kind?.view || !live.machine) return live.object;
  const status = kind.view(persistMachine(live.machine));
  return status === undefined ? live.object : { ...live.object, status };
}

function persistMachine(snapshot: AnyMachineSnapshot): PersistedMachine {
  return { value: snapshot.value as Json, context: (snapshot.context ?? null) as Json };
}

/**
 * Folds one logged event into `live` (mutated in place for speed: callers own it) and returns the
 * effects it asks for, or why it was refused. Refused events change nothing but the applied ids.
 */
export function foldEvent(
  live: LiveResource,
  logged: LoggedEvent,
  ctx: { key: ResourceKey; version: number; kinds: MachineRegistry },
): FoldOutcome {
  const kind = ctx.kinds.forKind(parseKey(ctx.key).kind);
  const event = logged.event;
  if (isObjectCommand(event)) {
    const outcome = applyObjectCommand(live.object, event, {
      key: ctx.key,
      messageId: logged.messageId,
      at: logged.at,
    });
    if (!outcome.ok) {
      const rejected = { reason: outcome.reason, code: outcome.code };
      return { effects: [], objectChanged: false, rejected };
    }
    const previous = live.object;
    live.object = outcome.object;
    const result = runMachineOnChange(live, kind, outcome.change, previous, logged, ctx.key);
    return { ...result, objectChanged: result.objectChanged || outcome.change !== 'unchanged' };
  }
  if (!kind || !live.machine) {
    const reason = !kind
      ? `no machine handles kind ${parseKey(ctx.key).kind}: event ${event.type} ignored`
      : `${ctx.key} does not exist: event ${event.type} ignored`;
    return { effects: [], objectChanged: false, rejected: { reason, code: 'NotFound' } };
  }
  return step(live, kind, { ...event, at: logged.at }, (m) =>
    transition(kind.machine, m, { ...event, at: logged.at }),
  );
}

function runMachineOnChange(
  live: LiveResource,
  kind: KindMachine | undefined,
  change: ObjectChange,
  previous: KubeObject | null,
  logged: LoggedEvent,
  key: ResourceKey,
): FoldOutcome {
  if (!kind || change === 'unchanged') return { effects: [], objectChanged: false };
  const at = logged.at;
  if (change === 'created' || !live.machine) {
    if (!live.object) return { effects: [], objectChanged: false };
    const input = { key, object: live.object, at };
    return step(live, kind, { type: 'xstate.init', at }, () =>
      initialTransition(kind.machine, input),
    );
  }
  const event: MachineEvent =
    change === 'updated'
      ? { type: ObjectEvents.Applied, at, object: live.object }
      : change === 'deleting'
        ? { type: ObjectEvents.Deleting, at, object: live.object }
        : { type: ObjectEvents.Deleted, at, object: previous };
  const outcome = step(live, kind, event, (m) => transition(kind.machine, m, event));
  if (change === 'deleted') live.machine = null;
  return outcome;
}

function step(
  live: LiveResource,
  kind: KindMachine,
  event: MachineEvent,
  run: (current: AnyMachineSnapshot) => readonly [AnyMachineSnapshot, readonly unknown[]],
): FoldOutcome {
  let next: AnyMachineSnapshot;
  let actions: readonly unknown[];
  try {
    [next, actions] = run(live.machine as AnyMachineSnapshot);
  } catch (err) {
    // A machine bug must not wedge the resource: the event is refused and the log says why.
    return {
      effects: [],
      objectChanged: false,
      rejected: {
        reason: `machine ${kind.machine.id} failed on ${event.type}: ${String(err)}`,
        code: 'MachineError',
      },
    };
  }
  live.machine = next;
  let objectChanged = false;
  if (live.object) {
    const previous = live.object.status;
    const status = (kind.status ?? defaultStatus)(persistMachine(next));
    if (status === undefined) delete live.object.status;
    else live.object.status = status;
    objectChanged = status !== previous && !sameJson(status, previous);
  }
  return { effects: effectsOf(kind, actions), objectChanged };
}

function effectsOf(kind: KindMachine, actions: readonly unknown[]): EffectRequest[] {
  const effects: EffectRequest[] = [];
  for (const action of actions as { type: string; params?: unknown }[]) {
    const effectKind = effectKindOf(kind.machine, action.type);
    if (effectKind) effects.push({ kind: effectKind, input: (action.params ?? null) as Json });
  }
  return effects;
}

export interface CommitFold {
  /** One outcome per event, in order. */
  outcomes: FoldOutcome[];
  /** All effects of the commit, in order. */
  effects: EffectRequest[];
  objectChanged: boolean;
}

/**
 * Folds the events of one version into `live` (in place), records their message ids, and stamps
 * `metadata.resourceVersion` when the object changed, as Kubernetes does for any change.
 */
export function foldCommit(
  live: LiveResource,
  events: readonly LoggedEvent[],
  ctx: { key: ResourceKey; version: number; kinds: MachineRegistry; window: AppliedWindowOptions },
): CommitFold {
  let objectChanged = false;
  const outcomes: FoldOutcome[] = [];
  const effects: EffectRequest[] = [];
  for (const logged of events) {
    const outcome = logged.rejected
      ? {
          effects: [],
          objectChanged: false,
          rejected: { reason: logged.rejected, code: 'Rejected' },
        }
      : foldEvent(live, logged, ctx);
    outcomes.push(outcome);
    objectChanged ||= outcome.objectChanged;
    effects.push(...outcome.effects);
    rememberApplied(
      live.applied,
      { id: logged.messageId, at: logged.at, version: ctx.version },
      ctx.window,
    );
  }
  if (objectChanged && live.object) {
    live.object = {
      ...live.object,
      metadata: { ...live.object.metadata, resourceVersion: String(ctx.version) },
    };
  }
  return { outcomes, effects, objectChanged };
}

/**
 * Adds an id (in place) and drops, from the oldest end, ids older than the window relative to it
 * and ids beyond the cap. Deterministic: depends on the log only.
 */
export function rememberApplied(
  applied: AppliedId[],
  id: AppliedId,
  options: AppliedWindowOptions,
): void {
  applied.push(id);
  let drop = Math.max(0, applied.length - options.maxIds);
  while (drop < applied.length - 1 && applied[drop]!.at < id.at - options.windowMs) drop++;
  if (drop > 0) applied.splice(0, drop);
}
