/**
 * Kubernetes label selectors in their string form: `a=b`, `a==b`, `a!=b`, `a in (x,y)`,
 * `a notin (x)`, `a`, `!a`, joined by commas (all must hold).
 */
export type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'doesNotExist' };

export class SelectorError extends Error {
  constructor(selector: string, detail: string) {
    super(`labelSelector "${selector}": ${detail}`);
    this.name = 'SelectorError';
  }
}

const KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

export function parseLabelSelector(selector: string): Requirement[] {
  const requirements: Requirement[] = [];
  for (const part of splitTopLevel(selector)) {
    const text = part.trim();
    if (text === '') continue;
    let m: RegExpExecArray | null;
    if ((m = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(text))) {
      const values = m[3]!
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      requirements.push({
        key: checkKey(selector, m[1]!),
        op: m[2] as 'in' | 'notin',
        values: values.map((v) => checkValue(selector, v)),
      });
    } else if ((m = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(text))) {
      const value = checkValue(selector, m[3]!);
      requirements.push({
        key: checkKey(selector, m[1]!),
        op: m[2] === '!=' ? 'notin' : 'in',
        values: [value],
      });
    } else if ((m = /^!\s*(\S+)$/.exec(text))) {
      requirements.push({ key: checkKey(selector, m[1]!), op: 'doesNotExist' });
    } else if ((m = /^(\S+)$/.exec(text))) {
      requirements.push({ key: checkKey(selector, m[1]!), op: 'exists' });
    } else {
      throw new SelectorError(selector, `cannot parse "${text}"`);
    }
  }
  return requirements;
}

export function matchesLabels(
  requirements: readonly Requirement[],
  labels: Record<string, string> = {},
): boolean {
  return requirements.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case 'doesNotExist':
        return !has;
      case 'in':
        return has && r.values.includes(labels[r.key]!);
      case 'notin':
        return !has || !r.values.includes(labels[r.key]!);
    }
  });
}

/** Splits on commas outside parentheses. */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')') depth--;
    else if (s[i] === ',' && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

function checkKey(selector: string, key: string): string {
  if (!KEY.test(key) || key.length > 317)
    throw new SelectorError(selector, `"${key}" is not a valid label key`);
  return key;
}

function checkValue(selector: string, value: string): string {
  if (!VALUE.test(value) || value.length > 63)
    throw new SelectorError(selector, `"${value}" is not a valid label value`);
  return value;
}
