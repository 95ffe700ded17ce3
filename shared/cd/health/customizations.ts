/**
 * Custom health checks in Lua, configured in the `argocd-cm` ConfigMap as Argo CD reads it
 * (util/settings GetResourceOverrides, util/lua health):
 *
 *   resource.customizations.health.<group>_<kind>: |        one key per kind (Argo CD 2.x+)
 *     hs = {} ... return hs
 *   resource.customizations.useOpenLibs.<group>_<kind>: "true"
 *   resource.customizations: |                              the older single YAML block
 *     <group>/<kind>:
 *       health.lua: | ...
 *       health.lua.useOpenLibs: true
 *
 * `<kind>` alone stands for the core group; `all` for every kind; group and kind may hold
 * Argo's globs (`*.example.com_*`). The script sees the live object as the global `obj` and
 * returns a table `{ status = "...", message = "..." }`.
 *
 * Differences from Argo CD, all from running fengari (Lua 5.3) through shared/expr/lua.ts rather
 * than gopher-lua:
 * - a runaway script is stopped after LUA_INSTRUCTION_BUDGET instructions, not Argo's one-second
 *   timeout; either way the resource's health is Unknown with the error as its message;
 * - `useOpenLibs` is parsed and kept, but every script gets the same libraries: base, string,
 *   table and math, never io or os (Argo gives base, table, package and a safe `os` without it,
 *   and all standard libraries with it);
 * - integral numbers print as `3.0` with tostring (Lua 5.3 floats), `3` in gopher-lua.
 */
import type { KubeObject } from '../../core/objects.js';
import { LuaError, runLua } from '../../expr/lua.js';
import { parseYamlDocuments, YamlError } from '../../resources/yaml.js';
import { groupKindKey, objAt } from './fields.js';
import { globMatch } from '../glob.js';
import { health, INVALID_LUA_STATUS, isHealthStatusCode, type HealthStatus } from './status.js';

export interface HealthCustomization {
  healthLua: string;
  /** `useOpenLibs` as configured; see the module comment for what it changes here. */
  useOpenLibs: boolean;
}

/** Customizations by group/kind key (`apps/Deployment`, `Service`, `*.example.com/*`), in ConfigMap order. */
export type HealthCustomizations = ReadonlyMap<string, HealthCustomization>;

export class HealthCustomizationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HealthCustomizationError';
  }
}

const PREFIX = 'resource.customizations';
/** Customization types argocd-cm accepts under `resource.customizations.<type>.<group_kind>`. */
const OTHER_TYPES = new Set([
  'actions',
  'ignoreDifferences',
  'ignoreResourceUpdates',
  'knownTypeFields',
]);

/**
 * The health customizations in an `argocd-cm` ConfigMap's data. Keys of the newer form override
 * the same kind's entry in the older `resource.customizations` block, as in Argo CD.
 */
export function parseHealthCustomizations(
  configMapData: Record<string, string>,
): HealthCustomizations {
  const out = new Map<string, HealthCustomization>();
  const block = configMapData[PREFIX];
  if (block) parseBlock(block, out);
  for (const [key, value] of Object.entries(configMapData)) {
    if (!key.startsWith(PREFIX)) continue;
    const parts = splitN(key, '.', 4);
    if (parts.length < 4) continue;
    const [, , type, groupKind] = parts as [string, string, string, string];
    let target = overrideKey(groupKind, key);
    if (target === 'all') target = '*/*';
    const entry = out.get(target) ?? { healthLua: '', useOpenLibs: false };
    if (type === 'health') entry.healthLua = value;
    else if (type === 'useOpenLibs') entry.useOpenLibs = parseGoBool(value, key);
    else if (!OTHER_TYPES.has(type))
      throw new HealthCustomizationError(
        `argocd-cm data.${key}: resource customization type ${type} not supported (use one of health, useOpenLibs, ${[...OTHER_TYPES].join(', ')})`,
      );
    else continue;
    out.set(target, entry);
  }
  return out;
}

function parseBlock(text: string, out: Map<string, HealthCustomization>): void {
  let docs: unknown[];
  try {
    docs = parseYamlDocuments(text);
  } catch (err) {
    if (err instanceof YamlError)
      throw new HealthCustomizationError(`argocd-cm data.${PREFIX}: ${err.message}`);
    throw err;
  }
  const map = objAt(docs[0]);
  if (docs.length > 0 && !map)
    throw new HealthCustomizationError(
      `argocd-cm data.${PREFIX}: expected a map of group/kind to customizations`,
    );
  for (const [key, value] of Object.entries(map ?? {})) {
    const fields = objAt(value) ?? {};
    const script = fields['health.lua'];
    const open = fields['health.lua.useOpenLibs'];
    if (script !== undefined && typeof script !== 'string')
      throw new HealthCustomizationError(
        `argocd-cm data.${PREFIX}: ${key}.health.lua must be a string (a Lua script)`,
      );
    if (open !== undefined && typeof open !== 'boolean')
      throw new HealthCustomizationError(
        `argocd-cm data.${PREFIX}: ${key}.health.lua.useOpenLibs must be true or false`,
      );
    out.set(key, { healthLua: script ?? '', useOpenLibs: open ?? false });
  }
}

/** Go's strings.SplitN: at most n parts, the last holding the rest. */
function splitN(text: string, sep: string, n: number): string[] {
  const parts = text.split(sep);
  return parts.length <= n ? parts : [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}

/** `cert-manager.io_Certificate` -> `cert-manager.io/Certificate`; `Certificate` stays. */
function overrideKey(groupKind: string, key: string): string {
  const parts = groupKind.split('_');
  if (parts.length === 2) return `${parts[0]}/${parts[1]}`;
  if (parts.length === 1 && groupKind !== '') return groupKind;
  throw new HealthCustomizationError(
    `argocd-cm data.${key}: group kind should be in format \`resource.customizations.<type>.<group_kind>\` or \`resource.customizations.<type>.<kind>\`, got group kind: '${groupKind}'`,
  );
}

function parseGoBool(value: string, key: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  throw new HealthCustomizationError(
    `argocd-cm data.${key}: "${value}" is not a boolean (use "true" or "false")`,
  );
}

/**
 * The customization that assesses `obj`: its exact group/kind key first, then the first glob
 * key that matches (Argo CD takes whichever its map iteration meets first; ConfigMap order here
 * makes the choice repeatable). Entries without a health script do not count.
 */
export function findHealthCustomization(
  customizations: HealthCustomizations,
  obj: Pick<KubeObject, 'apiVersion' | 'kind'>,
): (HealthCustomization & { key: string }) | undefined {
  const key = groupKindKey(obj);
  const exact = customizations.get(key);
  if (exact?.healthLua) return { key, ...exact };
  for (const [pattern, entry] of customizations)
    if (entry.healthLua && globMatch(pattern, key)) return { key: pattern, ...entry };
  return undefined;
}

/**
 * Runs a health script against `obj`. Undefined when the script returns nothing, an empty
 * table or a table Argo cannot read as a health status (Argo's empty HealthStatus: the resource
 * shows no health, and the built-in check is not consulted). Throws a LuaError when the script
 * fails, runs out of its instruction budget, or returns something that is not a table.
 */
export function runHealthScript(script: string, obj: KubeObject): HealthStatus | undefined {
  const result = runLua(script, { obj });
  if (result === null || result === undefined) return undefined;
  if (typeof result !== 'object')
    throw new LuaError(`expect table output from Lua script, not ${luaTypeName(result)}`);
  if (Array.isArray(result)) return undefined;
  const { status, message } = result as Record<string, unknown>;
  if (Object.keys(result).length === 0) return undefined;
  // Go's JSON decoding fails on a field of the wrong type, and Argo then answers an empty status.
  if (
    (status !== undefined && typeof status !== 'string') ||
    (message !== undefined && typeof message !== 'string')
  )
    return undefined;
  if (!isHealthStatusCode(status)) return health('Unknown', INVALID_LUA_STATUS);
  return health(status, message);
}

function luaTypeName(value: unknown): string {
  return typeof value === 'string' ? 'string' : typeof value === 'number' ? 'number' : 'boolean';
}
