/**
 * Evaluator for the expr-lang/expr dialect (https://expr-lang.org) as Argo Workflows and Argo
 * Rollouts use it: `when` conditions, `{{= ... }}` templates, analysis success conditions.
 *
 * Runtime semantics follow expr (Go), not JavaScript, where the two differ:
 *  - ints and floats stay distinct: `/` and `**` always give floats, `%` takes ints only;
 *  - `and`/`or`/`!`/`?:` need real booleans, there is no truthiness;
 *  - `==` never throws: values of different types are simply unequal (yet 1 == 1.0);
 *  - a missing variable is nil, as Argo compiles with AllowUndefinedVariables.
 * One deliberate simplification: member access on nil yields nil (`a.b` behaves like `a?.b`).
 * Not supported: `let`, `if {} else {}`, `;` sequences, bytes literals, date/time builtins and a
 * few rarer builtins (median, get, take, findLast, toPairs, bit operations).
 */

export class ExprError extends Error {
  constructor(
    readonly detail: string,
    /** 0-based character offset into `source`. */
    readonly position: number,
    readonly source: string,
    options?: ErrorOptions,
  ) {
    super(`${detail} at ${position} in ${JSON.stringify(source)}`, options);
    this.name = 'ExprError';
  }
}

export type ExprNode = Readonly<
  { pos: number } & (
    | { kind: 'literal'; value: unknown }
    | { kind: 'identifier'; name: string }
    | { kind: 'pointer'; name: string } // `#`, `#index`, `#acc` in a closure; `.a` there is `#.a`
    | { kind: 'array'; items: readonly ExprNode[] }
    | { kind: 'map'; entries: readonly (readonly [ExprNode, ExprNode])[] }
    | { kind: 'member'; object: ExprNode; property: ExprNode; optional: boolean }
    | { kind: 'slice'; object: ExprNode; from?: ExprNode; to?: ExprNode }
    | { kind: 'call'; callee: ExprNode; args: readonly ExprNode[] }
    | { kind: 'closure'; body: ExprNode } // per-element argument of all/filter/map/...
    | { kind: 'unary'; operator: string; operand: ExprNode }
    | { kind: 'binary'; operator: string; left: ExprNode; right: ExprNode }
    | { kind: 'conditional'; test: ExprNode; consequent: ExprNode; alternate: ExprNode }
  )
>;

type NodeOf<K extends ExprNode['kind']> = Extract<ExprNode, { kind: K }>;
type UserFunction = (...args: unknown[]) => unknown;

/** Raised where the position is unknown; `evaluate` rethrows it as ExprError at its node. */
class EvalFault extends Error {}

function fault(message: string, options?: ErrorOptions): never {
  throw new EvalFault(message, options);
}

// ---------------------------------------------------------------------------------------------
// Values

/**
 * A float whose value is integral (2.0, 4 / 2, float(3)). JavaScript can't tell 2.0 from 2 but
 * Go can: `type(4 / 2)` is "float" and `(4 / 2) % 2` fails. Non-integral numbers need no box as
 * they can only be floats. Boxes never leave this module (see toPlain).
 */
class IntegralFloat {
  constructor(readonly value: number) {}
}

const toFloat = (n: number): unknown => (Number.isInteger(n) ? new IntegralFloat(n) : n);
const toInt = (n: number): number => n || 0; // Go ints have no -0
const asNumber = (value: unknown): number | undefined =>
  typeof value === 'number' ? value : value instanceof IntegralFloat ? value.value : undefined;
const isFloat = (value: unknown): boolean =>
  value instanceof IntegralFloat || (typeof value === 'number' && !Number.isInteger(value));
const isNil = (value: unknown): value is null | undefined => value === null || value === undefined;
const isMapObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !isFloat(value);

const TYPE_NAMES: Record<string, string> = { object: 'map', boolean: 'bool', function: 'func' };

/** The names expr's type() returns. */
function typeName(value: unknown): string {
  if (isNil(value)) return 'nil';
  if (asNumber(value) !== undefined) return isFloat(value) ? 'float' : 'int';
  if (Array.isArray(value)) return 'array';
  return TYPE_NAMES[typeof value] ?? typeof value;
}

const GO_TYPE_NAMES: Record<string, string> = {
  nil: '<nil>',
  float: 'float64',
  array: '[]interface {}',
  map: 'map[string]interface {}',
};
/** Go's %T, as expr's runtime error messages print it. */
const goType = (value: unknown): string => GO_TYPE_NAMES[typeName(value)] ?? typeName(value);

function readProperty(target: object, key: string): unknown {
  const record = target as Record<string, unknown>;
  if (Object.hasOwn(target, key)) return record[key];
  // Inherited members only from user classes (env.sprig may be an instance), never from
  // Object.prototype: `x.constructor` must be nil like any other missing key.
  return key in Object.prototype ? null : (record[key] ?? null);
}

/** Unboxes integral floats so callers only ever see plain JSON-like values. */
function toPlain(value: unknown, memo = new Map<object, unknown>()): unknown {
  if (value instanceof IntegralFloat) return value.value;
  if (typeof value !== 'object' || value === null) return value;
  if (memo.has(value)) return memo.get(value);
  memo.set(value, value); // a cycle (only env objects can have one) resolves to itself
  const prototype: unknown = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && prototype !== Object.prototype && prototype !== null) return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  const converted = keys.map((key) => toPlain(record[key], memo));
  if (converted.every((item, i) => item === record[keys[i]!])) return value;
  // Object.fromEntries, unlike assignment, keeps a "__proto__" key as an ordinary key.
  const copy = Array.isArray(value)
    ? converted
    : Object.fromEntries(keys.map((key, i) => [key, converted[i]]));
  memo.set(value, copy);
  return copy;
}

function looseEqual(left: unknown, right: unknown): boolean {
  const [a, b] = [asNumber(left), asNumber(right)];
  if (a !== undefined && b !== undefined) return a === b;
  if (isNil(left) || isNil(right)) return isNil(left) && isNil(right);
  if (Array.isArray(left) && Array.isArray(right)) {
    return left.length === right.length && left.every((item, i) => looseEqual(item, right[i]));
  }
  if (isMapObject(left) && isMapObject(right)) {
    const keys = Object.keys(left);
    const sameKeys = keys.length === Object.keys(right).length;
    return (
      sameKeys &&
      keys.every((key) => Object.hasOwn(right, key) && looseEqual(left[key], right[key]))
    );
  }
  return left === right;
}

/** -1, 0 or 1 for two numbers (int and float mix freely) or two strings; NaN when unordered. */
function order(left: unknown, right: unknown, operator = '<'): number {
  const [a, b] = [asNumber(left), asNumber(right)];
  if (a !== undefined && b !== undefined) return a < b ? -1 : a > b ? 1 : a === b ? 0 : NaN;
  if (typeof left === 'string' && typeof right === 'string')
    return left < right ? -1 : +(left > right);
  return fault(`invalid operation: ${goType(left)} ${operator} ${goType(right)}`);
}

function compare(operator: string, left: unknown, right: unknown): boolean {
  const difference = order(left, right, operator);
  if (operator === '<') return difference < 0;
  if (operator === '>') return difference > 0;
  return operator === '<=' ? difference <= 0 : difference >= 0;
}

function arithmetic(operator: string, left: unknown, right: unknown): unknown {
  if (operator === '+' && typeof left === 'string' && typeof right === 'string')
    return left + right;
  const [a, b] = [asNumber(left), asNumber(right)];
  const anyFloat = isFloat(left) || isFloat(right);
  if (a === undefined || b === undefined || (operator === '%' && anyFloat)) {
    return fault(`invalid operation: ${goType(left)} ${operator} ${goType(right)}`);
  }
  const result = (n: number) => (anyFloat ? toFloat(n) : toInt(n));
  if (operator === '+') return result(a + b);
  if (operator === '-') return result(a - b);
  if (operator === '*') return result(a * b);
  if (operator === '/') return toFloat(a / b); // expr's `/` is always float division, even 4 / 2
  if (operator === '%') return b === 0 ? fault('integer divide by zero') : toInt(a % b);
  return toFloat(a ** b); // ** and ^ are math.Pow: always float
}

const MEMORY_BUDGET = 1_000_000; // expr refuses to build ranges and strings beyond this

function range(from: unknown, to: unknown): number[] {
  const [a, b] = [asNumber(from), asNumber(to)];
  if (a === undefined || b === undefined) {
    return fault(`invalid operation: ${goType(from)} .. ${goType(to)}`);
  }
  const size = Math.max(Math.trunc(b) - Math.trunc(a) + 1, 0);
  if (size > MEMORY_BUDGET) fault('memory budget exceeded');
  return Array.from({ length: size }, (_, i) => Math.trunc(a) + i);
}

function isMember(needle: unknown, haystack: unknown): boolean {
  if (isNil(haystack)) return false;
  if (Array.isArray(haystack)) return haystack.some((item) => looseEqual(item, needle));
  if (!isMapObject(haystack)) return fault(`operator "in" not defined on ${goType(haystack)}`);
  return typeof needle === 'string'
    ? Object.hasOwn(haystack, needle)
    : fault(`cannot use ${goType(needle)} as a map key`);
}

function stringTest(operator: string, left: unknown, right: unknown): boolean {
  if (isNil(left) || isNil(right)) return false; // expr: nil on either side is simply false
  if (typeof left !== 'string' || typeof right !== 'string') {
    return fault(`invalid operation: ${goType(left)} ${operator} ${goType(right)}`);
  }
  if (operator === 'contains') return left.includes(right);
  if (operator === 'startsWith') return left.startsWith(right);
  if (operator === 'endsWith') return left.endsWith(right);
  return compileGoRegexp(right).test(left);
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** Negative indexes count from the end; anything else out of range fails. */
function checkedIndex(length: number, key: unknown, target: unknown): number {
  const n = asNumber(key);
  if (n === undefined) return fault(`cannot fetch ${formatGo(key)} from ${goType(target)}`);
  const index = Math.trunc(n) < 0 ? Math.trunc(n) + length : Math.trunc(n);
  if (index < 0 || index >= length)
    fault(`index out of range: ${index} (array length is ${length})`);
  return index;
}

/** Go indexes strings by UTF-8 byte: `"abc"[0]` is the byte 97, `"héllo"[1:3]` is "é". */
function fetchMember(target: unknown, key: unknown): unknown {
  if (isNil(target)) return null; // expr would fail with "cannot fetch b from <nil>"
  if (Array.isArray(target)) return target[checkedIndex(target.length, key, target)];
  if (typeof target === 'string') {
    const bytes = utf8Encoder.encode(target);
    return bytes[checkedIndex(bytes.length, key, target)];
  }
  if (isMapObject(target) && typeof key === 'string') return readProperty(target, key);
  return fault(`cannot fetch ${formatGo(key)} from ${goType(target)}`);
}

function sliceOf(target: unknown, from: unknown, to: unknown): unknown {
  if (isNil(target)) return null;
  if (typeof target !== 'string' && !Array.isArray(target)) fault(`cannot slice ${goType(target)}`);
  const sequence = typeof target === 'string' ? utf8Encoder.encode(target) : target;
  const bound = (value: unknown, fallback: number): number => {
    if (value === undefined) return fallback;
    const n = Math.trunc(asNumber(value) ?? fault(`invalid slice index ${formatGo(value)}`));
    return Math.min(Math.max(n < 0 ? n + sequence.length : n, 0), sequence.length); // clamped
  };
  const end = bound(to, sequence.length);
  const part = sequence.slice(Math.min(bound(from, 0), end), end);
  return part instanceof Uint8Array ? utf8Decoder.decode(part) : part;
}

// ---------------------------------------------------------------------------------------------
// Formatting

/** Go's %v for float64: shortest digits, exponent form outside [1e-4, 1e6) ("1e+06"). */
function formatGoFloat(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? '+Inf' : '-Inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mantissa, exponentText] = n.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 6) return String(n);
  return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

/** Go's fmt %v, which is what expr's string() prints: `[a 1 2.5]`, `map[a:1]`, `<nil>`. */
function formatGo(value: unknown): string {
  if (isNil(value)) return '<nil>';
  const n = asNumber(value);
  if (n !== undefined) return isFloat(value) ? formatGoFloat(n) : String(n);
  if (Array.isArray(value)) return `[${value.map((item) => formatGo(item)).join(' ')}]`;
  if (typeof value === 'function') return 'func';
  if (!isMapObject(value)) return String(value);
  const keys = Object.keys(value).sort(); // fmt sorts map keys
  return `map[${keys.map((key) => `${key}:${formatGo(value[key])}`).join(' ')}]`;
}

/** The value as Go's encoding/json sees it: map keys sorted, no NaN, no functions. */
function toJsonValue(value: unknown): unknown {
  if (value instanceof IntegralFloat || value === undefined) return value?.value ?? null;
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return fault(`json: unsupported value: ${formatGoFloat(value)}`);
  }
  if (typeof value === 'function') return fault('json: unsupported type: func');
  if (Array.isArray(value)) return value.map((item) => toJsonValue(item));
  if (!isMapObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, toJsonValue(value[key])]),
  );
}

// json.MarshalIndent, HTML-escaping included; these characters only ever occur inside strings.
const toJson = (value: unknown): string =>
  JSON.stringify(toJsonValue(value), null, 2).replace(
    /[<>&\u2028\u2029]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

function fromJson(text: string): unknown {
  try {
    // Go decodes every JSON number into a float64.
    const revive = (_key: string, value: unknown) =>
      typeof value === 'number' ? toFloat(value) : value;
    return JSON.parse(text, revive) as unknown;
  } catch (error) {
    return fault(`invalid JSON: ${(error as Error).message}`, { cause: error });
  }
}

// ---------------------------------------------------------------------------------------------
// Regular expressions: Go's RE2 syntax mostly is JavaScript's; translate the spellings that aren't.

const REGEXP_CACHE_LIMIT = 200;
const regexpCache = new Map<string, RegExp>();
const RE2_SPELLINGS: Record<string, string> = {
  '\\A': '(?<![\\s\\S])',
  '\\z': '(?![\\s\\S])',
  '(?P<': '(?<',
};

function compileGoRegexp(pattern: string): RegExp {
  let compiled = regexpCache.get(pattern);
  if (compiled) return compiled;
  const flags = /^\(\?([ims]+)\)/.exec(pattern); // JavaScript has no inline (?i)
  const body = pattern
    .slice(flags?.[0].length ?? 0)
    .replace(/\\.|\(\?P</g, (token) => RE2_SPELLINGS[token] ?? token);
  try {
    compiled = new RegExp(body, flags?.[1]);
  } catch (error) {
    return fault(`error parsing regexp: ${(error as Error).message}`);
  }
  if (regexpCache.size >= REGEXP_CACHE_LIMIT) regexpCache.clear();
  regexpCache.set(pattern, compiled);
  return compiled;
}

// ---------------------------------------------------------------------------------------------
// Lexer

type TokenKind = 'identifier' | 'number' | 'string' | 'operator' | 'bracket' | 'pointer' | 'eof';
type Token = Readonly<{ kind: TokenKind; value: string; pos: number }>;
type Fail = (message: string, pos: number) => never;

const WORD_OPERATORS = new Set('in not or and matches contains startsWith endsWith'.split(' '));
const SYMBOLS = [...'== != <= >= && || ** ?? ?. ..'.split(' '), ...'+-*/%^<>!?:,.|()[]{}'];
const IDENTIFIER = /[\p{L}_$][\p{L}\p{Nd}_$]*/uy;
const IDENTIFIER_CHAR = /[\p{L}\p{Nd}_$]/u;
const NUMBER =
  /0[xX][\da-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:\d[\d_]*(?:\.(?!\.)[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?[\d_]+)?/y;
const SKIPPED = /\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\//y;
const SIMPLE_ESCAPES = ['abfnrtv\\\'"`?', '\x07\b\f\n\r\t\v\\\'"`?'] as const;
const QUOTED: Record<string, RegExp> = { '"': /"(?:[^"\\\n]|\\.)*"/y, "'": /'(?:[^'\\\n]|\\.)*'/y };
const RADIXES: Record<string, number> = { '0x': 16, '0b': 2, '0o': 8 };

function matchAt(pattern: RegExp, source: string, pos: number): string | undefined {
  pattern.lastIndex = pos;
  return pattern.exec(source)?.[0];
}

function tokenize(source: string): Token[] {
  const fail: Fail = (message, pos) => {
    throw new ExprError(message, pos, source);
  };
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < source.length) {
    const skipped = matchAt(SKIPPED, source, pos);
    if (skipped) {
      pos += skipped.length;
      continue;
    }
    const [token, end] = readToken(source, pos, fail);
    tokens.push(token);
    pos = end;
  }
  return [...tokens, { kind: 'eof', value: '', pos: source.length }];
}

function readToken(source: string, pos: number, fail: Fail): [Token, number] {
  const char = source[pos]!;
  const token = (kind: TokenKind, value: string, end = pos + value.length): [Token, number] => [
    { kind, value, pos },
    end,
  ];
  if (char === '"' || char === "'") {
    const literal = matchAt(QUOTED[char]!, source, pos) ?? fail('literal not terminated', pos);
    return token(
      'string',
      decodeEscapes(literal.slice(1, -1), pos + 1, fail),
      pos + literal.length,
    );
  }
  if (char === '`') {
    const end = source.indexOf('`', pos + 1); // raw strings have no escapes at all
    return end < 0
      ? fail('literal not terminated', pos)
      : token('string', source.slice(pos + 1, end), end + 1);
  }
  if (source.startsWith('/*', pos)) fail('unclosed comment', pos); // SKIPPED took closed ones
  const number = matchAt(NUMBER, source, pos);
  if (number && IDENTIFIER_CHAR.test(source[pos + number.length] ?? '')) {
    fail(`bad number syntax: ${JSON.stringify(source.slice(pos, pos + number.length + 1))}`, pos);
  }
  if (number) return token('number', number);
  if (char === '#') return token('pointer', `#${matchAt(IDENTIFIER, source, pos + 1) ?? ''}`);
  const word = matchAt(IDENTIFIER, source, pos);
  if (word) return token(WORD_OPERATORS.has(word) ? 'operator' : 'identifier', word);
  const symbol = SYMBOLS.find((candidate) => source.startsWith(candidate, pos));
  if (symbol) return token('()[]{}'.includes(symbol) ? 'bracket' : 'operator', symbol);
  return fail(`unrecognized character: ${JSON.stringify(char)}`, pos);
}

/** The body of a '...' or "..." literal with Go escapes: \n, \", \xFF, \u00e9, \U0001F600. */
function decodeEscapes(body: string, offset: number, fail: Fail): string {
  return body.replace(
    /\\(?:x[\da-fA-F]{2}|u[\da-fA-F]{4}|U[\da-fA-F]{8}|[\s\S])/g,
    (escape, at: number) => {
      const simple = SIMPLE_ESCAPES[0].indexOf(escape[1]!);
      const codePoint = escape.length > 2 ? parseInt(escape.slice(2), 16) : Infinity;
      if (codePoint <= 0x10ffff) return String.fromCodePoint(codePoint);
      return simple >= 0 ? SIMPLE_ESCAPES[1][simple]! : fail('invalid char escape', offset + at);
    },
  );
}

function numberLiteral(text: string): unknown {
  const digits = text.replaceAll('_', '').toLowerCase();
  const radix = RADIXES[digits.slice(0, 2)];
  if (radix) return parseInt(digits.slice(2), radix);
  return /[.e]/.test(digits) ? toFloat(Number(digits)) : Number(digits);
}

// ---------------------------------------------------------------------------------------------
// Parser: a port of expr's precedence climbing (parser/parser.go).

// From parser/operator/operator.go. `??` binding tightest is upstream's choice; mixing it with
// other operators unparenthesised is rejected (see parseExpression) rather than guessed at.
const PRECEDENCE = new Map<string, number>();
for (const [precedence, operators] of [
  [0, '|'],
  [10, 'or ||'],
  [15, 'and &&'],
  [20, '== != < > <= >= in matches contains startsWith endsWith'],
  [25, '..'],
  [30, '+ -'],
  [60, '* / %'],
  [100, '** ^'],
  [500, '??'],
] as const) {
  for (const operator of operators.split(' ')) PRECEDENCE.set(operator, precedence);
}
const RIGHT_ASSOCIATIVE = new Set(['**', '^']); // 2 ** 3 ** 2 is 2 ** 9
// `not` binds tighter than comparisons, as in expr: `not a == b` is `(not a) == b`.
const UNARY_PRECEDENCE = new Map(Object.entries({ not: 50, '!': 50, '-': 90, '+': 90 }));
const NEGATABLE = new Set(['in', 'matches', 'contains', 'startsWith', 'endsWith']); // `not in`
const CHAINED_COMPARISONS = new Set(['<', '>', '<=', '>=']); // `1 < x < 3`, but not `==`

function binary(operator: string, left: ExprNode, right: ExprNode, pos: number): ExprNode {
  return { kind: 'binary', operator, left, right, pos };
}

class Parser {
  private readonly tokens: Token[];
  private index = 0;
  private closureDepth = 0; // `#` and `.name` only mean something inside a closure

  constructor(private readonly source: string) {
    this.tokens = tokenize(source);
  }

  parse(): ExprNode {
    const root = this.parseExpression(0);
    return this.is('eof') ? root : this.unexpected();
  }

  private get current(): Token {
    return this.tokens[this.index]!;
  }

  private is(kind: TokenKind, value?: string): boolean {
    return this.current.kind === kind && (value === undefined || this.current.value === value);
  }

  private advance(): Token {
    const token = this.current;
    if (token.kind !== 'eof') this.index += 1;
    return token;
  }

  private expect(kind: TokenKind, value?: string): Token {
    return this.is(kind, value) ? this.advance() : this.unexpected();
  }

  private fail(message: string, pos = this.current.pos): never {
    throw new ExprError(message, pos, this.source);
  }

  private unexpected(token = this.current): never {
    const what =
      token.kind === 'eof' ? 'end of expression' : `token ${JSON.stringify(token.value)}`;
    return this.fail(`unexpected ${what}`, token.pos);
  }

  private parseExpression(minPrecedence: number): ExprNode {
    let left = this.parsePrimary();
    let previousOperator = '';
    while (this.current.kind === 'operator') {
      let token = this.current;
      const negated = token.value === 'not';
      if (negated) {
        const next = this.tokens[this.index + 1]!;
        if (next.kind !== 'operator' || !NEGATABLE.has(next.value)) this.unexpected(next);
        if (PRECEDENCE.get(next.value)! < minPrecedence) break;
        this.advance();
        token = next;
      }
      const precedence = PRECEDENCE.get(token.value);
      if (precedence === undefined || precedence < minPrecedence) break;
      this.advance();
      if (token.value === '|') {
        left = this.parseCall(this.expect('identifier'), [left]); // `x | f(y)` is `f(x, y)`
      } else if (previousOperator === '??' && token.value !== '??') {
        this.fail(
          `Operator (${token.value}) and coalesce expressions (??) cannot be mixed. Wrap either by parentheses.`,
          token.pos,
        );
      } else if (CHAINED_COMPARISONS.has(token.value)) {
        left = this.parseComparisonChain(left, token, precedence);
      } else {
        const right = this.parseExpression(
          precedence + (RIGHT_ASSOCIATIVE.has(token.value) ? 0 : 1),
        );
        left = binary(token.value, left, right, token.pos);
        if (negated) left = { kind: 'unary', operator: 'not', operand: left, pos: token.pos };
      }
      previousOperator = token.value;
    }
    return minPrecedence === 0 ? this.parseConditional(left) : left;
  }

  /** `a < b < c` is `a < b && b < c`. */
  private parseComparisonChain(first: ExprNode, token: Token, precedence: number): ExprNode {
    let [chain, left, operator] = [undefined as ExprNode | undefined, first, token];
    for (;;) {
      const right = this.parseExpression(precedence + 1);
      const comparison = binary(operator.value, left, right, operator.pos);
      chain = chain ? binary('&&', chain, comparison, operator.pos) : comparison;
      if (!CHAINED_COMPARISONS.has(this.current.value) || this.current.kind !== 'operator') {
        return chain;
      }
      [left, operator] = [right, this.advance()];
    }
  }

  /** Ternaries nest to the right: `a ? b : c ? d : e`; `a ?: b` reuses `a` as the consequent. */
  private parseConditional(test: ExprNode): ExprNode {
    let node = test;
    while (this.is('operator', '?')) {
      const pos = this.advance().pos;
      const consequent = this.is('operator', ':') ? node : this.parseExpression(0);
      this.expect('operator', ':');
      const alternate = this.parseExpression(0);
      node = { kind: 'conditional', test: node, consequent, alternate, pos };
    }
    return node;
  }

  private parsePrimary(): ExprNode {
    const token = this.current;
    const unaryPrecedence =
      token.kind === 'operator' ? UNARY_PRECEDENCE.get(token.value) : undefined;
    if (unaryPrecedence !== undefined) {
      this.advance();
      const operand = this.parseExpression(unaryPrecedence);
      return this.parsePostfix({ kind: 'unary', operator: token.value, operand, pos: token.pos });
    }
    if (this.is('bracket', '(')) {
      this.advance();
      const inner = this.parseExpression(0);
      this.expect('bracket', ')');
      return this.parsePostfix(inner);
    }
    if (this.closureDepth > 0 && (token.kind === 'pointer' || this.is('operator', '.'))) {
      if (token.kind === 'pointer') this.advance(); // a bare `.name` leaves its `.` for parsePostfix
      return this.parsePostfix({ kind: 'pointer', name: token.value.slice(1), pos: token.pos });
    }
    return this.parseSecondary();
  }

  private parseSecondary(): ExprNode {
    const token = this.advance();
    const literal = (value: unknown): ExprNode => ({ kind: 'literal', value, pos: token.pos });
    if (token.kind === 'identifier') {
      if (token.value === 'true' || token.value === 'false') return literal(token.value === 'true');
      if (token.value === 'nil') return literal(null);
      if (this.is('bracket', '(')) return this.parsePostfix(this.parseCall(token, []));
      return this.parsePostfix({ kind: 'identifier', name: token.value, pos: token.pos });
    }
    if (token.kind === 'number') return literal(numberLiteral(token.value));
    if (token.kind === 'string') return this.parsePostfix(literal(token.value));
    if (token.kind === 'bracket' && token.value === '[') {
      const items = this.parseList(']', () => this.parseExpression(0));
      return this.parsePostfix({ kind: 'array', items, pos: token.pos });
    }
    if (token.kind === 'bracket' && token.value === '{') {
      const entries = this.parseList('}', () => this.parseMapEntry());
      return this.parsePostfix({ kind: 'map', entries, pos: token.pos });
    }
    return this.unexpected(token);
  }

  /** Keys are bare names, strings or numbers (all taken as strings), or `(expression)`. */
  private parseMapEntry(): [ExprNode, ExprNode] {
    const token = this.current;
    let key: ExprNode;
    if (token.kind === 'identifier' || token.kind === 'number' || token.kind === 'string') {
      key = { kind: 'literal', value: this.advance().value, pos: token.pos };
    } else if (this.is('bracket', '(')) {
      key = this.parseExpression(0);
    } else {
      return this.fail(`a map key must be a name, string, number or (expression)`);
    }
    this.expect('operator', ':');
    return [key, this.parseExpression(0)];
  }

  /** Comma-separated items after an opening bracket, up to `close`; a trailing comma is fine. */
  private parseList<T>(close: string, parseItem: () => T, items: T[] = []): T[] {
    const leading = items.length;
    while (!this.is('bracket', close)) {
      if (items.length > leading) {
        this.expect('operator', ',');
        if (this.is('bracket', close)) break;
      }
      items.push(parseItem());
    }
    this.advance();
    return items;
  }

  private parseCall(name: Token, leading: ExprNode[]): ExprNode {
    const callee: ExprNode = { kind: 'identifier', name: name.value, pos: name.pos };
    this.expect('bracket', '(');
    const signature = CLOSURE_BUILTINS.get(name.value)?.[0];
    if (!signature) {
      const args = this.parseList(')', () => this.parseExpression(0), leading);
      return { kind: 'call', callee, args, pos: name.pos };
    }
    // Closure builtins have a fixed shape: `e` an expression, `p` a closure, uppercase optional.
    const args = [...leading];
    const remaining = [...signature.slice(leading.length)];
    for (const [i, shape] of remaining.entries()) {
      if (this.is('bracket', ')')) {
        if (shape === shape.toUpperCase()) break;
        this.fail(`expected at least ${remaining.length} arguments`);
      }
      if (i > 0) this.expect('operator', ',');
      args.push(shape.toLowerCase() === 'p' ? this.parseClosure() : this.parseExpression(0));
    }
    if (this.is('operator', ',')) this.advance();
    this.expect('bracket', ')');
    return { kind: 'call', callee, args, pos: name.pos };
  }

  /** A closure may be wrapped in braces: `all(xs, {# > 0})`. */
  private parseClosure(): ExprNode {
    const start = this.current;
    const braced = this.is('bracket', '{');
    if (braced) this.advance();
    this.closureDepth += 1;
    const body = this.parseExpression(0);
    this.closureDepth -= 1;
    if (braced) this.expect('bracket', '}');
    return { kind: 'closure', body, pos: start.pos };
  }

  private parsePostfix(start: ExprNode): ExprNode {
    let node = start;
    for (;;) {
      if (this.is('bracket', '[')) {
        node = this.parseIndex(node, false);
      } else if (this.is('operator', '.') || this.is('operator', '?.')) {
        const optional = this.advance().value === '?.';
        if (optional && this.is('bracket', '[')) {
          node = this.parseIndex(node, true); // a?.[0]
          continue;
        }
        const name = this.advance();
        // Word operators are fine as names: `a.in`, `x.matches(y)`.
        if (name.kind !== 'identifier' && !WORD_OPERATORS.has(name.value))
          this.fail('expected name', name.pos);
        const property: ExprNode = { kind: 'literal', value: name.value, pos: name.pos };
        node = { kind: 'member', object: node, property, optional, pos: name.pos };
        if (this.is('bracket', '(')) {
          this.advance();
          const args = this.parseList(')', () => this.parseExpression(0));
          node = { kind: 'call', callee: node, args, pos: name.pos };
        }
      } else {
        return node;
      }
    }
  }

  /** `[i]`, `[from:to]`, `[:to]`, `[from:]`, `[:]`. */
  private parseIndex(object: ExprNode, optional: boolean): ExprNode {
    const pos = this.expect('bracket', '[').pos;
    const from = this.is('operator', ':') ? undefined : this.parseExpression(0);
    if (from && this.is('bracket', ']')) {
      this.advance();
      return { kind: 'member', object, property: from, optional, pos };
    }
    this.expect('operator', ':');
    const to = this.is('bracket', ']') ? undefined : this.parseExpression(0);
    this.expect('bracket', ']');
    return { kind: 'slice', object, from, to, pos };
  }
}

const PARSE_CACHE_LIMIT = 1000;
const parseCache = new Map<string, ExprNode>();
/** Lets errors quote the source when a caller evaluates a tree it kept from parseExpr. */
const sourceOfTree = new WeakMap<ExprNode, string>();

export function parseExpr(source: string): ExprNode {
  const cached = parseCache.get(source);
  if (cached) parseCache.delete(source); // re-inserted below: Map order is recency order
  const tree = cached ?? new Parser(source).parse();
  if (parseCache.size >= PARSE_CACHE_LIMIT) parseCache.delete(parseCache.keys().next().value!);
  parseCache.set(source, tree);
  sourceOfTree.set(tree, source);
  return tree;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

type Frame = Readonly<{ item: unknown; index: number; acc?: unknown }>;
type Context = Readonly<{
  env: Record<string, unknown>;
  functions: Record<string, UserFunction>;
  source: string;
  frames: Frame[]; // closure frames, innermost last: `#` always means the innermost element
}>;

export function evaluateExpr(
  source: string | ExprNode,
  env: Record<string, unknown>,
  functions: Record<string, UserFunction> = {},
): unknown {
  const tree = typeof source === 'string' ? parseExpr(source) : source;
  const text = typeof source === 'string' ? source : (sourceOfTree.get(tree) ?? '<expression>');
  return toPlain(evaluate(tree, { env, functions, source: text, frames: [] })) ?? null;
}

function evaluate(node: ExprNode, ctx: Context): unknown {
  try {
    return evaluateNode(node, ctx);
  } catch (error) {
    if (!(error instanceof EvalFault)) throw error; // ExprErrors from deeper nodes pass through
    throw new ExprError(error.message, node.pos, ctx.source, { cause: error.cause });
  }
}

type Evaluators = { [K in ExprNode['kind']]: (node: NodeOf<K>, ctx: Context) => unknown };

const EVALUATORS: Evaluators = {
  literal: (node) => node.value,
  identifier: (node, ctx) => (node.name === '$env' ? ctx.env : readProperty(ctx.env, node.name)),
  pointer: (node, ctx) => readPointer(node.name, ctx.frames.at(-1)),
  array: (node, ctx) => node.items.map((item) => evaluate(item, ctx)),
  map: (node, ctx) =>
    Object.fromEntries(node.entries.map(([k, v]) => [mapKey(k, ctx), evaluate(v, ctx)])),
  member: (node, ctx) => fetchMember(evaluate(node.object, ctx), evaluate(node.property, ctx)),
  slice: (node, ctx) => {
    const bound = (part?: ExprNode) => (part ? (evaluate(part, ctx) ?? null) : undefined);
    return sliceOf(evaluate(node.object, ctx), bound(node.from), bound(node.to));
  },
  call: (node, ctx) => evaluateCall(node, ctx),
  // Reached only when a user function overrides a closure builtin: it gets a plain function.
  closure: (node, ctx) => (item: unknown, index: unknown) =>
    toPlain(runClosure(node.body, ctx, { item, index: Number(index ?? 0) })),
  unary: (node, ctx) => evaluateUnary(node.operator, evaluate(node.operand, ctx)),
  binary: (node, ctx) => evaluateBinary(node, ctx),
  conditional: (node, ctx) => {
    const test = evaluate(node.test, ctx);
    if (typeof test !== 'boolean')
      fault(`non-bool expression (type ${goType(test)}) used as condition`);
    return evaluate(test ? node.consequent : node.alternate, ctx);
  },
};

function evaluateNode(node: ExprNode, ctx: Context): unknown {
  return (EVALUATORS[node.kind] as (node: ExprNode, ctx: Context) => unknown)(node, ctx);
}

function mapKey(node: ExprNode, ctx: Context): string {
  const key = evaluate(node, ctx);
  return typeof key === 'string' ? key : fault(`map key must be a string, not ${goType(key)}`);
}

function readPointer(name: string, frame: Frame | undefined): unknown {
  if (frame && name === '') return frame.item;
  if (frame && name === 'index') return frame.index;
  if (frame && name === 'acc') return frame.acc;
  return fault(`unknown pointer #${name}`);
}

function runClosure(body: ExprNode, ctx: Context, frame: Frame): unknown {
  ctx.frames.push(frame);
  try {
    return evaluate(body, ctx);
  } finally {
    ctx.frames.pop();
  }
}

function evaluateUnary(operator: string, operand: unknown): unknown {
  if (operator === '!' || operator === 'not') {
    if (typeof operand !== 'boolean')
      fault(`invalid operation: ${operator} (mismatched type ${goType(operand)})`);
    return !operand;
  }
  const n = asNumber(operand) ?? fault(`invalid operation: ${operator} ${goType(operand)}`);
  if (operator === '+') return operand;
  return isFloat(operand) ? toFloat(-n) : toInt(-n);
}

function evaluateBinary(node: NodeOf<'binary'>, ctx: Context): unknown {
  const { operator } = node;
  const left = evaluate(node.left, ctx);
  if (operator === '??') return isNil(left) ? evaluate(node.right, ctx) : left;
  if (['&&', 'and', '||', 'or'].includes(operator)) {
    const mismatch = (types: string) =>
      fault(`invalid operation: ${operator} (mismatched types ${types})`);
    if (typeof left !== 'boolean') mismatch(`${goType(left)} and bool`);
    if (left === (operator === '||' || operator === 'or')) return left; // short-circuit
    const right = evaluate(node.right, ctx);
    return typeof right === 'boolean' ? right : mismatch(`bool and ${goType(right)}`);
  }
  const right = evaluate(node.right, ctx);
  switch (operator) {
    case '==':
    case '!=':
      return looseEqual(left, right) === (operator === '==');
    case '<':
    case '>':
    case '<=':
    case '>=':
      return compare(operator, left, right);
    case 'in':
      return isMember(left, right);
    case 'contains':
    case 'startsWith':
    case 'endsWith':
    case 'matches':
      return stringTest(operator, left, right);
    case '..':
      return range(left, right);
    default:
      return arithmetic(operator, left, right);
  }
}

/** `a?.b()` short-circuits to nil when anything before the `?.` is nil. */
function isOptionalChain(node: ExprNode): boolean {
  if (node.kind === 'member') return node.optional || isOptionalChain(node.object);
  if (node.kind === 'slice') return isOptionalChain(node.object);
  return node.kind === 'call' && isOptionalChain(node.callee);
}

function evaluateCall(node: NodeOf<'call'>, ctx: Context): unknown {
  const { callee } = node;
  const args = () => node.args.map((arg) => evaluate(arg, ctx));
  const notCallable = (name: string, value: unknown) =>
    fault(
      isNil(value) ? `unknown function ${name}` : `${name} is not a function (${goType(value)})`,
    );
  if (callee.kind === 'identifier') {
    // User functions first, then builtins, then functions sitting in env (Argo's asInt).
    const name = callee.name;
    const userFunction = Object.hasOwn(ctx.functions, name) ? ctx.functions[name] : undefined;
    if (typeof userFunction === 'function') return callFunction(userFunction, undefined, args());
    const closureBuiltin = CLOSURE_BUILTINS.get(name);
    if (closureBuiltin) return closureBuiltin[1](prepareClosure(name, node.args, ctx));
    const builtin = BUILTINS.get(name);
    if (builtin) return callBuiltin(name, builtin, args());
    const fromEnv = readProperty(ctx.env, name);
    return typeof fromEnv === 'function'
      ? callFunction(fromEnv as UserFunction, undefined, args())
      : notCallable(name, fromEnv);
  }
  if (callee.kind !== 'member') return fault('only names and members can be called');
  const target = evaluate(callee.object, ctx);
  if (isNil(target) && isOptionalChain(callee)) return null;
  const name = formatGo(evaluate(callee.property, ctx));
  const method = fetchMember(target, name);
  if (typeof method !== 'function') return notCallable(name, method);
  return callFunction(method as UserFunction, target, args()); // `this` is the object, as in JS
}

function callFunction(fn: UserFunction, self: unknown, args: unknown[]): unknown {
  try {
    return fn.call(self, ...args.map((arg) => toPlain(arg)));
  } catch (error) {
    if (error instanceof ExprError) throw error;
    return fault(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

// ---------------------------------------------------------------------------------------------
// Closure builtins

type Closure = Readonly<{
  items: readonly unknown[];
  /** The closure's value for one element; the element itself when no closure was given. */
  value: (item: unknown, index: number, acc?: unknown) => unknown;
  /** Like value, but it must be a boolean: expr has no truthiness. */
  test: (item: unknown, index: number) => boolean;
  /** The optional third argument (sortBy's order, reduce's initial value), if given. */
  extra?: { value: unknown };
}>;

function prepareClosure(name: string, args: readonly ExprNode[], ctx: Context): Closure {
  const [collectionNode, closureNode, extraNode] = args;
  const items = evaluate(collectionNode!, ctx);
  if (!Array.isArray(items)) return fault(`invalid argument for ${name} (type ${goType(items)})`);
  const body = closureNode?.kind === 'closure' ? closureNode.body : undefined;
  const value = (item: unknown, index: number, acc?: unknown) =>
    body ? runClosure(body, ctx, { item, index, acc }) : item;
  const test = (item: unknown, index: number) => {
    const result = value(item, index);
    return typeof result === 'boolean'
      ? result
      : fault(`predicate should return boolean (got ${goType(result)})`);
  };
  return { items, value, test, extra: extraNode && { value: evaluate(extraNode, ctx) } };
}

function sortByKeys(items: readonly unknown[], keys: unknown[], sortOrder: unknown): unknown[] {
  if (sortOrder !== 'asc' && sortOrder !== 'desc') {
    fault(`invalid order ${formatGo(sortOrder)}, expected asc or desc`);
  }
  return items
    .map((item, i) => ({ item, key: keys[i] }))
    .sort((a, b) => order(a.key, b.key) * (sortOrder === 'desc' ? -1 : 1))
    .map(({ item }) => item);
}

function groupBy(c: Closure): Record<string, unknown[]> {
  const groups = new Map<string, unknown[]>();
  valuesOf(c).forEach((key, i) => {
    const group = groups.get(formatGo(key)) ?? groups.set(formatGo(key), []).get(formatGo(key))!;
    group.push(c.items[i]);
  });
  return Object.fromEntries(groups);
}

function reduce(c: Closure): unknown {
  if (!c.extra && c.items.length === 0) fault('reduce of empty array with no initial value');
  let acc = c.extra ? c.extra.value : c.items[0]; // without an initial value, the first element
  for (let i = c.extra ? 0 : 1; i < c.items.length; i += 1) acc = c.value(c.items[i], i, acc);
  return acc;
}

const valuesOf = (c: Closure) => c.items.map((item, i) => c.value(item, i));
const nilIfNegative = (index: number): number | null => (index < 0 ? null : index); // not -1

/** Name to [signature for the parser (see parseCall), implementation]. */
const CLOSURE_BUILTINS = new Map(
  Object.entries<[string, (c: Closure) => unknown]>({
    all: ['ep', (c) => c.items.every(c.test)],
    any: ['ep', (c) => c.items.some(c.test)],
    none: ['ep', (c) => !c.items.some(c.test)],
    one: ['ep', (c) => c.items.filter(c.test).length === 1],
    filter: ['ep', (c) => c.items.filter(c.test)],
    map: ['ep', valuesOf],
    count: ['eP', (c) => c.items.filter(c.test).length],
    sum: ['eP', (c) => valuesOf(c).reduce<unknown>((acc, value) => arithmetic('+', value, acc), 0)],
    find: ['ep', (c) => c.items.find(c.test) ?? null],
    findIndex: ['ep', (c) => nilIfNegative(c.items.findIndex(c.test))],
    groupBy: ['ep', groupBy],
    sortBy: ['epE', (c) => sortByKeys(c.items, valuesOf(c), c.extra?.value ?? 'asc')],
    reduce: ['epE', reduce],
  }),
);

// ---------------------------------------------------------------------------------------------
// Plain builtins

type Builtin = readonly [minArgs: number, maxArgs: number, apply: (args: unknown[]) => unknown];

/** Thrown by argument checks; callBuiltin words it with the builtin's name, as expr does. */
class InvalidArgument extends Error {
  constructor(readonly value: unknown) {
    super('invalid argument');
  }
}

function invalid(value: unknown): never {
  throw new InvalidArgument(value);
}

const str = (value: unknown): string => (typeof value === 'string' ? value : invalid(value));
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : invalid(value));
const record = (value: unknown): Record<string, unknown> =>
  isMapObject(value) ? value : invalid(value);
const num = (value: unknown): number => asNumber(value) ?? invalid(value);
const int = (value: unknown): number => Math.trunc(num(value));

function callBuiltin(name: string, [min, max, apply]: Builtin, args: unknown[]): unknown {
  if (args.length < min || args.length > max) {
    const expected = min === max ? min : max === Infinity ? `at least ${min}` : `${min} or ${max}`;
    fault(`invalid number of arguments for ${name} (expected ${expected}, got ${args.length})`);
  }
  try {
    return apply(args);
  } catch (error) {
    if (error instanceof InvalidArgument)
      fault(`invalid argument for ${name} (type ${goType(error.value)})`);
    throw error;
  }
}

function toGoInt(value: unknown): number {
  const n = asNumber(value);
  if (n !== undefined) return toInt(Math.trunc(n));
  // strconv.Atoi: optional sign and decimal digits, nothing else (no spaces, no "1.5").
  if (typeof value === 'string' && /^[+-]?\d+$/.test(value)) return toInt(Number(value));
  return fault(`invalid operation: int(${typeof value === 'string' ? value : goType(value)})`);
}

function toGoFloat(value: unknown): unknown {
  const n = asNumber(value);
  if (n !== undefined) return toFloat(n);
  if (typeof value === 'string' && /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(value)) {
    return toFloat(Number(value));
  }
  return fault(`invalid operation: float(${typeof value === 'string' ? value : goType(value)})`);
}

/** Numbers among the arguments, arrays flattened, as max/min/mean take them. */
const numbersIn = (args: readonly unknown[]): unknown[] =>
  args.flatMap((arg) => (Array.isArray(arg) ? numbersIn(arg) : [(num(arg), arg)]));

const extreme = (args: unknown[], sign: number): unknown =>
  numbersIn(args).reduce<unknown>(
    (best, n) => (best === null || order(n, best) === sign ? n : best),
    null,
  );

/** Go's strings.Index and friends count UTF-8 bytes, not UTF-16 units. */
const byteOffset = (text: string, index: number): number =>
  index < 0 ? -1 : utf8Encoder.encode(text.slice(0, index)).length;

function goSplit(text: string, separator: string, limit: number): string[] {
  if (limit === 0) return [];
  const parts = separator === '' ? [...text] : text.split(separator); // "" splits into runes
  if (limit < 0 || parts.length <= limit) return parts;
  return [...parts.slice(0, limit - 1), parts.slice(limit - 1).join(separator)];
}

function goReplace(text: string, old: string, replacement: string, limit: number): string {
  let remaining = limit; // negative: replace all
  const pattern = new RegExp(old.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g');
  return text.replace(pattern, (match) => (remaining-- === 0 ? match : replacement));
}

/** strings.Trim: strip runes in `cutset` from both ends. */
function trim(text: string, cutset: string): string {
  const runes = [...text];
  const cut = new Set(cutset);
  let [start, end] = [0, runes.length];
  while (start < end && cut.has(runes[start]!)) start += 1;
  while (end > start && cut.has(runes[end - 1]!)) end -= 1;
  return runes.slice(start, end).join('');
}

function toBase64(text: string): string {
  return btoa(Array.from(utf8Encoder.encode(text), (byte) => String.fromCharCode(byte)).join(''));
}

function fromBase64(text: string): string {
  // Go's StdEncoding is strict about padding and alphabet where atob is forgiving.
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) {
    return fault('illegal base64 data');
  }
  return utf8Decoder.decode(Uint8Array.from(atob(text), (char) => char.charCodeAt(0)));
}

function repeat(text: string, times: number): string {
  if (times < 0) fault(`invalid argument for repeat (expected positive integer, got ${times})`);
  return times > MEMORY_BUDGET ? fault('memory budget exceeded') : text.repeat(times);
}

const flattenDeep = (items: readonly unknown[]): unknown[] =>
  items.flatMap((item) => (Array.isArray(item) ? flattenDeep(item) : [item]));
const mean = (numbers: number[]) =>
  toFloat(numbers.reduce((a, b) => a + b, 0) / (numbers.length || 1));
const trimPrefix = (text: string, prefix: string) =>
  text.startsWith(prefix) ? text.slice(prefix.length) : text;
const trimSuffix = (text: string, suffix: string) =>
  suffix !== '' && text.endsWith(suffix) ? text.slice(0, -suffix.length) : text;
const uniq = (items: unknown[]) =>
  items.filter((item, i) => items.findIndex((other) => looseEqual(other, item)) === i);

const BUILTINS = new Map(
  Object.entries<Builtin>({
    len: [
      1,
      1,
      ([v]) => (typeof v === 'string' ? [...v] : isMapObject(v) ? Object.keys(v) : list(v)).length,
    ],
    abs: [1, 1, ([v]) => (isFloat(v) ? toFloat(Math.abs(num(v))) : Math.abs(num(v)))],
    ceil: [1, 1, ([v]) => toFloat(Math.ceil(num(v)))],
    floor: [1, 1, ([v]) => toFloat(Math.floor(num(v)))],
    round: [1, 1, ([v]) => toFloat(Math.sign(num(v)) * Math.round(Math.abs(num(v))))], // half away from 0
    int: [1, 1, ([v]) => toGoInt(v)],
    float: [1, 1, ([v]) => toGoFloat(v)],
    string: [1, 1, ([v]) => formatGo(v)],
    type: [1, 1, ([v]) => typeName(v)],
    toJSON: [1, 1, ([v]) => toJson(v)],
    fromJSON: [1, 1, ([v]) => fromJson(str(v))],
    toBase64: [1, 1, ([v]) => toBase64(str(v))],
    fromBase64: [1, 1, ([v]) => fromBase64(str(v))],
    upper: [1, 1, ([s]) => str(s).toUpperCase()],
    lower: [1, 1, ([s]) => str(s).toLowerCase()],
    trim: [
      1,
      2,
      ([s, cutset]) => (cutset === undefined ? str(s).trim() : trim(str(s), str(cutset))),
    ],
    trimPrefix: [1, 2, ([s, prefix = ' ']) => trimPrefix(str(s), str(prefix))],
    trimSuffix: [1, 2, ([s, suffix = ' ']) => trimSuffix(str(s), str(suffix))],
    split: [2, 3, ([s, separator, limit = -1]) => goSplit(str(s), str(separator), int(limit))],
    replace: [3, 4, ([s, old, by, limit = -1]) => goReplace(str(s), str(old), str(by), int(limit))],
    repeat: [2, 2, ([s, times]) => repeat(str(s), int(times))],
    join: [1, 2, ([items, glue = '']) => list(items).map(str).join(str(glue))],
    indexOf: [2, 2, ([s, sub]) => byteOffset(str(s), str(s).indexOf(str(sub)))],
    lastIndexOf: [2, 2, ([s, sub]) => byteOffset(str(s), str(s).lastIndexOf(str(sub)))],
    hasPrefix: [2, 2, ([s, prefix]) => str(s).startsWith(str(prefix))],
    hasSuffix: [2, 2, ([s, suffix]) => str(s).endsWith(str(suffix))],
    keys: [1, 1, ([m]) => Object.keys(record(m))],
    values: [1, 1, ([m]) => Object.values(record(m))],
    // expr recovers from any failure in first/last and yields nil: first([]), first(1).
    first: [1, 1, ([v]) => (Array.isArray(v) ? (v[0] ?? null) : null)],
    last: [1, 1, ([v]) => (Array.isArray(v) ? (v.at(-1) ?? null) : null)],
    max: [1, Infinity, (args) => extreme(args, 1)],
    min: [1, Infinity, (args) => extreme(args, -1)],
    mean: [1, Infinity, (args) => mean(numbersIn(args).map(num))],
    sort: [1, 2, ([items, sortOrder = 'asc']) => sortByKeys(list(items), list(items), sortOrder)],
    reverse: [1, 1, ([items]) => [...list(items)].reverse()],
    uniq: [1, 1, ([items]) => uniq(list(items))],
    concat: [1, Infinity, (args) => args.flatMap(list)],
    flatten: [1, 1, ([items]) => flattenDeep(list(items))],
  }),
);
