/**
 * Argo Workflows' `{{...}}` templating: simple tags (`{{inputs.parameters.x}}`) looked up in a
 * flat scope, and expression tags (`{{=asInt(inputs.parameters.x) + 1}}`) evaluated with the
 * expr dialect over the scope expanded into nested maps, plus Argo's helper functions.
 *
 * Argo substitutes on the template's JSON text; we substitute inside string values of the parsed
 * object, which gives the same result for every value without re-escaping JSON.
 */
import { evaluateExpr } from './expr-lang.js';
import { sprigFunctions } from './sprig.js';
import { queryJsonPath } from './jsonpath.js';

/** Flat names as Argo spells them (`steps.flip.outputs.result`) -> values (strings, mostly). */
export type Scope = Record<string, unknown>;

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

export interface ReplaceOptions {
  /**
   * Tags under these prefixes must resolve (Argo's strict prefixes, e.g. `inputs.`); others stay
   * as written for a later pass. `true`: every tag must resolve.
   */
  strict?: boolean | readonly string[];
}

const TAG = /\{\{(.*?)\}\}/gs;

/** Replaces every tag in `text`. Throws TemplateError naming the tag that cannot resolve. */
export function replaceInString(text: string, scope: Scope, options: ReplaceOptions = {}): string {
  if (!text.includes('{{')) return text;
  return text.replace(TAG, (whole, inner: string) => {
    const tag = inner.trim();
    if (tag.startsWith('=')) return replaceExpression(whole, tag.slice(1), scope, options);
    if (Object.hasOwn(scope, tag)) {
      const value = scope[tag];
      if (value === null || value === undefined) {
        throw new TemplateError(
          `unable to substitute {{${tag}}}: output is an absent optional (skipped/omitted node with no default)`,
        );
      }
      // Objects (artifacts) are not text: the tag stays for whoever resolves it (`from`).
      if (typeof value === 'object') return whole;
      return typeof value === 'string' ? value : JSON.stringify(value);
    }
    if (isStrict(tag, options)) throw new TemplateError(`failed to resolve {{${tag}}}`);
    return whole;
  });
}

/** Replaces tags in every string of a JSON-like value (keys included); returns a new value. */
export function replaceInValue<T>(value: T, scope: Scope, options: ReplaceOptions = {}): T {
  return walk(value, scope, options) as T;
}

function walk(value: unknown, scope: Scope, options: ReplaceOptions): unknown {
  if (typeof value === 'string') return replaceInString(value, scope, options);
  if (Array.isArray(value)) return value.map((v) => walk(v, scope, options));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[replaceInString(k, scope, options)] = walk(v, scope, options);
    return out;
  }
  return value;
}

function isStrict(tag: string, options: ReplaceOptions): boolean {
  const strict = options.strict;
  if (strict === true) return true;
  if (!strict) return false;
  return strict.some(
    (p) => tag === p.replace(/\.$/, '') || tag.startsWith(p.endsWith('.') ? p : `${p}.`),
  );
}

function replaceExpression(
  whole: string,
  source: string,
  scope: Scope,
  options: ReplaceOptions,
): string {
  let result: unknown;
  try {
    result = evaluateExpr(source, expressionEnv(scope));
  } catch (err) {
    // Argo leaves an expression for a later pass when it names something not yet known.
    if (
      !options.strict ||
      (options.strict !== true && !mentionsStrictPrefix(source, options.strict))
    ) {
      return whole;
    }
    throw new TemplateError(
      `failed to evaluate expression {{=${source}}}: ${(err as Error).message}`,
    );
  }
  if (result === null || result === undefined) {
    if (options.strict === true)
      throw new TemplateError(`failed to evaluate expression {{=${source}}}: result is nil`);
    return whole;
  }
  return typeof result === 'string' ? result : JSON.stringify(result);
}

function mentionsStrictPrefix(source: string, prefixes: readonly string[]): boolean {
  return prefixes.some((p) => source.includes(p));
}

/**
 * The environment of an expression tag: the scope expanded into nested maps
 * (`inputs.parameters.x` -> inputs.parameters.x) plus Argo's helpers.
 */
export function expressionEnv(scope: Scope): Record<string, unknown> {
  const env: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(scope)) {
    const parts = name.split('.');
    let node = env;
    for (let i = 0; i < parts.length - 1; i++) {
      const part = parts[i]!;
      const next = node[part];
      if (!next || typeof next !== 'object' || Array.isArray(next)) node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    const leaf = parts[parts.length - 1]!;
    // A map already there (from a longer name) wins over a leaf of the same name.
    if (!(leaf in node) || typeof node[leaf] !== 'object') node[leaf] = value;
  }
  env['asInt'] = asInt;
  env['asFloat'] = asFloat;
  env['jsonpath'] = (json: unknown, path: unknown) =>
    queryJsonPath(JSON.parse(String(json)), String(path));
  env['toJson'] = (v: unknown) => JSON.stringify(v);
  env['sprig'] = sprigFunctions;
  return env;
}

function asInt(v: unknown): number {
  const n = typeof v === 'string' ? Number(v.trim()) : Number(v);
  if (!Number.isFinite(n))
    throw new TemplateError(`asInt: cannot convert ${JSON.stringify(v)} to int`);
  return Math.trunc(n);
}

function asFloat(v: unknown): number {
  const n = typeof v === 'string' ? Number(v.trim()) : Number(v);
  if (Number.isNaN(n))
    throw new TemplateError(`asFloat: cannot convert ${JSON.stringify(v)} to float`);
  return n;
}
