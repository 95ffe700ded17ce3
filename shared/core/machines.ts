/**
 * How a kind plugs its XState machine into the runner, and how machines name their effects.
 *
 * A machine is pure: it reads time only from `event.at`, never uses `after` delays (timers are
 * effects) and asks for side effects through actions made with `effectAction(kind)`.
 */
import type { AnyStateMachine } from 'xstate';
import type { Json, JsonObject, ResourceKey } from './types.js';
import type { KubeObject } from './objects.js';

const EFFECT_KIND = Symbol.for('argo-serverless.effectKind');

type EffectActionImpl = ((...args: unknown[]) => void) & { [EFFECT_KIND]: string };

/**
 * An action implementation that marks a named action as an effect: the runner turns each such
 * action returned by `transition()` into an Effect whose input is the action's `params`.
 *
 *   setup({ actions: { applyManifest: effectAction('k8s.apply') } })
 *   ... entry: { type: 'applyManifest', params: ({ context }) => ({ manifest: context.m }) }
 */
export function effectAction(kind: string): EffectActionImpl {
  // Never executed: the runner only reads the kind tag; the effect runs in an effect worker.
  const impl = (() => undefined) as unknown as EffectActionImpl;
  impl[EFFECT_KIND] = kind;
  return impl;
}

/** The effect kind of a machine's named action, or undefined when it is not an effect. */
export function effectKindOf(machine: AnyStateMachine, actionType: string): string | undefined {
  const actions = machine.implementations.actions as Record<string, unknown>;
  const impl = actions[actionType] as Partial<EffectActionImpl> | undefined;
  return typeof impl === 'function' ? impl[EFFECT_KIND] : undefined;
}

/** What a kind's machine is started with. */
export interface MachineInput {
  key: ResourceKey;
  object: KubeObject;
  /** Ingress time of the creating event. */
  at: number;
}

/** A machine snapshot as persisted in the log. */
export interface PersistedMachine {
  value: Json;
  context: Json;
}

/**
 * A kind's controller: its machine, how the machine's state shows as the object's `status`, and
 * how to carry old snapshots forward when the machine changes.
 */
export interface KindMachine {
  kind: string;
  /** Bump when the machine changes in a way old snapshots cannot be resolved against. */
  version: number;
  machine: AnyStateMachine;
  /** The object's `status` for a machine snapshot. Default: `context.status` if present. */
  status?(persisted: PersistedMachine): Json | undefined;
  /**
   * The full `status` for reads (API GET), when `status` stores only a summary: state that grows
   * with the resource (a workflow's nodes) is not copied into the object on every event.
   */
  view?(persisted: PersistedMachine): Json | undefined;
  /**
   * Carries a snapshot written by an older version forward. Without it, the runner replays the
   * resource's whole log through the new machine (exact, but slower for long logs).
   */
  migrate?(persisted: PersistedMachine, fromVersion: number): PersistedMachine;
}

export interface MachineRegistry {
  forKind(kind: string): KindMachine | undefined;
}

export function machineRegistry(kinds: readonly KindMachine[]): MachineRegistry {
  const byKind = new Map<string, KindMachine>();
  for (const k of kinds) {
    if (byKind.has(k.kind)) throw new Error(`two machines registered for kind ${k.kind}`);
    byKind.set(k.kind, k);
  }
  return { forKind: (kind) => byKind.get(kind) };
}

export function defaultStatus(persisted: PersistedMachine): Json | undefined {
  const ctx = persisted.context;
  if (ctx && typeof ctx === 'object' && !Array.isArray(ctx) && 'status' in ctx) {
    return (ctx as JsonObject)['status'];
  }
  return undefined;
}
