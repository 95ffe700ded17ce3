/**
 * ignoreDifferences, as Argo CD's util/argo/normalizers and util/argo/diff/ignore.go: rules from
 * the Application spec and from argocd-cm (`resource.customizations.ignoreDifferences.<group_kind>`
 * and `...ignoreDifferences.all`) remove fields from the desired, live and last-applied objects
 * before they are compared, so those fields never make a difference.
 *
 * jqPathExpressions run through jq-wasm, which is asynchronous: every function that may evaluate
 * one returns a Promise. The jq engine is a parameter (JqRunner) so callers and tests can pass
 * another implementation.
 */
import { load } from 'js-yaml';
import type { Json, JsonObject } from '../../core/types.js';
import type { KubeObject } from '../../core/objects.js';
import { globMatch } from '../glob.js';
import { normalizeManagedFields } from './managed-fields.js';
import { additionsOf, isBuiltInGroup, mergeInto } from './merge.js';

/** One `ignoreDifferences` entry (Application spec or argocd-cm). Group '' is the core group. */
export interface IgnoreDifferencesRule {
  group?: string;
  kind: string;
  name?: string;
  namespace?: string;
  jsonPointers?: string[];
  jqPathExpressions?: string[];
  managedFieldsManagers?: string[];
}

/** argocd-cm `resource.compareoptions.ignoreResourceStatusField`. */
export type IgnoreResourceStatusField = 'all' | 'crd' | 'none';

/** Runs a jq program that yields exactly one value. */
export type JqRunner = (input: Json, program: string) => Promise<Json>;

/** A jq program that does not compile: the rule is wrong, Argo fails the comparison. */
export class JqCompileError extends Error {}

/**
 * jq-wasm is 1.3 MB: loaded on the first jqPathExpression, so the functions that never meet one
 * (most of them, on AWS every Lambda bundle) neither parse nor compile it at start.
 */
let jqModule: Promise<typeof import('jq-wasm')> | undefined;

export const runJq: JqRunner = async (input, program) => {
  jqModule ??= import('jq-wasm');
  const jq = await jqModule;
  let out: string;
  try {
    out = await jq.raw(input as object, program, ['-c']);
  } catch (err) {
    const message = (err as Error).message;
    if (message.includes('compile error')) throw new JqCompileError(message);
    throw err;
  }
  const lines = out.split('\n').filter((line) => line.trim() !== '');
  if (lines.length !== 1) {
    throw new Error(`jq program ${program} returned ${lines.length} values, expected exactly one`);
  }
  return JSON.parse(lines[0] as string) as Json;
};

export interface ResourceIdentity {
  group: string;
  kind: string;
  name: string;
  namespace: string;
}

/** Group and kind match as Argo's util/glob.Match (gobwas), name and namespace exactly. */
export function ruleMatches(rule: IgnoreDifferencesRule, id: ResourceIdentity): boolean {
  return (
    globMatch(rule.group ?? '', id.group) &&
    globMatch(rule.kind, id.kind) &&
    (!rule.name || rule.name === id.name) &&
    (!rule.namespace || rule.namespace === id.namespace)
  );
}

/** The rule `ignoreResourceStatusField` adds (Argo's default, `all`, ignores every status). */
export function statusRules(mode: IgnoreResourceStatusField): IgnoreDifferencesRule[] {
  if (mode === 'none') return [];
  return mode === 'crd'
    ? [
        {
          group: 'apiextensions.k8s.io',
          kind: 'CustomResourceDefinition',
          jsonPointers: ['/status'],
        },
      ]
    : [{ group: '*', kind: '*', jsonPointers: ['/status'] }];
}

/** The matching rules' pointers, expressions and managers, each once, in rule order. */
export interface MergedIgnore {
  jsonPointers: string[];
  jqPathExpressions: string[];
  managedFieldsManagers: string[];
}

export function mergeMatching(
  rules: readonly IgnoreDifferencesRule[],
  id: ResourceIdentity,
): MergedIgnore {
  const merged: MergedIgnore = {
    jsonPointers: [],
    jqPathExpressions: [],
    managedFieldsManagers: [],
  };
  for (const rule of rules) {
    if (!ruleMatches(rule, id)) continue;
    for (const field of ['jsonPointers', 'jqPathExpressions', 'managedFieldsManagers'] as const) {
      for (const item of rule[field] ?? []) {
        if (!merged[field].includes(item)) merged[field].push(item);
      }
    }
  }
  return merged;
}

export interface ArgoCdDiffSettings {
  ignoreDifferences: IgnoreDifferencesRule[];
  ignoreResourceStatusField: IgnoreResourceStatusField;
}

const IGNORE_KEY_PREFIX = 'resource.customizations.ignoreDifferences.';

/**
 * The diff settings in argocd-cm's data: the split `resource.customizations.ignoreDifferences.*`
 * keys (`<group>_<Kind>`, `<Kind>` for the core group, `all` for every kind) and
 * `resource.compareoptions`. The status rule is included in `ignoreDifferences`.
 */
export function argoCdDiffSettings(data: Record<string, string>): ArgoCdDiffSettings {
  const rules: IgnoreDifferencesRule[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (!key.startsWith(IGNORE_KEY_PREFIX)) continue;
    const groupKind = key.slice(IGNORE_KEY_PREFIX.length);
    const { group, kind } = groupKindOfKey(groupKind, key);
    const parsed = parseYamlObject(value, `argocd-cm data["${key}"]`);
    rules.push({
      group,
      kind,
      jsonPointers: stringList(parsed, 'jsonPointers', key),
      jqPathExpressions: stringList(parsed, 'jqPathExpressions', key),
      managedFieldsManagers: stringList(parsed, 'managedFieldsManagers', key),
    });
  }
  const mode = compareOptionsStatusField(data['resource.compareoptions']);
  return { ignoreDifferences: [...rules, ...statusRules(mode)], ignoreResourceStatusField: mode };
}

function groupKindOfKey(groupKind: string, key: string): { group: string; kind: string } {
  if (groupKind === 'all') return { group: '*', kind: '*' };
  const parts = groupKind.split('_');
  if (parts.length === 2 && parts[0] && parts[1]) return { group: parts[0], kind: parts[1] };
  if (parts.length === 1 && groupKind !== '') return { group: '', kind: groupKind };
  throw new Error(
    `argocd-cm data["${key}"]: the key must end in <group>_<Kind>, <Kind> or all, got "${groupKind}"`,
  );
}

function parseYamlObject(text: string, where: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = load(text);
  } catch (err) {
    throw new Error(`${where}: not valid YAML (${(err as Error).message})`);
  }
  if (parsed === undefined || parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${where}: expected a YAML mapping with jsonPointers/jqPathExpressions/...`);
  }
  return parsed as Record<string, unknown>;
}

function stringList(obj: Record<string, unknown>, field: string, key: string): string[] {
  const v = obj[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((item) => typeof item !== 'string')) {
    throw new Error(`argocd-cm data["${key}"].${field}: expected a list of strings`);
  }
  return v as string[];
}

/** Argo treats an unknown value like `all`, and `off`/`false` (YAML booleans) like `none`. */
function compareOptionsStatusField(text: string | undefined): IgnoreResourceStatusField {
  if (!text) return 'all';
  const value = parseYamlObject(text, 'argocd-cm data["resource.compareoptions"]')[
    'ignoreResourceStatusField'
  ];
  if (value === 'crd') return 'crd';
  if (value === 'none' || value === 'off' || value === 'false' || value === false) return 'none';
  return 'all';
}

/** RFC 6901: `~1` is `/`, `~0` is `~`. */
function pointerTokens(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * A copy of `doc` without the value at `pointer`. A pointer that does not resolve leaves the
 * document as it is: Argo skips a removal that does not apply.
 */
export function removeAtPointer(doc: JsonObject, pointer: string): JsonObject {
  if (!pointer.startsWith('/')) return doc;
  const tokens = pointerTokens(pointer);
  const copy = structuredClone(doc);
  let here: Json = copy;
  for (const [i, token] of tokens.entries()) {
    const last = i === tokens.length - 1;
    if (Array.isArray(here)) {
      if (!/^(0|[1-9][0-9]*)$/.test(token)) return doc;
      const index = Number(token);
      if (index >= here.length) return doc;
      if (last) here.splice(index, 1);
      else here = here[index] as Json;
    } else if (typeof here === 'object' && here !== null) {
      if (!(token in here)) return doc;
      if (last) delete here[token];
      else here = here[token] as Json;
    } else {
      return doc;
    }
  }
  return copy;
}

/**
 * `doc` without what the jsonPointers and jqPathExpressions select. A jq expression runs as
 * `del(<expression>)`; one that fails at run time (it iterates over a missing field, say) is
 * skipped, as Argo skips it; one that does not compile throws JqCompileError.
 */
export async function removeIgnoredFields(
  doc: JsonObject,
  ignore: Pick<MergedIgnore, 'jsonPointers' | 'jqPathExpressions'>,
  runner: JqRunner = runJq,
): Promise<JsonObject> {
  let out = doc;
  for (const pointer of ignore.jsonPointers) out = removeAtPointer(out, pointer);
  for (const expression of ignore.jqPathExpressions) {
    try {
      const result = await runner(out, `del(${expression})`);
      if (typeof result === 'object' && result !== null && !Array.isArray(result)) out = result;
    } catch (err) {
      if (err instanceof JqCompileError) {
        throw new JqCompileError(
          `ignoreDifferences jqPathExpressions "${expression}" does not compile: ${err.message}`,
        );
      }
    }
  }
  return out;
}

export function identityOf(obj: KubeObject, namespace?: string): ResourceIdentity {
  const slash = obj.apiVersion.lastIndexOf('/');
  return {
    group: slash < 0 ? '' : obj.apiVersion.slice(0, slash),
    kind: obj.kind,
    name: obj.metadata.name,
    namespace: obj.metadata.namespace ?? namespace ?? '',
  };
}

/**
 * RespectIgnoreDifferences=true: the desired object with every ignored field replaced by its live
 * value, so a sync does not overwrite what ignoreDifferences hides (an HPA's replicas). As Argo's
 * controller/sync.go normalizeTargetResources: both objects are normalized with the rules, the
 * fields the normalization took from live (never `status`) are merged into the normalized desired
 * object. An ignored field that live does not have is therefore left out of the result.
 */
export async function applyIgnoredFromLive(
  desired: KubeObject,
  live: KubeObject | undefined,
  rules: readonly IgnoreDifferencesRule[],
  runner: JqRunner = runJq,
): Promise<KubeObject> {
  if (!live) return desired;
  const id = identityOf(desired, live.metadata.namespace);
  const ignore = mergeMatching(rules, id);
  const { live: liveAfterManagers, desired: desiredAfterManagers } = normalizeManagedFields(
    live as unknown as JsonObject,
    desired as unknown as JsonObject,
    ignore.managedFieldsManagers,
  );
  const normalizedDesired = await removeIgnoredFields(desiredAfterManagers, ignore, runner);
  const normalizedLive = await removeIgnoredFields(liveAfterManagers, ignore, runner);
  const { status: _liveStatus, ...liveForPatch } = live as unknown as JsonObject;
  const { status: _normalizedStatus, ...normalizedLiveForPatch } = normalizedLive;
  const options = { strategic: isBuiltInGroup(id.group) };
  const additions = additionsOf(normalizedLiveForPatch, liveForPatch, [], options);
  if (additions === undefined) return normalizedDesired as unknown as KubeObject;
  return mergeInto(normalizedDesired, additions, [], options) as unknown as KubeObject;
}
