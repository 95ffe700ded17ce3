/**
 * The sprig functions (github.com/Masterminds/sprig) Argo users reach for, as `sprig.<name>` in
 * expression tags and in Argo Events' Go templates. Semantics follow sprig, including its
 * forgiving conversions (`atoi "x"` is 0, `default` treats "" / 0 / empty as unset).
 */

import { MONTH_NAMES, WEEKDAY_NAMES } from './calendar.js';

type Fn = (...args: unknown[]) => unknown;

export function toGoString(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return `[${v.map(toGoString).join(' ')}]`;
  if (typeof v === 'object') {
    const entries = Object.keys(v as object)
      .sort()
      .map((k) => `${k}:${toGoString((v as Record<string, unknown>)[k])}`);
    return `map[${entries.join(' ')}]`;
  }
  return String(v);
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const n = Number(v.trim());
    return Number.isFinite(n) ? n : 0;
  }
  return 0;
}

function toInt(v: unknown): number {
  return Math.trunc(toNumber(v));
}

export function isEmpty(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v as object).length === 0;
  return false;
}

/** Go's reference-time layout (`2006-01-02T15:04:05Z07:00`) applied to a UTC date. */
export function formatGoDate(layout: string, date: Date): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const months = MONTH_NAMES;
  const days = WEEKDAY_NAMES;
  const tokens: [string, () => string][] = [
    ['2006', () => String(date.getUTCFullYear())],
    ['January', () => months[date.getUTCMonth()]!],
    ['Monday', () => days[date.getUTCDay()]!],
    ['Jan', () => months[date.getUTCMonth()]!.slice(0, 3)],
    ['Mon', () => days[date.getUTCDay()]!.slice(0, 3)],
    ['MST', () => 'UTC'],
    ['Z07:00', () => 'Z'],
    ['-07:00', () => '+00:00'],
    ['-0700', () => '+0000'],
    ['.000', () => `.${pad(date.getUTCMilliseconds(), 3)}`],
    ['01', () => pad(date.getUTCMonth() + 1)],
    ['02', () => pad(date.getUTCDate())],
    ['15', () => pad(date.getUTCHours())],
    ['03', () => pad(((date.getUTCHours() + 11) % 12) + 1)],
    ['04', () => pad(date.getUTCMinutes())],
    ['05', () => pad(date.getUTCSeconds())],
    ['06', () => pad(date.getUTCFullYear() % 100)],
    ['PM', () => (date.getUTCHours() >= 12 ? 'PM' : 'AM')],
    ['1', () => String(date.getUTCMonth() + 1)],
    ['2', () => String(date.getUTCDate())],
    ['3', () => String(((date.getUTCHours() + 11) % 12) + 1)],
  ];
  let out = '';
  let i = 0;
  outer: while (i < layout.length) {
    for (const [token, render] of tokens) {
      if (layout.startsWith(token, i)) {
        out += render();
        i += token.length;
        continue outer;
      }
    }
    out += layout[i];
    i++;
  }
  return out;
}

function toDate(v: unknown): Date {
  // sprig formats time.Time and unix seconds; anything else (a string) formats "now".
  if (v instanceof Date) return v;
  if (typeof v === 'number') return new Date(v * 1000);
  return new Date();
}

function toList(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v === null || v === undefined) return [];
  return [v];
}

function b64decode(s: string): string {
  return Buffer.from(s, 'base64').toString('utf8');
}

function sortedKeys(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, (value as Record<string, unknown>)[k]]),
  );
}

export const sprigFunctions: Record<string, Fn> = {
  // strings
  trim: (s) => toGoString(s).trim(),
  trimAll: (cut, s) => {
    const chars = [...toGoString(cut)];
    let str = toGoString(s);
    while (str && chars.includes(str[0]!)) str = str.slice(1);
    while (str && chars.includes(str[str.length - 1]!)) str = str.slice(0, -1);
    return str;
  },
  trimPrefix: (p, s) =>
    toGoString(s).startsWith(toGoString(p))
      ? toGoString(s).slice(toGoString(p).length)
      : toGoString(s),
  trimSuffix: (p, s) =>
    toGoString(p) && toGoString(s).endsWith(toGoString(p))
      ? toGoString(s).slice(0, -toGoString(p).length)
      : toGoString(s),
  upper: (s) => toGoString(s).toUpperCase(),
  lower: (s) => toGoString(s).toLowerCase(),
  title: (s) => toGoString(s).replace(/\b\p{L}/gu, (c) => c.toUpperCase()),
  replace: (old, neu, s) => toGoString(s).split(toGoString(old)).join(toGoString(neu)),
  substr: (start, end, s) => {
    const str = toGoString(s);
    const a = toInt(start);
    const b = toInt(end);
    if (a < 0) return str.slice(0, b);
    if (b < 0 || b > str.length) return str.slice(a);
    return str.slice(a, b);
  },
  trunc: (n, s) => {
    const c = toInt(n);
    const str = toGoString(s);
    return c < 0 ? str.slice(Math.max(0, str.length + c)) : str.slice(0, c);
  },
  contains: (sub, s) => toGoString(s).includes(toGoString(sub)),
  hasPrefix: (p, s) => toGoString(s).startsWith(toGoString(p)),
  hasSuffix: (p, s) => toGoString(s).endsWith(toGoString(p)),
  repeat: (n, s) => toGoString(s).repeat(Math.max(0, toInt(n))),
  cat: (...args) =>
    args
      .filter((a) => a !== null && a !== undefined)
      .map(toGoString)
      .join(' '),
  quote: (...args) => args.map((a) => JSON.stringify(toGoString(a))).join(' '),
  squote: (...args) => args.map((a) => `'${toGoString(a)}'`).join(' '),
  indent: (n, s) => toGoString(s).replace(/^/gm, ' '.repeat(toInt(n))),
  nindent: (n, s) => `\n${toGoString(s).replace(/^/gm, ' '.repeat(toInt(n)))}`,
  split: (sep, s) =>
    Object.fromEntries(
      toGoString(s)
        .split(toGoString(sep))
        .map((p, i) => [`_${i}`, p]),
    ),
  splitList: (sep, s) => toGoString(s).split(toGoString(sep)),
  join: (sep, list) => toList(list).map(toGoString).join(toGoString(sep)),
  toString: (v: unknown) => toGoString(v),
  toStrings: (v) => toList(v).map(toGoString),
  regexMatch: (re, s) => new RegExp(toGoString(re)).test(toGoString(s)),
  regexFind: (re, s) => new RegExp(toGoString(re)).exec(toGoString(s))?.[0] ?? '',
  regexReplaceAll: (re, s, repl) =>
    toGoString(s).replace(
      new RegExp(toGoString(re), 'g'),
      toGoString(repl).replace(/\$\{?(\d+)\}?/g, '$$$1'),
    ),
  // encodings
  b64enc: (s) => Buffer.from(toGoString(s), 'utf8').toString('base64'),
  b64dec: (s) => b64decode(toGoString(s)),
  // Go's encoding/json writes map keys sorted.
  toJson: (v) => JSON.stringify(v ?? null, sortedKeys),
  toPrettyJson: (v) => JSON.stringify(v ?? null, sortedKeys, 2),
  fromJson: (s) => {
    try {
      return JSON.parse(toGoString(s)) as unknown;
    } catch {
      return {};
    }
  },
  // defaults
  default: (d, v) => (isEmpty(v) ? d : v),
  empty: (v) => isEmpty(v),
  coalesce: (...args) => args.find((a) => !isEmpty(a)) ?? null,
  ternary: (a, b, cond) => (cond === true ? a : b),
  // numbers
  atoi: (s) => toInt(s),
  int: (v) => toInt(v),
  int64: (v) => toInt(v),
  float64: (v) => toNumber(v),
  add: (...args) => args.reduce<number>((sum, a) => sum + toInt(a), 0),
  add1: (a) => toInt(a) + 1,
  sub: (a, b) => toInt(a) - toInt(b),
  mul: (...args) => args.reduce<number>((p, a) => p * toInt(a), 1),
  div: (a, b) => Math.trunc(toInt(a) / toInt(b)),
  mod: (a, b) => toInt(a) % toInt(b),
  max: (...args) => Math.max(...args.map(toInt)),
  min: (...args) => Math.min(...args.map(toInt)),
  floor: (v) => Math.floor(toNumber(v)),
  ceil: (v) => Math.ceil(toNumber(v)),
  round: (v, p) => {
    const f = 10 ** toInt(p ?? 0);
    return Math.round(toNumber(v) * f) / f;
  },
  // lists and dicts
  list: (...args) => args,
  first: (l) => toList(l)[0] ?? null,
  last: (l) => toList(l).at(-1) ?? null,
  rest: (l) => toList(l).slice(1),
  initial: (l) => toList(l).slice(0, -1),
  uniq: (l) => [...new Set(toList(l))],
  has: (needle, l) => toList(l).includes(needle),
  dict: (...args) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i + 1 < args.length; i += 2) out[toGoString(args[i])] = args[i + 1];
    return out;
  },
  get: (d, k) =>
    d && typeof d === 'object' ? ((d as Record<string, unknown>)[toGoString(k)] ?? '') : '',
  hasKey: (d, k) => Boolean(d && typeof d === 'object' && toGoString(k) in (d as object)),
  keys: (...dicts) => dicts.flatMap((d) => Object.keys((d ?? {}) as object)),
  // dates
  date: (layout, v) => formatGoDate(toGoString(layout), toDate(v)),
  now: () => new Date(),
  unixEpoch: (d) => String(Math.floor(toDate(d).getTime() / 1000)),
};
