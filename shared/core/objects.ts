/**
 * The Kubernetes-style object every resource carries, and the pure rules for changing it:
 * apply, merge / JSON patch, delete with finalizers. Kind machines see the outcome as events
 * (ObjectApplied, ObjectDeleting, ObjectDeleted) and own `status`.
 */
import { createHash } from 'node:crypto';
import fastJsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import type { Json, JsonObject, ResourceKey } from './types.js';
import { parseKey, CLUSTER_SCOPED_NAMESPACE } from './types.js';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  [field: string]: Json | undefined;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: Json;
  status?: Json;
  [field: string]: Json | ObjectMeta | undefined;
}

/** Commands the API sends to a resource (message event types). */
export const ObjectCommands = {
  Apply: 'Apply',
  Patch: 'Patch',
  Delete: 'Delete',
} as const;

/** Events kind machines receive when the object changes. */
export const ObjectEvents = {
  Applied: 'ObjectApplied',
  Deleting: 'ObjectDeleting',
  Deleted: 'ObjectDeleted',
} as const;

export type PatchType = 'merge' | 'json';

export type ObjectCommand =
  | { type: typeof ObjectCommands.Apply; object: KubeObject }
  | { type: typeof ObjectCommands.Patch; patchType: PatchType; patch: Json }
  | { type: typeof ObjectCommands.Delete };

export function isObjectCommand(event: { type: string }): event is ObjectCommand {
  return Object.values(ObjectCommands).includes(event.type as never);
}

export type ObjectChange = 'created' | 'updated' | 'unchanged' | 'deleting' | 'deleted';

export type ObjectOutcome =
  | { ok: true; object: KubeObject | null; change: ObjectChange }
  | { ok: false; reason: string; code: 'NotFound' | 'Conflict' | 'Invalid' };

export interface CommandContext {
  key: ResourceKey;
  messageId: string;
  at: number;
}

/** Server-owned metadata: never taken from a client's apply or patch. */
const SERVER_FIELDS = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
] as const;

export function applyObjectCommand(
  current: KubeObject | null,
  command: ObjectCommand,
  ctx: CommandContext,
): ObjectOutcome {
  switch (command.type) {
    case ObjectCommands.Apply:
      return applyObject(current, command.object, ctx);
    case ObjectCommands.Patch:
      return patchObject(current, command.patchType, command.patch, ctx);
    case ObjectCommands.Delete:
      return deleteObject(current, ctx);
  }
}

function applyObject(current: KubeObject | null, incoming: KubeObject, ctx: CommandContext) {
  const mismatch = identityMismatch(incoming, ctx.key);
  if (mismatch) return invalid(mismatch);
  const expected = incoming.metadata.resourceVersion;
  if (current && expected !== undefined && expected !== current.metadata.resourceVersion) {
    return conflict(ctx.key, expected, current);
  }
  if (!current) return created(incoming, ctx);
  if (current.metadata.deletionTimestamp) {
    // As Kubernetes: an object being deleted cannot be changed back, only its finalizers removed.
    const finalizers = incoming.metadata.finalizers ?? current.metadata.finalizers;
    return settle(
      current,
      withUserFields(current, { ...current, metadata: { ...current.metadata, finalizers } }),
    );
  }
  return settle(current, withUserFields(current, incoming));
}

function patchObject(
  current: KubeObject | null,
  patchType: PatchType,
  patch: Json,
  ctx: CommandContext,
): ObjectOutcome {
  if (!current) return notFound(ctx.key);
  const { status: _status, ...patchable } = current;
  let patched: Json;
  try {
    patched =
      patchType === 'merge'
        ? mergePatch(patchable as unknown as Json, patch)
        : jsonPatch(patchable as unknown as Json, patch);
  } catch (err) {
    return invalid(`${patchType} patch failed: ${(err as Error).message}`);
  }
  if (!isKubeObject(patched)) return invalid('the patched object is not an object with metadata');
  const mismatch = identityMismatch(patched, ctx.key);
  if (mismatch) return invalid(`the patch changes the object's identity: ${mismatch}`);
  const expected = patched.metadata.resourceVersion;
  if (expected !== undefined && expected !== current.metadata.resourceVersion) {
    return conflict(ctx.key, expected, current);
  }
  return settle(current, withUserFields(current, patched));
}

function deleteObject(current: KubeObject | null, ctx: CommandContext): ObjectOutcome {
  if (!current) return notFound(ctx.key);
  if ((current.metadata.finalizers ?? []).length === 0) {
    return { ok: true, object: null, change: 'deleted' };
  }
  if (current.metadata.deletionTimestamp) return { ok: true, object: current, change: 'unchanged' };
  return {
    ok: true,
    object: {
      ...current,
      metadata: { ...current.metadata, deletionTimestamp: new Date(ctx.at).toISOString() },
    },
    change: 'deleting',
  };
}

function created(incoming: KubeObject, ctx: CommandContext): ObjectOutcome {
  const { status: _ignored, ...rest } = incoming;
  const metadata: ObjectMeta = { ...incoming.metadata };
  for (const f of SERVER_FIELDS) delete metadata[f];
  const object: KubeObject = {
    ...rest,
    metadata: {
      ...metadata,
      uid: uidFor(ctx),
      generation: 1,
      creationTimestamp: new Date(ctx.at).toISOString(),
    },
  };
  return { ok: true, object, change: 'created' };
}

/** The user-owned part of `next` on top of the server-owned part of `current`. */
function withUserFields(current: KubeObject, next: KubeObject): KubeObject {
  const { status: _ignored, ...rest } = next;
  const metadata: Record<string, unknown> = { ...next.metadata };
  for (const f of SERVER_FIELDS) {
    if (current.metadata[f] === undefined) delete metadata[f];
    else metadata[f] = current.metadata[f];
  }
  const object: KubeObject = { ...rest, metadata: metadata as ObjectMeta };
  if (current.status !== undefined) object.status = current.status;
  return object;
}

/** Bumps generation on a non-metadata change and finishes a deletion once finalizers are gone. */
function settle(current: KubeObject, next: KubeObject): ObjectOutcome {
  if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0) {
    return { ok: true, object: null, change: 'deleted' };
  }
  const specChanged = !sameJson(withoutMetaAndStatus(current), withoutMetaAndStatus(next));
  if (specChanged) {
    next.metadata.generation = (current.metadata.generation ?? 0) + 1;
  }
  const changed = specChanged || !sameJson(current.metadata, next.metadata);
  return { ok: true, object: changed ? next : current, change: changed ? 'updated' : 'unchanged' };
}

function withoutMetaAndStatus(o: KubeObject): unknown {
  const { metadata: _m, status: _s, ...rest } = o;
  return rest;
}

function identityMismatch(object: KubeObject, key: ResourceKey): string | undefined {
  const ref = parseKey(key);
  if (object.kind !== ref.kind) return `kind "${object.kind}" does not match ${key}`;
  if (object.metadata?.name !== ref.name) {
    return `metadata.name "${object.metadata?.name}" does not match ${key}`;
  }
  const ns = object.metadata.namespace ?? CLUSTER_SCOPED_NAMESPACE;
  if (ns !== ref.namespace) return `metadata.namespace "${ns}" does not match ${key}`;
  return undefined;
}

function uidFor(ctx: CommandContext): string {
  // Derived from the creating message so that replay and redelivery give the same uid.
  const h = createHash('sha256').update(`${ctx.key}\n${ctx.messageId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isPlainObject(patch)) return patch;
  const result: JsonObject = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else result[k] = mergePatch(result[k] ?? null, v);
  }
  return result;
}

/** RFC 6902 JSON patch; throws on an invalid operation or a failed `test`. */
export function jsonPatch(target: Json, patch: Json): Json {
  if (!Array.isArray(patch)) throw new Error('a JSON patch must be an array of operations');
  const ops = patch as unknown as Operation[];
  const error = fastJsonPatch.validate(ops, target);
  if (error) throw new Error(`${error.name} at operation ${error.index}: ${error.message}`);
  return fastJsonPatch.applyPatch(structuredClone(target), ops, true, false).newDocument;
}

function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isKubeObject(v: unknown): v is KubeObject {
  return isPlainObject(v) && isPlainObject(v['metadata']);
}

/** Structural equality of JSON values, blind to key order. */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, value: unknown) =>
    isPlainObject(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  );
}

function invalid(reason: string): ObjectOutcome {
  return { ok: false, reason, code: 'Invalid' };
}

function notFound(key: ResourceKey): ObjectOutcome {
  return { ok: false, reason: `${key} does not exist`, code: 'NotFound' };
}

function conflict(key: ResourceKey, expected: string, current: KubeObject): ObjectOutcome {
  return {
    ok: false,
    code: 'Conflict',
    reason:
      `${key}: the object has been modified (resourceVersion ${expected} requested, ` +
      `${current.metadata.resourceVersion} current); read it again and retry`,
  };
}
