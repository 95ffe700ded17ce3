/**
 * JSONPath as Argo's `jsonpath(json, path)` helper evaluates it (evilmonkeyinc/jsonpath):
 * `$.a.b`, `$['a']`, `$[0]`, `$[-1]`, `$[0:2]`, `$[*]`, `$..name`, and filters
 * `$[?(@.age > 42 && @.name == "x")]`. A path that selects one element gives that element; a
 * wildcard, slice, filter or deep scan gives a list.
 */

export class JsonPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonPathError';
  }
}

type Segment =
  | { kind: 'key'; key: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' }
  | { kind: 'slice'; start?: number; end?: number }
  | { kind: 'union'; keys: (string | number)[] }
  | { kind: 'filter'; expr: string }
  | { kind: 'deep'; key: string | null };

function parsePath(path: string): Segment[] {
  const p = path.trim();
  if (!p.startsWith('$')) throw new JsonPathError(`jsonpath "${path}" must start with $`);
  const segments: Segment[] = [];
  let i = 1;
  while (i < p.length) {
    if (p.startsWith('..', i)) {
      i += 2;
      const m = /^(\*|[\w-]+)/.exec(p.slice(i));
      segments.push({ kind: 'deep', key: m && m[1] !== '*' ? m[1]! : null });
      if (m) i += m[0].length;
      continue;
    }
    if (p[i] === '.') {
      i++;
      const m = /^(\*|[^.[]+)/.exec(p.slice(i));
      if (!m) throw new JsonPathError(`jsonpath "${path}": expected a name at ${i}`);
      segments.push(m[1] === '*' ? { kind: 'wildcard' } : { kind: 'key', key: m[1]! });
      i += m[0].length;
      continue;
    }
    if (p[i] === '[') {
      const end = matchingBracket(p, i);
      const inner = p.slice(i + 1, end).trim();
      i = end + 1;
      if (inner === '*') segments.push({ kind: 'wildcard' });
      else if (inner.startsWith('?(') && inner.endsWith(')'))
        segments.push({ kind: 'filter', expr: inner.slice(2, -1) });
      else if (/^-?\d*:-?\d*$/.test(inner)) {
        const [a, b] = inner.split(':');
        segments.push({
          kind: 'slice',
          start: a ? Number(a) : undefined,
          end: b ? Number(b) : undefined,
        });
      } else {
        const parts = inner.split(',').map((s) => s.trim());
        const keys = parts.map((s) =>
          /^-?\d+$/.test(s) ? Number(s) : s.replace(/^['"]|['"]$/g, ''),
        );
        if (keys.length === 1) {
          const k = keys[0]!;
          segments.push(
            typeof k === 'number' ? { kind: 'index', index: k } : { kind: 'key', key: k },
          );
        } else segments.push({ kind: 'union', keys });
      }
      continue;
    }
    throw new JsonPathError(`jsonpath "${path}": unexpected "${p[i]}" at ${i}`);
  }
  return segments;
}

function matchingBracket(p: string, open: number): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i < p.length; i++) {
    const c = p[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return i;
  }
  throw new JsonPathError(`jsonpath "${p}": unclosed [`);
}

function children(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v && typeof v === 'object') return Object.values(v);
  return [];
}

function deepCollect(v: unknown, key: string | null, out: unknown[]): void {
  if (v && typeof v === 'object' && !Array.isArray(v) && key !== null && key in v) {
    out.push((v as Record<string, unknown>)[key]);
  }
  for (const c of children(v)) {
    if (key === null) out.push(c);
    deepCollect(c, key, out);
  }
}

export function queryJsonPath(document: unknown, path: string): unknown {
  const segments = parsePath(path);
  let nodes: unknown[] = [document];
  let single = true;
  for (const seg of segments) {
    const next: unknown[] = [];
    for (const node of nodes) {
      switch (seg.kind) {
        case 'key':
          if (node && typeof node === 'object' && !Array.isArray(node) && seg.key in node) {
            next.push((node as Record<string, unknown>)[seg.key]);
          }
          break;
        case 'index':
          if (Array.isArray(node)) {
            const v = node.at(seg.index);
            if (v !== undefined) next.push(v);
          }
          break;
        case 'wildcard':
          next.push(...children(node));
          break;
        case 'slice':
          if (Array.isArray(node)) next.push(...node.slice(seg.start ?? 0, seg.end ?? node.length));
          break;
        case 'union':
          for (const k of seg.keys) {
            if (typeof k === 'number' && Array.isArray(node) && node.at(k) !== undefined)
              next.push(node.at(k));
            if (typeof k === 'string' && node && typeof node === 'object' && k in node) {
              next.push((node as Record<string, unknown>)[k]);
            }
          }
          break;
        case 'filter':
          for (const c of children(node)) if (filterMatches(seg.expr, c)) next.push(c);
          break;
        case 'deep':
          deepCollect(node, seg.key, next);
          break;
      }
    }
    if (seg.kind !== 'key' && seg.kind !== 'index') single = false;
    nodes = next;
  }
  if (single) {
    if (nodes.length === 0) throw new JsonPathError(`jsonpath "${path}": nothing found`);
    return nodes[0];
  }
  return nodes;
}

/** A filter: comparisons of `@.path` with literals, joined by && and ||, `!` and parentheses. */
function filterMatches(expr: string, item: unknown): boolean {
  const tokens =
    expr.match(
      /@[\w.[\]'"-]*|"[^"]*"|'[^']*'|-?\d+(\.\d+)?|==|!=|>=|<=|=~|&&|\|\||[<>!()]|true|false|null/g,
    ) ?? [];
  let i = 0;
  const value = (): unknown => {
    const t = tokens[i++];
    if (t === undefined) throw new JsonPathError(`jsonpath filter "${expr}": unexpected end`);
    if (t.startsWith('@')) {
      try {
        return t === '@' ? item : queryJsonPath(item, `$${t.slice(1)}`);
      } catch {
        return undefined;
      }
    }
    if (t.startsWith('"') || t.startsWith("'")) return t.slice(1, -1);
    if (t === 'true' || t === 'false') return t === 'true';
    if (t === 'null') return null;
    return Number(t);
  };
  const comparison = (): boolean => {
    if (tokens[i] === '!') {
      i++;
      return !comparison();
    }
    if (tokens[i] === '(') {
      i++;
      const r = or();
      i++;
      return r;
    }
    const left = value();
    const op = tokens[i];
    if (!op || !['==', '!=', '>', '<', '>=', '<=', '=~'].includes(op))
      return left !== undefined && left !== null && left !== false;
    i++;
    const right = value();
    switch (op) {
      case '==':
        return left === right;
      case '!=':
        return left !== right;
      case '=~':
        return new RegExp(String(right).replace(/^\/|\/$/g, '')).test(String(left));
      default: {
        if (typeof left !== typeof right || left === undefined) return false;
        const a = left as number | string;
        const b = right as number | string;
        return op === '>' ? a > b : op === '<' ? a < b : op === '>=' ? a >= b : a <= b;
      }
    }
  };
  const and = (): boolean => {
    let r = comparison();
    while (tokens[i] === '&&') {
      i++;
      const rhs = comparison();
      r = r && rhs;
    }
    return r;
  };
  const or = (): boolean => {
    let r = and();
    while (tokens[i] === '||') {
      i++;
      const rhs = and();
      r = r || rhs;
    }
    return r;
  };
  return or();
}
