/**
 * Argo's resource template conditions (`status.succeeded > 0,status.failed == 0`): a
 * label-selector-like syntax over the object's JSON paths, with =, ==, !=, <, >, in, notin and
 * bare existence, all terms ANDed.
 */
import type { JsonObject } from '../core/types.js';

function valueAt(object: JsonObject, path: string): unknown {
  let v: unknown = object;
  for (const part of path.split('.'))
    v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  return v;
}

function splitTerms(expr: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of expr) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      terms.push(current.trim());
      current = '';
    } else current += c;
  }
  if (current.trim()) terms.push(current.trim());
  return terms;
}

export function matchesLabelSelector(object: JsonObject, expr: string): boolean {
  return splitTerms(expr).every((term) => {
    const set = /^(!?)([\w.\-/]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (set) {
      const values = set[4]!.split(',').map((s) => s.trim());
      const v = valueAt(object, set[2]!);
      const inSet = v !== undefined && values.includes(String(v));
      return set[3] === 'in' ? inSet : !inSet;
    }
    const cmp = /^([\w.\-/]+)\s*(==|=|!=|<|>)\s*(.*)$/.exec(term);
    if (cmp) {
      const v = valueAt(object, cmp[1]!);
      const expected = cmp[3]!.trim();
      switch (cmp[2]) {
        case '=':
        case '==':
          return v !== undefined && String(v) === expected;
        case '!=':
          return v === undefined || String(v) !== expected;
        case '<':
          return Number(v) < Number(expected);
        case '>':
          return Number(v) > Number(expected);
      }
    }
    if (term.startsWith('!')) return valueAt(object, term.slice(1)) === undefined;
    return valueAt(object, term) !== undefined;
  });
}
