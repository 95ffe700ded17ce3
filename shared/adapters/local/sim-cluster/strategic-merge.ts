/**
 * A simplified strategic merge patch, enough for the simulated cluster: like a JSON merge patch,
 * except that lists of objects carrying a merge key (`name`, else `containerPort`, `mountPath`,
 * `ip`) are merged element by element on that key instead of being replaced, and `$patch: delete`
 * on such an element removes it. No other directives (`$retainKeys`, `$setElementOrder`...).
 */
import type { Json, JsonObject } from '../../../core/types.js';

const MERGE_KEYS = ['name', 'containerPort', 'mountPath', 'ip'];

export function strategicMerge(target: Json, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else if (Array.isArray(v) && Array.isArray(result[k]))
      result[k] = mergeList(result[k] as Json[], v);
    else result[k] = strategicMerge(result[k] ?? null, v);
  }
  return result;
}

function mergeList(target: Json[], patch: Json[]): Json[] {
  const key = MERGE_KEYS.find((k) => patch.every((p) => isObject(p) && p[k] !== undefined));
  if (!key || !target.every((t) => isObject(t))) return patch;
  const out = [...target] as JsonObject[];
  for (const item of patch as JsonObject[]) {
    const at = out.findIndex((t) => t[key] === item[key]);
    if (item['$patch'] === 'delete') {
      if (at >= 0) out.splice(at, 1);
    } else if (at >= 0) out[at] = strategicMerge(out[at]!, item) as JsonObject;
    else out.push(item);
  }
  return out;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
