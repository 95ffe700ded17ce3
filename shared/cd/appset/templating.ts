/**
 * How an ApplicationSet turns parameters into strings, as Argo's applicationset/utils does it:
 * fasttemplate `{{ key }}` lookup without goTemplate, Go text/template + sprig (with Argo's extra
 * functions and `missingkey` option) with it, applied to every string and map key of a template.
 */
import YAML from 'yaml';
import type { Json, JsonObject } from '../../core/types.js';
import { GoTemplateError, goPrint, renderGoTemplate } from '../../expr/go-template.js';
import { AppSetError, type Params } from './types.js';

type Fn = (...args: unknown[]) => unknown;

export interface TemplateMode {
  goTemplate: boolean;
  goTemplateOptions: readonly string[];
}

/** Argo's SanitizeName: a DNS-1123-ish name (lower case, `[-a-z0-9.]`, at most 253, trimmed). */
export function sanitizeName(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^-a-z0-9.]/g, '-')
    .slice(0, 253);
  return cleaned.replace(/^[-.]+|[-.]+$/g, '');
}

/**
 * Argo's `slugify [maxSize] [smartTruncate] name`: SanitizeName, then gosimple/slug (dots become
 * dashes, runs of dashes collapse, at most maxSize (50) characters, cut at a dash when smart).
 */
export function slugify(...args: unknown[]): string {
  let maxSize = 50;
  let smart = true;
  let name = '';
  args.forEach((arg, i) => {
    if (i === args.length - 1) name = String(arg);
    else if (i === 0) maxSize = Number(arg);
    else if (i === 1) smart = Boolean(arg);
  });
  let slug = sanitizeName(name)
    .replace(/[^a-zA-Z0-9\-_]/g, '-')
    .replace(/-+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '');
  if (maxSize > 0 && slug.length > maxSize) {
    if (!smart) return slug.slice(0, maxSize);
    const cut = slug.lastIndexOf('-', maxSize);
    slug = cut >= 0 ? slug.slice(0, cut) : slug.slice(0, maxSize);
  }
  return slug;
}

/** The functions Argo adds to sprig for ApplicationSet templates (env lookups are removed). */
export const appSetTemplateFunctions: Record<string, Fn> = {
  normalize: (name) => sanitizeName(String(name)),
  slugify,
  toYaml: (v) => YAML.stringify(v, { sortMapEntries: true }).replace(/\n$/, ''),
  fromYaml: (s) => {
    const v: unknown = YAML.parse(String(s));
    if (v !== null && (typeof v !== 'object' || Array.isArray(v)))
      throw new Error('fromYaml: the document is not a map');
    return v ?? {};
  },
  fromYamlArray: (s) => {
    const v: unknown = YAML.parse(String(s));
    if (v !== null && !Array.isArray(v))
      throw new Error('fromYamlArray: the document is not a list');
    return v ?? [];
  },
  env: () => {
    throw new Error('env is not available in ApplicationSet templates');
  },
  expandenv: () => {
    throw new Error('expandenv is not available in ApplicationSet templates');
  },
  getHostByName: () => {
    throw new Error('getHostByName is not available in ApplicationSet templates');
  },
};

class MissingKey extends GoTemplateError {
  constructor(readonly key: string) {
    super(`map has no entry for key "${key}"`);
  }
}

/**
 * Go's `missingkey=error`: reading an absent map key fails. Our Go template engine tests keys
 * with hasOwnProperty, so a proxy that throws there gives the same outcome without changing the
 * engine. (One divergence: Go's `index` of an absent key returns nil even with this option.)
 */
function strictKeys(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  return new Proxy(v as object, {
    getOwnPropertyDescriptor(target, key) {
      const d = Reflect.getOwnPropertyDescriptor(target, key);
      if (d === undefined && typeof key === 'string' && !Array.isArray(target))
        throw new MissingKey(key);
      return d;
    },
    get(target, key, receiver) {
      return strictKeys(Reflect.get(target, key, receiver));
    },
  });
}

function missingKeyOption(options: readonly string[]): 'default' | 'error' {
  let mode: 'default' | 'error' = 'default';
  for (const option of options) {
    const m = /^missingkey=(default|invalid|zero|error)$/.exec(option);
    if (!m)
      throw new AppSetError(
        `spec.goTemplateOptions: unrecognized option "${option}"; Argo accepts missingkey=default|invalid|zero|error`,
      );
    // For map[string]interface{} data Go prints "<no value>" for default, invalid and zero alike.
    mode = m[1] === 'error' ? 'error' : 'default';
  }
  return mode;
}

/** A `{{` ... `}}` pair on one line: fasttemplate is only run on strings that have one. */
const TEMPLATED = /\{\{[^\n]*\}\}/;

/** Argo's Render.Replace for one string. */
export function replaceString(tmpl: string, params: Params, mode: TemplateMode): string {
  if (mode.goTemplate) {
    const strict = missingKeyOption(mode.goTemplateOptions) === 'error';
    try {
      return renderGoTemplate(tmpl, strict ? strictKeys(params) : params, {
        funcs: appSetTemplateFunctions,
      });
    } catch (err) {
      throw new AppSetError(`failed to execute go template ${tmpl}: ${(err as Error).message}`);
    }
  }
  if (!TEMPLATED.test(tmpl)) return tmpl;
  let out = '';
  let at = 0;
  for (;;) {
    const start = tmpl.indexOf('{{', at);
    if (start < 0) return out + tmpl.slice(at);
    const end = tmpl.indexOf('}}', start + 2);
    if (end < 0)
      throw new AppSetError(
        `invalid template: cannot find end tag "}}" in "${tmpl}" starting from "${tmpl.slice(start)}"`,
      );
    const tag = tmpl.slice(start + 2, end);
    const key = tag.trim();
    const value = key === '' ? undefined : params[key];
    // A key that is missing or not a string stays as written, braces and spacing included.
    out += tmpl.slice(at, start) + (typeof value === 'string' ? value : `{{${tag}}}`);
    at = end + 2;
  }
}

/** Every string value and map key of `value` templated (Argo's deeplyReplace). */
export function deepReplace<T extends Json>(value: T, params: Params, mode: TemplateMode): T {
  return replaceJson(value, params, mode, undefined) as T;
}

/**
 * `skip(path)` returning a value takes that value for the subtree instead of templating it
 * (Argo's filter for generator `values`).
 */
export function replaceJson(
  value: Json,
  params: Params,
  mode: TemplateMode,
  filter: ((path: string[], value: Json) => Json | undefined) | undefined,
  path: string[] = [],
): Json {
  if (filter && path.length > 0) {
    const replaced = filter(path, value);
    if (replaced !== undefined) return replaced;
  }
  if (typeof value === 'string') return replaceString(value, params, mode);
  if (Array.isArray(value))
    return value.map((v, i) => replaceJson(v, params, mode, filter, [...path, String(i)]));
  if (value !== null && typeof value === 'object') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      // Go skips nil map values; null in JSON is the only nil we can meet.
      if (v === null) continue;
      out[replaceString(k, params, mode)] = replaceJson(v, params, mode, filter, [...path, k]);
    }
    return out;
  }
  return value;
}

/**
 * jeremywohl/flatten in dot style, values as Go's %v: nested maps and lists become `a.b` and
 * `a.0`, empty ones vanish. Used for the fasttemplate git files params and for selectors.
 */
export function flattenParams(value: { [k: string]: unknown }): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (v: unknown, prefix: string) => {
    if (Array.isArray(v))
      v.forEach((item, i) => walk(item, prefix === '' ? String(i) : `${prefix}.${i}`));
    else if (v !== null && typeof v === 'object')
      for (const [k, item] of Object.entries(v)) walk(item, prefix === '' ? k : `${prefix}.${k}`);
    else out[prefix] = goPrint(v);
  };
  for (const [k, v] of Object.entries(value)) walk(v, k);
  return out;
}

/**
 * A generator's `values`, each templated with the params generated so far, added as
 * `values.<k>` (flat) or `values: {k}` (goTemplate), as Argo's appendTemplatedValues.
 */
export function appendTemplatedValues(
  values: Record<string, string> | undefined,
  params: Params,
  mode: TemplateMode,
): Params {
  if (!values || Object.keys(values).length === 0) return params;
  const rendered: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) rendered[k] = replaceString(v, params, mode);
  if (mode.goTemplate) return { ...params, values: rendered };
  const out: Params = { ...params };
  for (const [k, v] of Object.entries(rendered)) out[`values.${k}`] = v;
  return out;
}

export function isJsonObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Go's zero values, which mergo treats as "unset". */
function isZero(v: Json | undefined): boolean {
  return (
    v === undefined ||
    v === null ||
    v === '' ||
    v === 0 ||
    v === false ||
    (Array.isArray(v) && v.length === 0)
  );
}

/** mergo.Merge without override: `dest` keeps what it sets, gains what it leaves unset. */
export function fillUnset(dest: Json | undefined, src: Json | undefined): Json | undefined {
  if (isJsonObject(dest) && isJsonObject(src)) {
    const out: JsonObject = { ...dest };
    for (const [k, v] of Object.entries(src)) {
      const merged = fillUnset(dest[k], v);
      if (merged !== undefined) out[k] = merged;
    }
    return out;
  }
  return isZero(dest) ? (src ?? dest) : dest;
}

/** mergo.Merge with override: `over` wins unless it is a zero value; nested maps merge. */
export function deepOverride(base: Json, over: Json): Json {
  if (isZero(over)) return base;
  if (isJsonObject(base) && isJsonObject(over)) {
    const out: JsonObject = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = k in base ? deepOverride(base[k]!, v) : v;
    return out;
  }
  return over;
}
