/**
 * The govaluate dialect (github.com/Knetic/govaluate) that Argo Workflows uses for `when`
 * conditions and Argo Events for filter expressions. Pure; hand-written because npm has none.
 *
 * Argo's `when` turns every bare variable into a string before evaluating, so
 * `heads == heads` compares two strings: `variablesAsStrings` does the same here.
 */

export class GovaluateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GovaluateError';
  }
}

type Value = number | string | boolean | null | Value[];

type Token =
  | { kind: 'number'; value: number; at: number }
  | { kind: 'string'; value: string; at: number }
  | { kind: 'bool'; value: boolean; at: number }
  | { kind: 'variable'; name: string; at: number }
  | { kind: 'op'; op: string; at: number }
  | { kind: 'lparen' | 'rparen' | 'comma'; at: number };

// Longest first, so `>=` is not read as `>` then `=`.
const OPERATORS = [
  '**',
  '==',
  '!=',
  '>=',
  '<=',
  '=~',
  '!~',
  '&&',
  '||',
  '??',
  '<<',
  '>>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '>',
  '<',
  '!',
  '~',
  '&',
  '|',
  '^',
  '?',
  ':',
];

function isVariableStart(c: string): boolean {
  return /[\p{L}_]/u.test(c);
}

function isVariablePart(c: string): boolean {
  return /[\p{L}\p{N}_.]/u.test(c);
}

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    if (/[0-9]/.test(c)) {
      const m = /^(0x[0-9a-fA-F]+|[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?)/.exec(source.slice(i))!;
      tokens.push({ kind: 'number', value: Number(m[0]), at });
      i += m[0].length;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let text = '';
      while (j < source.length && source[j] !== c) {
        if (source[j] === '\\' && j + 1 < source.length) {
          j++;
          text += source[j] === 'n' ? '\n' : source[j] === 't' ? '\t' : source[j];
        } else text += source[j];
        j++;
      }
      if (j >= source.length)
        throw new GovaluateError(`unclosed string literal at ${at} in "${source}"`);
      tokens.push({ kind: 'string', value: text, at });
      i = j + 1;
      continue;
    }
    if (c === '[') {
      // govaluate's escaped variable name: [name with spaces-or-dashes]
      const end = source.indexOf(']', i);
      if (end < 0) throw new GovaluateError(`unclosed variable bracket at ${at} in "${source}"`);
      tokens.push({ kind: 'variable', name: source.slice(i + 1, end), at });
      i = end + 1;
      continue;
    }
    if (isVariableStart(c)) {
      // A backslash escapes the next character (`dep\-1`), as govaluate's lexer allows.
      let j = i + 1;
      let word = c;
      while (j < source.length) {
        const ch = source[j]!;
        if (ch === '\\' && j + 1 < source.length) {
          word += source[j + 1];
          j += 2;
        } else if (isVariablePart(ch)) {
          word += ch;
          j++;
        } else break;
      }
      if (word === 'true' || word === 'false')
        tokens.push({ kind: 'bool', value: word === 'true', at });
      else if (word === 'in') tokens.push({ kind: 'op', op: 'in', at });
      else tokens.push({ kind: 'variable', name: word, at });
      i = j;
      continue;
    }
    if (c === '(') tokens.push({ kind: 'lparen', at });
    else if (c === ')') tokens.push({ kind: 'rparen', at });
    else if (c === ',') tokens.push({ kind: 'comma', at });
    else {
      const op = OPERATORS.find((o) => source.startsWith(o, i));
      if (!op) throw new GovaluateError(`Invalid token: '${c}' at ${at} in "${source}"`);
      tokens.push({ kind: 'op', op, at });
      i += op.length;
      continue;
    }
    i++;
  }
  return tokens;
}

type Node =
  | { type: 'literal'; value: Value }
  | { type: 'variable'; name: string }
  | { type: 'unary'; op: string; operand: Node }
  | { type: 'binary'; op: string; left: Node; right: Node }
  | { type: 'ternary'; test: Node; then: Node; otherwise: Node | null }
  | { type: 'array'; items: Node[] };

// Precedence, lowest first, as govaluate orders its planner stages.
const BINARY_LEVELS: string[][] = [
  ['??'],
  ['||'],
  ['&&'],
  ['==', '!=', '>', '>=', '<', '<=', '=~', '!~', 'in'],
  ['|', '&', '^', '<<', '>>'],
  ['+', '-'],
  ['*', '/', '%'],
  ['**'],
];

class Parser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
  ) {}

  parse(): Node {
    if (this.tokens.length === 0) throw new GovaluateError('empty expression');
    const node = this.ternary();
    if (this.i < this.tokens.length) this.fail(this.tokens[this.i]!);
    return node;
  }

  private fail(token: Token | undefined): never {
    if (!token) throw new GovaluateError(`unexpected end of expression "${this.source}"`);
    throw new GovaluateError(`unexpected token at ${token.at} in "${this.source}"`);
  }

  private peekOp(): string | undefined {
    const t = this.tokens[this.i];
    return t?.kind === 'op' ? t.op : undefined;
  }

  private ternary(): Node {
    const test = this.binary(0);
    if (this.peekOp() === '?') {
      this.i++;
      const then = this.binary(0);
      let otherwise: Node | null = null;
      if (this.peekOp() === ':') {
        this.i++;
        otherwise = this.ternary();
      }
      return { type: 'ternary', test, then, otherwise };
    }
    return test;
  }

  private binary(level: number): Node {
    if (level >= BINARY_LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const op = this.peekOp();
      if (!op || !BINARY_LEVELS[level]!.includes(op)) return left;
      this.i++;
      const right = this.binary(level + 1);
      left = { type: 'binary', op, left, right };
    }
  }

  private unary(): Node {
    const op = this.peekOp();
    if (op === '!' || op === '-' || op === '~') {
      this.i++;
      return { type: 'unary', op, operand: this.unary() };
    }
    return this.primary();
  }

  private primary(): Node {
    const t = this.tokens[this.i++];
    if (!t) return this.fail(undefined);
    switch (t.kind) {
      case 'number':
      case 'string':
      case 'bool':
        return { type: 'literal', value: t.value };
      case 'variable':
        return { type: 'variable', name: t.name };
      case 'lparen': {
        const items: Node[] = [this.ternary()];
        while (this.tokens[this.i]?.kind === 'comma') {
          this.i++;
          items.push(this.ternary());
        }
        if (this.tokens[this.i]?.kind !== 'rparen') this.fail(this.tokens[this.i]);
        this.i++;
        return items.length === 1 ? items[0]! : { type: 'array', items };
      }
      default:
        return this.fail(t);
    }
  }
}

export interface GovaluateOptions {
  /** Argo's `when`: bare variables are strings (their own names). */
  variablesAsStrings?: boolean;
}

export function evaluateGovaluate(
  source: string,
  parameters: Record<string, unknown> = {},
  options: GovaluateOptions = {},
): unknown {
  const tree = new Parser(tokenize(source), source).parse();
  return evaluate(tree, parameters, options, source);
}

function evaluate(
  node: Node,
  params: Record<string, unknown>,
  options: GovaluateOptions,
  source: string,
): Value {
  const ev = (n: Node) => evaluate(n, params, options, source);
  switch (node.type) {
    case 'literal':
      return node.value;
    case 'variable': {
      if (options.variablesAsStrings) return node.name;
      if (!(node.name in params)) {
        throw new GovaluateError(`No parameter '${node.name}' found.`);
      }
      return toValue(params[node.name]);
    }
    case 'array':
      return node.items.map(ev);
    case 'unary': {
      const v = ev(node.operand);
      if (node.op === '!') return !asBool(v, '!', source);
      if (node.op === '-') return -asNumber(v, '-', source);
      return ~asNumber(v, '~', source);
    }
    case 'ternary': {
      const test = ev(node.test);
      if (test === true) return ev(node.then);
      return node.otherwise ? ev(node.otherwise) : null;
    }
    case 'binary':
      return binary(node.op, node.left, node.right, ev, source);
  }
}

function binary(op: string, l: Node, r: Node, ev: (n: Node) => Value, source: string): Value {
  if (op === '&&') return asBool(ev(l), op, source) && asBool(ev(r), op, source);
  if (op === '||') return asBool(ev(l), op, source) || asBool(ev(r), op, source);
  if (op === '??') {
    const left = ev(l);
    return left === null ? ev(r) : left;
  }
  const a = ev(l);
  const b = ev(r);
  switch (op) {
    case '==':
      return deepEqual(a, b);
    case '!=':
      return !deepEqual(a, b);
    case '>':
    case '>=':
    case '<':
    case '<=': {
      if (typeof a === 'string' && typeof b === 'string') return compare(op, a, b);
      return compare(op, asNumber(a, op, source), asNumber(b, op, source));
    }
    case '=~':
    case '!~': {
      const matched = new RegExp(asString(b, op, source)).test(asString(a, op, source));
      return op === '=~' ? matched : !matched;
    }
    case 'in': {
      if (!Array.isArray(b))
        throw new GovaluateError(
          `value '${String(b)}' cannot be used with the 'in' operator in "${source}"`,
        );
      return b.some((x) => deepEqual(a, x));
    }
    case '+':
      if (typeof a === 'string' || typeof b === 'string') return `${format(a)}${format(b)}`;
      return asNumber(a, op, source) + asNumber(b, op, source);
    case '-':
      return asNumber(a, op, source) - asNumber(b, op, source);
    case '*':
      return asNumber(a, op, source) * asNumber(b, op, source);
    case '/':
      return asNumber(a, op, source) / asNumber(b, op, source);
    case '%':
      return asNumber(a, op, source) % asNumber(b, op, source);
    case '**':
      return asNumber(a, op, source) ** asNumber(b, op, source);
    case '&':
      return asNumber(a, op, source) & asNumber(b, op, source);
    case '|':
      return asNumber(a, op, source) | asNumber(b, op, source);
    case '^':
      return asNumber(a, op, source) ^ asNumber(b, op, source);
    case '<<':
      return asNumber(a, op, source) << asNumber(b, op, source);
    case '>>':
      return asNumber(a, op, source) >> asNumber(b, op, source);
  }
  throw new GovaluateError(`unknown operator ${op} in "${source}"`);
}

function compare(op: string, a: number | string, b: number | string): boolean {
  if (op === '>') return a > b;
  if (op === '>=') return a >= b;
  if (op === '<') return a < b;
  return a <= b;
}

function toValue(v: unknown): Value {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map(toValue);
  return JSON.stringify(v);
}

function format(v: Value): string {
  if (v === null) return '<nil>';
  return Array.isArray(v) ? `[${v.map(format).join(' ')}]` : String(v);
}

function asBool(v: Value, op: string, source: string): boolean {
  if (typeof v !== 'boolean') {
    throw new GovaluateError(
      `value '${format(v)}' cannot be used with the ${op} operator in "${source}"`,
    );
  }
  return v;
}

function asNumber(v: Value, op: string, source: string): number {
  if (typeof v !== 'number') {
    throw new GovaluateError(
      `value '${format(v)}' cannot be used with the ${op} operator in "${source}"`,
    );
  }
  return v;
}

function asString(v: Value, op: string, source: string): string {
  if (typeof v !== 'string') {
    throw new GovaluateError(
      `value '${format(v)}' cannot be used with the ${op} operator in "${source}"`,
    );
  }
  return v;
}

function deepEqual(a: Value, b: Value): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]!));
  }
  return a === b;
}
