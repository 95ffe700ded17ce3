/**
 * ignoreDifferences.managedFieldsManagers, as Argo CD's util/argo/managedfields: a field owned by
 * one of the trusted managers in the live object's `metadata.managedFields` whose live value
 * differs from the desired value is removed from both objects, so the manager's write (an HPA's
 * replicas via kube-controller-manager) wins over git without showing as a difference. Fields the
 * manager owns but that agree are left alone: only modified fields are dropped.
 *
 * Ownership is read from fieldsV1: `f:<field>` a map field, `k:<json>` a list element by its key
 * fields, `v:<json>` a set element by value, `i:<n>` a list element by index, `.` the node itself.
 */
import type { Json, JsonObject } from '../../core/types.js';
import { sameJson } from '../../core/objects.js';

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A place in an object: the container and the field name or list index in it. */
interface Slot {
  parent: JsonObject | Json[];
  at: string | number;
}

function valueAt(slot: Slot): Json | undefined {
  return Array.isArray(slot.parent)
    ? slot.parent[slot.at as number]
    : (slot.parent as JsonObject)[slot.at as string];
}

/** The slot under `value` that a fieldsV1 token names, if it exists. */
function step(value: Json | undefined, token: string): Slot | undefined {
  const kind = token.slice(0, 2);
  const rest = token.slice(2);
  if (kind === 'f:')
    return isObject(value) && rest in value ? { parent: value, at: rest } : undefined;
  if (!Array.isArray(value)) return undefined;
  let index = -1;
  if (kind === 'i:') index = Number(rest);
  else if (kind === 'k:') {
    const key = JSON.parse(rest) as JsonObject;
    index = value.findIndex(
      (item) => isObject(item) && Object.entries(key).every(([k, v]) => sameJson(item[k], v)),
    );
  } else if (kind === 'v:') {
    const wanted = JSON.parse(rest) as Json;
    index = value.findIndex((item) => sameJson(item, wanted));
  }
  return index >= 0 && index < value.length ? { parent: value, at: index } : undefined;
}

function remove(slot: Slot): void {
  if (Array.isArray(slot.parent)) slot.parent.splice(slot.at as number, 1);
  else delete (slot.parent as JsonObject)[slot.at as string];
}

interface ManagedFieldsEntry {
  manager?: string;
  fieldsV1?: JsonObject;
}

function managedFieldsOf(live: JsonObject): ManagedFieldsEntry[] {
  const metadata = live['metadata'];
  const entries = isObject(metadata) ? metadata['managedFields'] : undefined;
  return Array.isArray(entries) ? (entries.filter(isObject) as ManagedFieldsEntry[]) : [];
}

/**
 * Copies of `live` and `desired` without the fields the trusted managers own and changed.
 * A no-op when no manager is trusted or the live object records none of them.
 */
export function normalizeManagedFields(
  live: JsonObject,
  desired: JsonObject,
  trustedManagers: readonly string[],
): { live: JsonObject; desired: JsonObject } {
  const liveCopy = structuredClone(live);
  const desiredCopy = structuredClone(desired);
  if (trustedManagers.length === 0) return { live: liveCopy, desired: desiredCopy };
  for (const entry of managedFieldsOf(live)) {
    if (!entry.manager || !trustedManagers.includes(entry.manager)) continue;
    if (isObject(entry.fieldsV1)) dropModified(entry.fieldsV1, liveCopy, desiredCopy);
  }
  return { live: liveCopy, desired: desiredCopy };
}

/**
 * Walks an owned field set over both objects at once. Removals happen after the walk of a node's
 * children so list indexes found for one child stay valid for its siblings.
 */
function dropModified(owned: JsonObject, live: Json, desired: Json): void {
  const liveRemovals: Slot[] = [];
  const desiredRemovals: Slot[] = [];
  for (const [token, children] of Object.entries(owned)) {
    if (token === '.') continue;
    const liveSlot = step(live, token);
    const desiredSlot = step(desired, token);
    if (!liveSlot || !desiredSlot) continue;
    const subTokens = isObject(children) ? Object.keys(children).filter((k) => k !== '.') : [];
    if (subTokens.length > 0) {
      dropModified(children as JsonObject, valueAt(liveSlot) ?? null, valueAt(desiredSlot) ?? null);
    } else if (!sameJson(valueAt(liveSlot), valueAt(desiredSlot))) {
      liveRemovals.push(liveSlot);
      desiredRemovals.push(desiredSlot);
    }
  }
  for (const slots of [liveRemovals, desiredRemovals]) {
    // Highest index first, so splicing one element does not shift the next one's index.
    slots.sort((a, b) => (typeof a.at === 'number' && typeof b.at === 'number' ? b.at - a.at : 0));
    for (const slot of slots) remove(slot);
  }
}
