/**
 * GJSON paths (read) and SJSON paths (write) as Argo Events evaluates them with
 * github.com/tidwall/gjson and github.com/tidwall/sjson: data filters (`path: body.ref`),
 * expression filter fields, trigger parameter sources (`dataKey: body.repository.clone_url`) and
 * destinations (`dest: spec.arguments.parameters.0.value`).
 *
 * gjson scans JSON text; we walk parsed values, so a few things read differently on purpose:
 * `raw` is always compact JSON (gjson hands back the source text, whitespace included), object
 * members come in JavaScript key order (integer-like keys first), and `@pretty` / `@ugly` only
 * matter through `sortKeys`. Literals `!nan` / `!inf` have no JSON value and read as missing.
 *
 * Read: keys, indexes, `\` escapes, `*` / `?` wildcards, `#`, `#.path`, queries `#(...)` and
 * `#(...)#` (==, =, !=, <, <=, >, >=, %, !%, `~true` / `~false` / `~null` / `~*`, nested queries,
 * the old `#[...]` form), `|` versus `.`, modifiers (@this, @reverse, @keys, @values, @flatten,
 * @join, @group, @dig, @tostr, @fromstr, @valid, @ugly, @pretty), multipaths `[a,b]` / `{a,"k":b}`,
 * literals `!true` / `!"text"` / `!{...}` and JSON-lines `..` (the document is one line).
 *
 * Write follows sjson: a simple path (no `| # @ * ?`) creates what is missing — a numeric or `-1`
 * part makes an array, anything else an object, `:1` forces an object key — pads arrays with
 * null, appends with `-1`, and replaces a scalar standing in the way with a new container. A
 * complex path only replaces values it finds, like sjson's setComplexPath.
 */

export type GjsonType = 'Null' | 'False' | 'Number' | 'String' | 'True' | 'JSON';

export interface GjsonResult {
  /** Exists(): false for a missing path. */
  exists: boolean;
  /** Type.String(); 'Null' for a missing path. */
  type: GjsonType;
  /** Value(): a copy of the JSON value; null for a missing path. */
  value: unknown;
  /** Raw: compact JSON text of the value; '' for a missing path. */
  raw: string;
  /** String(): strings unquoted, numbers as Go prints them, '' for null, raw JSON otherwise. */
  str: string;
}

export class GjsonPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GjsonPathError';
  }
}

/** gjson.Get on a parsed document. Never throws: a path that finds nothing is `exists: false`. */
export function gjsonGet(document: unknown, path: string): GjsonResult {
  return toResult(get(document === undefined ? MISSING : document, path));
}

/**
 * sjson.Set: returns a new document with `value` at `path`; the input is left untouched
 * (unchanged subtrees are shared). `value` is copied as JSON, as sjson marshals it.
 */
export function sjsonSet(document: unknown, path: string, value: unknown): unknown {
  return setValue(document, path, toJsonValue(value, path));
}

/** sjson.SetRaw: like sjsonSet with the value given as JSON text. */
export function sjsonSetRaw(document: unknown, path: string, rawJson: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(rawJson);
  } catch (error) {
    throw new Error(
      `sjson raw value for path "${path}" is not valid JSON (${(error as Error).message}): ` +
        `give JSON text such as {"a":1}, "text" or 42, or set a plain value with sjsonSet`,
    );
  }
  return setValue(document, path, value);
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/** Nothing there: gjson's empty Result, and the empty document sjson starts from. */
const MISSING: unique symbol = Symbol('missing');

type JsonObject = Record<string, unknown>;
type Loc = readonly (string | number)[];

/**
 * A value found by a path. `loc` says where it sits in the document the walk started from (null
 * for computed values: counts, modifier output, piped results); `locs` does the same for each
 * element of a `#.path` or `#(...)#` result. sjson's complex set writes through them, as it
 * writes through gjson's Index / Indexes.
 */
interface Hit {
  value: unknown;
  loc: Loc | null;
  locs?: readonly Loc[] | null;
}

/** The part after a `|` applies to the whole result, once the walk is over. */
interface Ctx {
  pipe: string | null;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isContainer(value: unknown): value is JsonObject | unknown[] {
  return typeof value === 'object' && value !== null;
}

/** Arrays from code may have holes; JSON has none, so a hole reads as null (as it prints). */
function at(array: readonly unknown[], index: number): unknown {
  const value = array[index];
  return value === undefined ? null : value;
}

function computed(hit: Hit | null): Hit | null {
  return hit ? { value: hit.value, loc: null } : null;
}

function rebase(hit: Hit | null, prefix: Loc): Hit | null {
  if (!hit) return null;
  return {
    value: hit.value,
    loc: hit.loc ? [...prefix, ...hit.loc] : null,
    locs: hit.locs ? hit.locs.map((loc) => [...prefix, ...loc]) : hit.locs,
  };
}

function allLocs(locs: readonly (Loc | null)[]): Loc[] | null {
  return locs.every((loc) => loc !== null) ? (locs as Loc[]) : null;
}

/** gjson.Get. */
function get(node: unknown, path: string): Hit | null {
  if (path.length > 1) {
    const first = path.charAt(0);
    if (first === '@' || first === '!') {
      const step = first === '@' ? runModifier(node, path) : readLiteral(path);
      if (step) {
        if (step.rest.startsWith('|') || step.rest.startsWith('.')) {
          return computed(get(step.value, step.rest.slice(1)));
        }
        return step.value === MISSING ? null : { value: step.value, loc: null };
      }
    }
    if (first === '[' || first === '{') {
      const sub = parseSubSelectors(path);
      if (sub && (sub.rest === '' || sub.rest.startsWith('|') || sub.rest.startsWith('.'))) {
        const built = buildMultipath(node, first, sub.selectors);
        if (sub.rest === '') return { value: built, loc: null };
        return computed(get(built, sub.rest.slice(1)));
      }
    }
  }
  const ctx: Ctx = { pipe: null };
  let hit: Hit | null = null;
  if (path.startsWith('..')) {
    // JSON lines: gjson reads the text as an array of documents; ours is one document.
    hit = computed(walkArray(node === MISSING ? [] : [node], path.slice(2), ctx, []));
  } else if (isObject(node)) hit = walkObject(node, path, ctx, []);
  else if (Array.isArray(node)) hit = walkArray(node, path, ctx, []);
  if (ctx.pipe !== null) return computed(get(hit ? hit.value : MISSING, ctx.pipe));
  return hit;
}

function descend(value: unknown, path: string, ctx: Ctx, loc: Loc): Hit | null {
  if (isObject(value)) return walkObject(value, path, ctx, loc);
  if (Array.isArray(value)) return walkArray(value, path, ctx, loc);
  return null;
}

interface ObjectPath {
  part: string;
  path: string;
  pipe: string | null;
  wild: boolean;
  more: boolean;
}

/** gjson parseObjectPath: one key, unescaped, and what follows it. */
function parseObjectPath(path: string): ObjectPath {
  let part = '';
  let wild = false;
  for (let i = 0; i < path.length; i++) {
    const c = path.charAt(i);
    if (c === '\\') {
      i++;
      if (i < path.length) part += path.charAt(i);
      continue;
    }
    if (c === '|') return { part, path: '', pipe: path.slice(i + 1), wild, more: false };
    if (c === '.') {
      const rest = path.slice(i + 1);
      // `a.@reverse`, `a.[b,c]` and `a.{b}` act as pipes: the modifier sees the whole value.
      if (rest.length > 0 && isDotPiperChar(rest)) {
        return { part, path: '', pipe: rest, wild, more: false };
      }
      return { part, path: rest, pipe: null, wild, more: true };
    }
    if (c === '*' || c === '?') wild = true;
    part += c;
  }
  return { part, path: '', pipe: null, wild, more: false };
}

function isDotPiperChar(rest: string): boolean {
  const c = rest.charAt(0);
  if (c === '@') {
    let i = 1;
    while (i < rest.length && !'.|:'.includes(rest.charAt(i))) i++;
    return MODIFIERS.has(rest.slice(1, i));
  }
  return c === '[' || c === '{';
}

function walkObject(obj: JsonObject, path: string, ctx: Ctx, base: Loc): Hit | null {
  const rp = parseObjectPath(path);
  if (!rp.more && rp.pipe !== null) ctx.pipe = rp.pipe;
  const keys = rp.wild
    ? Object.keys(obj).filter((key) => wildcardMatch(key, rp.part))
    : Object.hasOwn(obj, rp.part)
      ? [rp.part]
      : [];
  for (const key of keys) {
    const value = obj[key];
    if (value === undefined) continue;
    const loc = [...base, key];
    if (!rp.more) return { value, loc };
    // A wildcard key that leads nowhere lets the next matching key try, as gjson's scan does.
    const hit = descend(value, rp.path, ctx, loc);
    if (hit) return hit;
  }
  return null;
}

interface Query {
  path: string;
  op: string;
  value: string;
  all: boolean;
}

interface ArrayPath {
  part: string;
  path: string;
  pipe: string | null;
  more: boolean;
  /** The part holds a `#`: a count, a `#.path` map or a query, never an index. */
  arrch: boolean;
  /** The path after `#.`, when the part is a map over the elements. */
  alogKey: string | null;
  query: Query | null;
}

/** gjson parseArrayPath (no `\` escapes here, as in gjson). */
function parseArrayPath(path: string): ArrayPath {
  const r: ArrayPath = {
    part: path,
    path: '',
    pipe: null,
    more: false,
    arrch: false,
    alogKey: null,
    query: null,
  };
  for (let i = 0; i < path.length; i++) {
    const c = path.charAt(i);
    if (c === '|') {
      r.part = path.slice(0, i);
      r.pipe = path.slice(i + 1);
      return r;
    }
    if (c === '.') {
      r.part = path.slice(0, i);
      const rest = path.slice(i + 1);
      if (!r.arrch && rest.length > 0 && isDotPiperChar(rest)) r.pipe = rest;
      else {
        r.path = rest;
        r.more = true;
      }
      return r;
    }
    if (c !== '#') continue;
    r.arrch = true;
    if (i !== 0 || path.length < 2) continue;
    const next = path.charAt(1);
    if (next === '.') r.alogKey = path.slice(2);
    else if (next === '(' || next === '[') {
      // gjson keeps going with an empty query when the brackets do not balance.
      r.query = { path: '', op: '', value: '', all: false };
      const q = parseQuery(path);
      if (!q) break;
      let value = q.value;
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
        value = value.slice(1, -1);
        if (q.escaped) value = unescapeJson(value);
      }
      r.query = { path: q.path, op: q.op, value, all: path.charAt(q.end) === '#' };
      i = q.end - 1;
    }
  }
  return r;
}

interface ParsedQuery {
  path: string;
  op: string;
  value: string;
  /** Index just past the closing bracket. */
  end: number;
  escaped: boolean;
}

/** gjson parseQuery: `#(path op value)` -> path, op, value. */
function parseQuery(query: string): ParsedQuery | null {
  let i = 2;
  let j = 0;
  let depth = 1;
  let escaped = false;
  for (; i < query.length; i++) {
    const c = query.charAt(i);
    if (depth === 1 && j === 0 && '!=<>%'.includes(c)) {
      j = i;
      continue;
    }
    if (c === '\\') i++;
    else if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') {
      depth--;
      if (depth === 0) break;
    } else if (c === '"') {
      for (i++; i < query.length; i++) {
        if (query.charAt(i) === '\\') {
          escaped = true;
          i++;
        } else if (query.charAt(i) === '"') break;
      }
    }
  }
  if (depth > 0) return null;
  if (j === 0) return { path: trim(query.slice(2, i)), op: '', value: '', end: i + 1, escaped };
  let value = trim(query.slice(j, i));
  const two = value.slice(0, 2);
  let size = 0;
  if (value.length === 1) size = 1;
  else if (two === '!=' || two === '!%' || two === '<=' || two === '>=') size = 2;
  else if (two === '==') {
    value = value.slice(1);
    size = 1;
  } else if ('<>=%'.includes(value.charAt(0))) size = 1;
  return {
    path: trim(query.slice(2, j)),
    op: value.slice(0, size),
    value: trim(value.slice(size)),
    end: i + 1,
    escaped,
  };
}

/** Go's trim in gjson: drops bytes up to and including space at both ends. */
function trim(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) <= 32) start++;
  while (end > start && s.charCodeAt(end - 1) <= 32) end--;
  return s.slice(start, end);
}

function walkArray(arr: readonly unknown[], path: string, ctx: Ctx, base: Loc): Hit | null {
  const rp = parseArrayPath(path);
  if (!rp.more && rp.pipe !== null) ctx.pipe = rp.pipe;
  if (rp.query) return runQuery(arr, rp, rp.query, ctx, base);
  if (!rp.arrch) {
    const index = parseUint(rp.part);
    if (index === null || index >= arr.length) return null;
    const loc = [...base, index];
    return rp.more ? descend(at(arr, index), rp.path, ctx, loc) : { value: at(arr, index), loc };
  }
  if (rp.part !== '#') return null;
  if (rp.alogKey === null) return { value: arr.length, loc: null };
  let key = rp.alogKey;
  const split = splitPossiblePipe(key);
  if (split) {
    key = split.left;
    ctx.pipe = split.right;
  }
  const values: unknown[] = [];
  const locs: (Loc | null)[] = [];
  for (let i = 0; i < arr.length; i++) {
    const hit = get(at(arr, i), key);
    if (!hit) continue;
    values.push(hit.value);
    locs.push(hit.loc ? [...base, i, ...hit.loc] : null);
  }
  return { value: values, loc: null, locs: allLocs(locs) };
}

function runQuery(
  arr: readonly unknown[],
  rp: ArrayPath,
  query: Query,
  ctx: Ctx,
  base: Loc,
): Hit | null {
  let rest = rp.path;
  const values: unknown[] = [];
  const locs: (Loc | null)[] = [];
  for (let i = 0; i < arr.length; i++) {
    const element = at(arr, i);
    let probe: unknown = element;
    if (isContainer(element)) {
      const hit = get(element, query.path);
      probe = hit ? hit.value : MISSING;
    } else if (query.path !== '') continue;
    if (!queryMatches(query, probe)) continue;
    let out: Hit | null = { value: element, loc: [...base, i] };
    if (rp.more) {
      const split = splitPossiblePipe(rest);
      if (split) {
        rest = split.left;
        ctx.pipe = split.right;
      }
      out = rebase(get(element, rest), [...base, i]);
    }
    // The first match decides, even when the path after it finds nothing.
    if (!query.all) return out;
    if (out) {
      values.push(out.value);
      locs.push(out.loc);
    }
  }
  return query.all ? { value: values, loc: null, locs: allLocs(locs) } : null;
}

function queryMatches(query: Query, input: unknown): boolean {
  let want = query.value;
  let value = input;
  if (want.startsWith('~')) {
    const ish = tildeIsh(want.slice(1), value);
    want = ish === null ? '' : 'true';
    value = ish === null ? MISSING : ish;
  }
  if (value === MISSING) return false;
  if (query.op === '') return true;
  if (typeof value === 'string') {
    const order = compareCodePoints(value, want);
    switch (query.op) {
      case '=':
        return value === want;
      case '!=':
        return value !== want;
      case '<':
        return order < 0;
      case '<=':
        return order <= 0;
      case '>':
        return order > 0;
      case '>=':
        return order >= 0;
      case '%':
        return wildcardMatch(value, want);
      case '!%':
        return !wildcardMatch(value, want);
    }
    return false;
  }
  if (typeof value === 'number') {
    const n = goParseFloat(want);
    switch (query.op) {
      case '=':
        return value === n;
      case '!=':
        return value !== n;
      case '<':
        return value < n;
      case '<=':
        return value <= n;
      case '>':
        return value > n;
      case '>=':
        return value >= n;
    }
    return false;
  }
  if (value === true) {
    switch (query.op) {
      case '=':
        return want === 'true';
      case '!=':
        return want !== 'true';
      case '>':
        return want === 'false';
      case '>=':
        return true;
    }
    return false;
  }
  if (value === false) {
    switch (query.op) {
      case '=':
        return want === 'false';
      case '!=':
        return want !== 'false';
      case '<':
        return want === 'true';
      case '<=':
        return true;
    }
  }
  return false;
}

/** The `~` conversions: `~true`, `~false`, `~null` (missing counts), `~*` (exists). */
function tildeIsh(kind: string, value: unknown): boolean | null {
  switch (kind) {
    case '*':
      return value !== MISSING;
    case 'null':
      return value === null || value === MISSING;
    case 'true':
      if (typeof value === 'string') return parseGoBool(value.toLowerCase()) === true;
      if (typeof value === 'number') return value !== 0;
      return value === true;
    case 'false':
      if (typeof value === 'string') return parseGoBool(value.toLowerCase()) === false;
      if (typeof value === 'number') return value === 0;
      return value === false || value === null || value === MISSING;
  }
  return null;
}

/** strconv.ParseBool. */
function parseGoBool(s: string): boolean | null {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return null;
}

/** gjson's Result.Bool(), for modifier options. */
function goBool(value: unknown): boolean {
  if (typeof value === 'string') return parseGoBool(value.toLowerCase()) === true;
  if (typeof value === 'number') return value !== 0;
  return value === true;
}

/** strconv.ParseFloat as gjson uses it: a number, or 0 when the text is not one. */
function goParseFloat(s: string): number {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s);
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(s);
  if (special) {
    if (special[2]!.toLowerCase() === 'nan') return NaN;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  return 0;
}

/** Go compares strings byte by byte, which for UTF-8 is code point order. */
function compareCodePoints(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(j)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  if (i < a.length) return 1;
  return j < b.length ? -1 : 0;
}

/**
 * tidwall/match: `*` any run, `?` any one character, `\c` the character c. Greedy with one
 * backtrack point, so no pattern can blow up (gjson caps its recursive matcher for the same
 * reason).
 */
function wildcardMatch(str: string, pattern: string): boolean {
  if (pattern === '*') return true;
  const tokens: ({ kind: 'star' } | { kind: 'one' } | { kind: 'char'; char: string })[] = [];
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '*') tokens.push({ kind: 'star' });
    else if (c === '?') tokens.push({ kind: 'one' });
    else if (c === '\\') {
      i++;
      if (i >= chars.length) return false;
      tokens.push({ kind: 'char', char: chars[i]! });
    } else tokens.push({ kind: 'char', char: c });
  }
  const text = Array.from(str);
  let t = 0;
  let p = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const token = tokens[p];
    if (token && (token.kind === 'one' || (token.kind === 'char' && token.char === text[t]))) {
      t++;
      p++;
    } else if (token && token.kind === 'star') {
      starP = p++;
      starT = t;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else return false;
  }
  while (tokens[p]?.kind === 'star') p++;
  return p === tokens.length;
}

/** gjson's unescape of a quoted query value: stops at the first thing it cannot read. */
function unescapeJson(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i);
    if (c < ' ') return out;
    if (c !== '\\') {
      out += c;
      continue;
    }
    i++;
    if (i >= s.length) return out;
    const e = s.charAt(i);
    const simple: Record<string, string> = {
      '\\': '\\',
      '/': '/',
      b: '\b',
      f: '\f',
      n: '\n',
      r: '\r',
      t: '\t',
      '"': '"',
    };
    if (e in simple) {
      out += simple[e];
      continue;
    }
    if (e !== 'u' || i + 5 > s.length) return out;
    let code = hex4(s.slice(i + 1, i + 5));
    i += 4;
    if (code >= 0xd800 && code <= 0xdfff) {
      const low = s.slice(i + 1, i + 3) === '\\u' ? hex4(s.slice(i + 3, i + 7)) : -1;
      if (code < 0xdc00 && low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        i += 6;
      } else code = 0xfffd;
    }
    out += String.fromCodePoint(code);
  }
  return out;
}

function hex4(s: string): number {
  return /^[0-9a-fA-F]{4}$/.test(s) ? parseInt(s, 16) : 0;
}

function parseUint(s: string): number | null {
  return /^\d+$/.test(s) ? Number(s) : null;
}

/** gjson splitPossiblePipe: split `a.b|c` at a `|` that is not inside a query. */
function splitPossiblePipe(path: string): { left: string; right: string } | null {
  if (!path.includes('|')) return null;
  if (path.startsWith('{')) {
    const squashed = squash(path.slice(1));
    if (squashed.length < path.length - 1) {
      const left = path.slice(0, squashed.length + 1);
      const remain = path.slice(left.length);
      if (remain.startsWith('|')) return { left, right: remain.slice(1) };
    }
    return null;
  }
  for (let i = 0; i < path.length; i++) {
    const c = path.charAt(i);
    if (c === '\\') i++;
    else if (c === '|') return { left: path.slice(0, i), right: path.slice(i + 1) };
    else if (c === '.') {
      if (i === path.length - 1) return null;
      if (path.charAt(i + 1) !== '#') continue;
      i += 2;
      if (i === path.length) return null;
      const open = path.charAt(i);
      if (open !== '[' && open !== '(') continue;
      const close = open === '[' ? ']' : ')';
      let depth = 1;
      for (i++; i < path.length; i++) {
        const d = path.charAt(i);
        if (d === '\\') i++;
        else if (d === open) depth++;
        else if (d === close) {
          depth--;
          if (depth === 0) break;
        } else if (d === '"') {
          for (i++; i < path.length; i++) {
            if (path.charAt(i) === '\\') i++;
            else if (path.charAt(i) === '"') break;
          }
        }
      }
    }
  }
  return null;
}

/**
 * gjson squash: the text of the value (or bracketed group) the string starts with. The first
 * character opens a group unless it is a quote.
 */
function squash(json: string): string {
  let i = 0;
  let depth = 0;
  if (json.charAt(0) !== '"') {
    i = 1;
    depth = 1;
  }
  for (; i < json.length; i++) {
    const c = json.charAt(i);
    if (c === '"') {
      i++;
      const start = i;
      for (; i < json.length; i++) {
        if (json.charAt(i) !== '"') continue;
        let slashes = 0;
        for (let j = i - 1; j >= start && json.charAt(j) === '\\'; j--) slashes++;
        if (slashes % 2 === 0) break;
      }
      if (depth === 0) return i >= json.length ? json : json.slice(0, i + 1);
    } else if (c === '{' || c === '[' || c === '(') depth++;
    else if (c === '}' || c === ']' || c === ')') {
      depth--;
      if (depth === 0) return json.slice(0, i + 1);
    }
  }
  return json;
}

// --- modifiers -------------------------------------------------------------------------------

type Modifier = (node: unknown, arg: string) => unknown;

function withKey(obj: JsonObject, key: string, value: unknown): JsonObject {
  // Spread and computed keys define own properties, so `__proto__` stays a plain key.
  return { ...obj, [key]: value };
}

function optionFlag(arg: string, name: string): boolean {
  if (arg === '') return false;
  try {
    const options: unknown = JSON.parse(arg);
    return isObject(options) && Object.hasOwn(options, name) && goBool(options[name]);
  } catch {
    return false;
  }
}

function flatten(arr: readonly unknown[], deep: boolean): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < arr.length; i++) {
    const element = at(arr, i);
    if (Array.isArray(element)) out.push(...(deep ? flatten(element, true) : element));
    else out.push(element);
  }
  return out;
}

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (!isObject(value)) return value;
  const keys = Object.keys(value).sort(compareCodePoints);
  return Object.fromEntries(keys.map((key) => [key, sortKeysDeep(value[key])]));
}

const MODIFIERS: ReadonlyMap<string, Modifier> = new Map<string, Modifier>([
  ['this', (node) => node],
  ['valid', (node) => node],
  // Raw is always compact here, so @ugly changes nothing and @pretty only sorts keys.
  ['ugly', (node) => node],
  ['pretty', (node, arg) => (optionFlag(arg, 'sortKeys') ? sortKeysDeep(node) : node)],
  [
    'reverse',
    (node) => {
      if (Array.isArray(node)) return [...node].reverse();
      if (isObject(node)) return Object.fromEntries(Object.entries(node).reverse());
      return node;
    },
  ],
  ['flatten', (node, arg) => (Array.isArray(node) ? flatten(node, optionFlag(arg, 'deep')) : node)],
  [
    'join',
    (node, arg) => {
      if (!Array.isArray(node)) return node;
      // With "preserve" gjson keeps duplicate keys in Raw and Value() reads the first.
      const preserve = optionFlag(arg, 'preserve');
      let out: JsonObject = {};
      for (const element of node) {
        if (!isObject(element)) continue;
        for (const [key, value] of Object.entries(element)) {
          if (!preserve || !Object.hasOwn(out, key)) out = withKey(out, key, value);
        }
      }
      return out;
    },
  ],
  [
    'keys',
    (node) => {
      if (node === MISSING) return [];
      if (isObject(node)) return Object.keys(node);
      return Array.isArray(node) ? node.map(() => null) : [null];
    },
  ],
  [
    'values',
    (node) => {
      if (node === MISSING) return [];
      if (isObject(node)) return Object.values(node);
      return Array.isArray(node) ? node : [node];
    },
  ],
  ['tostr', (node) => (node === MISSING ? '' : JSON.stringify(node))],
  [
    'fromstr',
    (node) => {
      if (node === MISSING || node === null) return MISSING;
      if (typeof node !== 'string') return node;
      try {
        return JSON.parse(node) as unknown;
      } catch {
        return MISSING;
      }
    },
  ],
  [
    'group',
    (node) => {
      if (!isObject(node)) return MISSING;
      const rows: JsonObject[] = [];
      for (const [key, value] of Object.entries(node)) {
        if (!Array.isArray(value)) continue;
        value.forEach((_, index) => {
          rows[index] = withKey(rows[index] ?? {}, key, at(value, index));
        });
      }
      return rows;
    },
  ],
  [
    'dig',
    (node, arg) => {
      const found: unknown[] = [];
      const visit = (value: unknown): void => {
        const hit = get(value, arg);
        if (hit) found.push(hit.value);
        if (isContainer(value)) {
          for (const child of Object.values(value)) if (child !== undefined) visit(child);
        }
      };
      if (node !== MISSING) visit(node);
      return found;
    },
  ],
]);

/** gjson execModifier: `@name`, `@name:arg`, then the rest of the path. */
function runModifier(node: unknown, path: string): { rest: string; value: unknown } | null {
  let name = path.slice(1);
  let rest = '';
  let hasArgs = false;
  for (let i = 1; i < path.length; i++) {
    const c = path.charAt(i);
    if (c === ':') {
      rest = path.slice(i + 1);
      name = path.slice(1, i);
      hasArgs = rest.length > 0;
      break;
    }
    if (c === '|' || c === '.') {
      rest = path.slice(i);
      name = path.slice(1, i);
      break;
    }
  }
  const modifier = MODIFIERS.get(name);
  // An unknown `@name` is an ordinary key, as in `@context.@vocab`.
  if (!modifier) return null;
  let arg = '';
  if (hasArgs) {
    if ('{["'.includes(rest.charAt(0))) arg = squash(rest);
    else {
      let i = 0;
      for (; i < rest.length && rest.charAt(i) !== '|'; i++) {
        if ('{["('.includes(rest.charAt(i))) i += squash(rest.slice(i)).length - 1;
      }
      arg = rest.slice(0, i);
    }
    rest = rest.slice(arg.length);
  }
  return { rest, value: modifier(node, arg) };
}

/** gjson execStatic: `!true`, `!"text"`, `!{"a":1}`, `!42`. */
function readLiteral(path: string): { rest: string; value: unknown } | null {
  const body = path.slice(1);
  const lead = body.charAt(0);
  if (lead === '{' || lead === '[') {
    const text = squash(body);
    return { rest: body.slice(text.length), value: parseJsonOr(text) };
  }
  // gjson takes the rest of the path as the literal for strings and numbers.
  if (lead === '"') return { rest: '', value: parseJsonOr(squash(body)) };
  if ('+-0123456789'.includes(lead)) {
    const n = goParseFloat(/^[^\s,\]}]*/.exec(body)![0]);
    return { rest: '', value: Number.isFinite(n) ? n : MISSING };
  }
  let name = body;
  let rest = '';
  for (let i = 1; i < path.length; i++) {
    const c = path.charAt(i);
    if (c === '|' || c === '.') {
      name = path.slice(1, i);
      rest = path.slice(i);
      break;
    }
  }
  if (!['true', 'false', 'null', 'nan', 'inf'].includes(name.toLowerCase())) return null;
  const named: Record<string, unknown> = { true: true, false: false, null: null };
  // gjson parses the name as written: `!TRUE` finds nothing, `!nan` / `!inf` have no JSON form.
  return { rest, value: Object.hasOwn(named, name) ? named[name] : MISSING };
}

function parseJsonOr(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return MISSING;
  }
}

// --- multipaths ------------------------------------------------------------------------------

interface Selector {
  name: string;
  path: string;
}

/** gjson parseSubSelectors: `[a,b]` or `{a,"k":b}` and the path after it. */
function parseSubSelectors(path: string): { selectors: Selector[]; rest: string } | null {
  const selectors: Selector[] = [];
  let modifier = 0;
  let depth = 1;
  let colon = 0;
  let start = 1;
  const push = (i: number): void => {
    selectors.push(
      colon === 0
        ? { name: '', path: path.slice(start, i) }
        : { name: path.slice(start, colon), path: path.slice(colon + 1, i) },
    );
    colon = 0;
    modifier = 0;
    start = i + 1;
  };
  for (let i = 1; i < path.length; i++) {
    const c = path.charAt(i);
    if (c === '\\') i++;
    else if (c === '@') {
      const before = path.charAt(i - 1);
      if (modifier === 0 && (before === '.' || before === '|')) modifier = i;
    } else if (c === ':') {
      if (modifier === 0 && colon === 0 && depth === 1) colon = i;
    } else if (c === ',') {
      if (depth === 1) push(i);
    } else if (c === '"') {
      for (i++; i < path.length; i++) {
        if (path.charAt(i) === '\\') i++;
        else if (path.charAt(i) === '"') break;
      }
    } else if ('[({'.includes(c)) depth++;
    else if (')]}'.includes(c)) {
      depth--;
      if (depth === 0) {
        push(i);
        return { selectors, rest: path.slice(i + 1) };
      }
    }
  }
  return null;
}

function buildMultipath(node: unknown, kind: string, selectors: readonly Selector[]): unknown {
  if (kind === '[') {
    const out: unknown[] = [];
    for (const selector of selectors) {
      const hit = get(node, selector.path);
      if (hit) out.push(hit.value);
    }
    return out;
  }
  let out: JsonObject = {};
  for (const selector of selectors) {
    const hit = get(node, selector.path);
    if (!hit) continue;
    const key = selectorKey(selector);
    // gjson writes duplicate keys into Raw; Value() and later paths read the first.
    if (!Object.hasOwn(out, key)) out = withKey(out, key, hit.value);
  }
  return out;
}

function selectorKey(selector: Selector): string {
  if (selector.name !== '') {
    if (selector.name.startsWith('"')) {
      const parsed = parseJsonOr(selector.name);
      if (typeof parsed === 'string') return parsed;
    }
    return selector.name;
  }
  const last = nameOfLast(selector.path);
  return isSimpleName(last) ? last : '_';
}

function nameOfLast(path: string): string {
  for (let i = path.length - 1; i >= 0; i--) {
    const c = path.charAt(i);
    if ((c === '|' || c === '.') && !(i > 0 && path.charAt(i - 1) === '\\')) {
      return path.slice(i + 1);
    }
  }
  return path;
}

function isSimpleName(component: string): boolean {
  for (const c of component) if (c < ' ' || '[]{}()#|!'.includes(c)) return false;
  return true;
}

// --- results ---------------------------------------------------------------------------------

function toResult(hit: Hit | null): GjsonResult {
  const value = hit ? hit.value : MISSING;
  if (value === MISSING || value === undefined) {
    return { exists: false, type: 'Null', value: null, raw: '', str: '' };
  }
  if (value === null) return { exists: true, type: 'Null', value: null, raw: 'null', str: '' };
  if (value === true) return { exists: true, type: 'True', value, raw: 'true', str: 'true' };
  if (value === false) return { exists: true, type: 'False', value, raw: 'false', str: 'false' };
  if (typeof value === 'number') {
    return {
      exists: true,
      type: 'Number',
      value,
      raw: JSON.stringify(value),
      str: goNumber(value),
    };
  }
  if (typeof value === 'string') {
    return { exists: true, type: 'String', value, raw: JSON.stringify(value), str: value };
  }
  const raw = JSON.stringify(value);
  return { exists: true, type: 'JSON', value: JSON.parse(raw) as unknown, raw, str: raw };
}

/** strconv.FormatFloat(n, 'f', -1, 64): shortest digits, never an exponent. */
function goNumber(n: number): string {
  const s = String(n);
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const digits = m[2]! + (m[3] ?? '');
  const point = m[2]!.length + Number(m[4]);
  let body: string;
  if (point <= 0) body = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) body = digits + '0'.repeat(point - digits.length);
  else body = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return m[1]! + body;
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/**
 * sjson builds `a.100000000` by writing that many nulls; we refuse well before memory runs out.
 */
const MAX_ARRAY_PADDING = 100_000;

interface SetPart {
  /** The key with escapes removed. */
  key: string;
  /** The key as gjson looks it up (escapes kept), which decides whether an index exists. */
  lookup: string;
  /** `:123`: an object key even though it is numeric. */
  force: boolean;
}

function toJsonValue(value: unknown, path: string): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  let text: string | undefined;
  try {
    text = JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'number' && !Number.isFinite(v))
        throw new Error(`${v} is not a JSON number`);
      if (typeof v === 'bigint') throw new Error('a bigint is not a JSON number');
      return v;
    });
  } catch (error) {
    throw new Error(
      `sjson value for path "${path}" cannot be written as JSON: ${(error as Error).message}`,
    );
  }
  if (text === undefined) {
    throw new Error(`sjson value for path "${path}" (a ${typeof value}) cannot be written as JSON`);
  }
  return JSON.parse(text) as unknown;
}

function setValue(document: unknown, path: string, value: unknown): unknown {
  if (path === '') {
    throw new GjsonPathError(
      'sjson path is empty: name the field to set, e.g. "spec.arguments.parameters.0.value"',
    );
  }
  const parts = parseSetPath(path);
  const root = document === undefined ? MISSING : document;
  if (parts === null) return setComplex(document, root, path, value);
  return setParts(root, parts, 0, value, path);
}

/** sjson parsePath over the whole path; null when a part holds `| # @ * ?` (a complex path). */
function parseSetPath(path: string): SetPart[] | null {
  const parts: SetPart[] = [];
  let rest = path;
  for (;;) {
    const force = rest.startsWith(':');
    if (force) rest = rest.slice(1);
    let key = '';
    let lookup = '';
    let more = false;
    let i = 0;
    for (; i < rest.length; i++) {
      const c = rest.charAt(i);
      if (c === '.') {
        more = true;
        break;
      }
      if ('|#@*?'.includes(c)) return null;
      if (c === '\\') {
        lookup += c;
        i++;
        if (i < rest.length) {
          key += rest.charAt(i);
          lookup += rest.charAt(i);
        }
        continue;
      }
      key += c;
      lookup += c;
    }
    parts.push({ key, lookup, force });
    if (!more) return parts;
    rest = rest.slice(i + 1);
  }
}

/** sjson's atoui: digits only ('' counts as 0), never for a forced key. */
function partIndex(part: SetPart): number | null {
  if (part.force || !/^\d*$/.test(part.key)) return null;
  return part.key === '' ? 0 : Number(part.key);
}

function nulls(count: number, path: string): null[] {
  if (count > MAX_ARRAY_PADDING) {
    throw new GjsonPathError(
      `sjson path "${path}" would pad an array with ${count} nulls (limit ${MAX_ARRAY_PADDING}): ` +
        'use an index near the end of the array, or -1 to append',
    );
  }
  return new Array<null>(count).fill(null);
}

/** sjson appendRawPaths on parsed values: walk what exists, build what does not. */
function setParts(
  node: unknown,
  parts: readonly SetPart[],
  k: number,
  value: unknown,
  path: string,
): unknown {
  const part = parts[k]!;
  const child = (current: unknown): unknown =>
    k === parts.length - 1 ? value : setParts(current, parts, k + 1, value, path);
  if (isObject(node) && Object.hasOwn(node, part.key) && node[part.key] !== undefined) {
    return withKey(node, part.key, child(node[part.key]));
  }
  if (Array.isArray(node)) {
    const index = parseUint(part.lookup);
    if (index !== null && index < node.length) {
      const copy = node.slice();
      copy[index] = child(at(node, index));
      return copy;
    }
  }
  const index = partIndex(part);
  // sjson replaces a scalar (or null) in the way with a new container, as for an empty document.
  const container: JsonObject | unknown[] = isContainer(node) ? node : index !== null ? [] : {};
  const built = buildParts(parts, k + 1, value, path);
  if (isObject(container)) return withKey(container, part.key, built);
  if (index !== null) {
    return [...container, ...nulls(Math.max(0, index - container.length), path), built];
  }
  if (!part.force && part.key === '-1') return [...container, built];
  const where = parts
    .slice(0, k)
    .map((p) => p.key)
    .join('.');
  throw new GjsonPathError(
    `sjson path "${path}": cannot set array element for non-numeric key "${part.key}" ` +
      `(the value at "${where || '(document)'}" is an array): use an index, or -1 to append`,
  );
}

/** sjson appendBuild: the value for the parts that do not exist yet. */
function buildParts(parts: readonly SetPart[], k: number, value: unknown, path: string): unknown {
  if (k >= parts.length) return value;
  const part = parts[k]!;
  const inner = buildParts(parts, k + 1, value, path);
  const index = partIndex(part);
  if (index !== null) return [...nulls(index, path), inner];
  if (!part.force && part.key === '-1') return [inner];
  return { [part.key]: inner };
}

/**
 * sjson setComplexPath: replace what the gjson path finds in the document (one value, or each
 * element of a `#.path` / `#(...)#` result); computed results and misses change nothing.
 */
function setComplex(document: unknown, root: unknown, path: string, value: unknown): unknown {
  const hit = get(root, path);
  if (!hit) return document;
  const locs = hit.loc ? [hit.loc] : (hit.locs ?? []);
  let out = document;
  locs.forEach((loc, i) => {
    if (loc.length === 0) return;
    // Each place gets its own copy, so the result never aliases one object twice.
    out = replaceAt(out, loc, 0, i === 0 || !isContainer(value) ? value : structuredClone(value));
  });
  return out;
}

function replaceAt(node: unknown, loc: Loc, k: number, value: unknown): unknown {
  if (k === loc.length) return value;
  const key = loc[k]!;
  if (Array.isArray(node) && typeof key === 'number') {
    const copy = node.slice();
    copy[key] = replaceAt(node[key], loc, k + 1, value);
    return copy;
  }
  if (isObject(node) && typeof key === 'string') {
    return withKey(node, key, replaceAt(node[key], loc, k + 1, value));
  }
  // Locations come from reading this same document, so the walk always finds its way.
  return node;
}
