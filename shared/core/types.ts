/**
 * The vocabulary every subsystem shares: resource keys, messages, effects.
 * Pure types and tiny pure helpers only; no I/O.
 */

/** `cluster/Kind/namespace/name`; cluster-scoped kinds use `_` as namespace (DESIGN.md). */
export type ResourceKey = string;

export const HOME_CLUSTER = 'in-cluster';
export const CLUSTER_SCOPED_NAMESPACE = '_';

export interface ResourceRef {
  cluster: string;
  kind: string;
  namespace: string;
  name: string;
}

export function formatKey(ref: ResourceRef): ResourceKey {
  for (const [field, value] of Object.entries(ref)) {
    if (!value || value.includes('/')) {
      throw new Error(`resource key: ${field} "${value}" must be non-empty and contain no "/"`);
    }
  }
  return `${ref.cluster}/${ref.kind}/${ref.namespace}/${ref.name}`;
}

export function parseKey(key: ResourceKey): ResourceRef {
  const parts = key.split('/');
  if (parts.length !== 4 || parts.some((p) => p === '')) {
    throw new Error(`resource key "${key}" is not of the form cluster/Kind/namespace/name`);
  }
  const [cluster, kind, namespace, name] = parts as [string, string, string, string];
  return { cluster, kind, namespace, name };
}

/** JSON values, so everything in the log survives a round trip through any store. */
export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

/**
 * An event as a machine sees it. `at` is the ingress timestamp (epoch ms) stamped by the Clock:
 * machines read time only from here, so replay gives the same decisions.
 */
export interface MachineEvent {
  type: string;
  at: number;
  [field: string]: unknown;
}

/**
 * A message addressed to one resource, as it travels on the commands queue.
 * `id` is globally unique and stable across redeliveries: it is the dedup key.
 */
export interface Message {
  id: string;
  key: ResourceKey;
  /** Epoch ms, stamped once at ingress. */
  at: number;
  event: { type: string; [field: string]: unknown };
}

/** A reference to a secret value; resolved only by effect workers, never stored resolved. */
export interface SecretRef {
  /** Secret name; namespace defaults to the resource's. */
  name: string;
  namespace?: string;
  key: string;
}

/** What a machine asks for: a side effect to run after its version is stored. */
export interface EffectRequest {
  kind: string;
  input: Json;
}

/** An effect as dispatched: its id `key@version#i` is the idempotency key for the side effect. */
export interface Effect extends EffectRequest {
  id: string;
  key: ResourceKey;
  /** The version that emitted it. */
  version: number;
  /** Epoch ms of the event that caused it (the log's time, not the worker's). */
  at: number;
}

export function effectId(key: ResourceKey, version: number, index: number): string {
  return `${key}@${version}#${index}`;
}

/** Event types the core itself sends to resources. */
export const CoreEvents = {
  EffectSucceeded: 'EffectSucceeded',
  EffectFailed: 'EffectFailed',
  TimerFired: 'TimerFired',
} as const;

export interface EffectSucceededEvent {
  type: typeof CoreEvents.EffectSucceeded;
  effectId: string;
  effectKind: string;
  result: Json;
}

export interface EffectFailedEvent {
  type: typeof CoreEvents.EffectFailed;
  effectId: string;
  effectKind: string;
  reason: string;
  attempts: number;
  /** The effect input's `tag`, when it has one. */
  tag?: Json;
}

export interface TimerFiredEvent {
  type: typeof CoreEvents.TimerFired;
  timerId: string;
  generation: number;
  fireAt: number;
}

/** The message id of an effect's report: one per effect, so duplicate reports dedup. */
export function effectReportId(effect: Pick<Effect, 'id'>): string {
  return `${effect.id}/report`;
}

export function timerMessageId(key: ResourceKey, timerId: string, generation: number): string {
  return `${key}/timer/${timerId}/${generation}`;
}
