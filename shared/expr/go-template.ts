/**
 * Go's text/template, as Argo Events runs it for `dataTemplate`, `contextTemplate` and the data
 * filter's `template` (`template.New("param").Funcs(sprig.FuncMap())`, data `{"Input": value}`).
 * Hand-written (npm has no usable implementation, FACTS.md); pure.
 *
 * Values follow what Go's reflection sees in decoded JSON: objects are map[string]interface{}
 * (fields are map keys; a missing key is "no value"), arrays []interface{}, numbers float64 (so a
 * number from the data prints as Go's %v does: 1000000 -> 1e+06), null is nil. Integers the
 * template itself makes (literals, len, range indexes) are ints, kept as BigInt here so they print
 * as Go prints ints; functions from sprig receive them as plain numbers.
 */
import { sprigFunctions } from './sprig.js';

export class GoTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GoTemplateError';
  }
}

type Fn = (...args: unknown[]) => unknown;

/** Go's "no value": a missing map key (distinct from nil, which is JSON null). */
const NO_VALUE = undefined;

// ---------------------------------------------------------------------------------------------
// Lexing
// ---------------------------------------------------------------------------------------------

type TokKind =
  | 'field' // .Name
  | 'dot' // .
  | 'var' // $ or $name
  | 'ident' // function name or keyword
  | 'string'
  | 'number'
  | 'char'
  | 'bool'
  | 'nil'
  | 'pipe' // |
  | 'lparen'
  | 'rparen'
  | 'declare' // :=
  | 'assign' // =
  | 'comma';

interface Tok {
  kind: TokKind;
  text: string;
  value?: unknown;
  pos: number;
}

type Piece =
  | { kind: 'text'; text: string; pos: number }
  | { kind: 'action'; tokens: Tok[]; pos: number; source: string };

const SPACE = /^[ \t\r\n]$/;

const KEYWORDS = new Set([
  'if',
  'else',
  'end',
  'range',
  'with',
  'define',
  'template',
  'block',
  'break',
  'continue',
]);

class Lexer {
  constructor(
    private readonly src: string,
    private readonly name: string,
  ) {}

  fail(pos: number, message: string): never {
    throw new GoTemplateError(`template: ${this.name}:${location(this.src, pos)}: ${message}`);
  }

  pieces(): Piece[] {
    const out: Piece[] = [];
    let i = 0;
    let trimNext = false;
    while (i < this.src.length) {
      const open = this.src.indexOf('{{', i);
      let text = this.src.slice(i, open < 0 ? undefined : open);
      if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
      trimNext = false;
      if (open < 0) {
        if (text) out.push({ kind: 'text', text, pos: i });
        break;
      }
      // `{{- ` trims the text before (the dash must be followed by a space: `{{-3}}` is a number).
      const trimLeft = this.src[open + 2] === '-' && SPACE.test(this.src[open + 3] ?? '');
      if (trimLeft) text = text.replace(/[ \t\r\n]+$/, '');
      if (text) out.push({ kind: 'text', text, pos: i });
      const j = open + 2 + (trimLeft ? 2 : 0);
      // A comment: {{/* ... */}}
      if (this.src.startsWith('/*', j)) {
        const end = this.src.indexOf('*/', j + 2);
        if (end < 0) this.fail(open, 'unclosed comment');
        let k = end + 2;
        let trimRight = false;
        if (SPACE.test(this.src[k] ?? '') && this.src.startsWith('-}}', k + 1)) {
          trimRight = true;
          k += 4;
        } else if (this.src.startsWith('}}', k)) k += 2;
        else this.fail(open, 'comment ends before closing delimiter');
        trimNext = trimRight;
        i = k;
        continue;
      }
      const { tokens, end, trimRight } = this.action(j, open);
      out.push({ kind: 'action', tokens, pos: open, source: this.src.slice(open, end) });
      trimNext = trimRight;
      i = end;
    }
    return out;
  }

  /** Tokens of one action starting at `i` (after `{{` and any trim marker). */
  private action(start: number, open: number): { tokens: Tok[]; end: number; trimRight: boolean } {
    const tokens: Tok[] = [];
    let i = start;
    const src = this.src;
    for (;;) {
      if (i >= src.length) this.fail(open, 'unclosed action');
      if (SPACE.test(src[i] ?? '') && src.startsWith('-}}', i + 1))
        return { tokens, end: i + 4, trimRight: true };
      if (src.startsWith('}}', i)) return { tokens, end: i + 2, trimRight: false };
      const c = src[i]!;
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
        i++;
        continue;
      }
      const at = i;
      if (c === '|') {
        tokens.push({ kind: 'pipe', text: c, pos: at });
        i++;
      } else if (c === '(') {
        tokens.push({ kind: 'lparen', text: c, pos: at });
        i++;
      } else if (c === ')') {
        tokens.push({ kind: 'rparen', text: c, pos: at });
        i++;
      } else if (c === ',') {
        tokens.push({ kind: 'comma', text: c, pos: at });
        i++;
      } else if (src.startsWith(':=', i)) {
        tokens.push({ kind: 'declare', text: ':=', pos: at });
        i += 2;
      } else if (c === '=') {
        tokens.push({ kind: 'assign', text: '=', pos: at });
        i++;
      } else if (c === '"') {
        let j = i + 1;
        while (j < src.length && src[j] !== '"') {
          if (src[j] === '\\') j++;
          if (src[j] === '\n') this.fail(at, 'unterminated quoted string');
          j++;
        }
        if (j >= src.length) this.fail(at, 'unterminated quoted string');
        const raw = src.slice(i, j + 1);
        tokens.push({
          kind: 'string',
          text: raw,
          value: unquote(raw, () => this.fail(at, `bad string ${raw}`)),
          pos: at,
        });
        i = j + 1;
      } else if (c === '`') {
        const j = src.indexOf('`', i + 1);
        if (j < 0) this.fail(at, 'unterminated raw quoted string');
        tokens.push({
          kind: 'string',
          text: src.slice(i, j + 1),
          value: src.slice(i + 1, j),
          pos: at,
        });
        i = j + 1;
      } else if (c === "'") {
        const m = /^'(\\.|[^\\'])+'/.exec(src.slice(i));
        if (!m) this.fail(at, 'unterminated character constant');
        const ch = unquote(`"${m[0].slice(1, -1)}"`, () => this.fail(at, `bad character ${m[0]}`));
        tokens.push({ kind: 'char', text: m[0], value: BigInt(ch.codePointAt(0)!), pos: at });
        i += m[0].length;
      } else if (c === '$') {
        const m = /^\$[A-Za-z0-9_]*/.exec(src.slice(i))!;
        tokens.push({ kind: 'var', text: m[0], pos: at });
        i += m[0].length;
      } else if (c === '.' && !/[0-9]/.test(src[i + 1] ?? '')) {
        const m = /^\.[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
        if (m) {
          tokens.push({ kind: 'field', text: m[0].slice(1), pos: at });
          i += m[0].length;
        } else {
          tokens.push({ kind: 'dot', text: '.', pos: at });
          i++;
        }
      } else if (/[0-9+\-.]/.test(c)) {
        const m =
          /^[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(\d[\d_]*)?\.?\d[\d_]*([eE][+-]?\d+)?|\d+\.)/.exec(
            src.slice(i),
          );
        if (!m || m[0] === '' || m[0] === '+' || m[0] === '-')
          this.fail(at, `bad number syntax: "${src.slice(i, i + 8)}"`);
        tokens.push({ kind: 'number', text: m[0], value: parseNumber(m[0]), pos: at });
        i += m[0].length;
        if (/[A-Za-z_]/.test(src[i] ?? '')) this.fail(at, `bad number syntax: "${m[0]}${src[i]}"`);
      } else if (/[A-Za-z_]/.test(c)) {
        const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
        const word = m[0];
        if (word === 'true' || word === 'false')
          tokens.push({ kind: 'bool', text: word, value: word === 'true', pos: at });
        else if (word === 'nil') tokens.push({ kind: 'nil', text: word, pos: at });
        else tokens.push({ kind: 'ident', text: word, pos: at });
        i += word.length;
      } else {
        this.fail(at, `unexpected "${c}" in command`);
      }
    }
  }
}

function parseNumber(text: string): bigint | number {
  const clean = text.replace(/_/g, '');
  const sign = clean.startsWith('-') ? -1 : 1;
  const body = clean.replace(/^[+-]/, '');
  if (/^0[xX]/.test(body)) return BigInt(sign) * BigInt(body);
  if (/^0[bB]/.test(body)) return BigInt(sign) * BigInt(body);
  if (/^0[oO]/.test(body)) return BigInt(sign) * BigInt('0o' + body.slice(2));
  if (/^\d+$/.test(body))
    return BigInt(sign) * (/^0\d/.test(body) ? BigInt('0o' + body.slice(1)) : BigInt(body));
  return sign * Number(body);
}

function unquote(raw: string, fail: () => never): string {
  try {
    // Go's escapes are a superset of JSON's in practice here: \a \v \x.. \NNN need mapping.
    const mapped = raw
      .replace(/\\a/g, '\\u0007')
      .replace(/\\v/g, '\\u000b')
      .replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1')
      .replace(/\\U([0-9a-fA-F]{8})/g, (_m, h: string) => String.fromCodePoint(parseInt(h, 16)))
      .replace(
        /\\([0-7]{3})/g,
        (_m, o: string) => `\\u${parseInt(o, 8).toString(16).padStart(4, '0')}`,
      )
      .replace(/\\'/g, "'");
    return JSON.parse(mapped) as string;
  } catch {
    return fail();
  }
}

function location(src: string, pos: number): string {
  const before = src.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - (before.lastIndexOf('\n') + 1);
  return `${line}:${col}`;
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

type Arg =
  | { t: 'field'; chain: string[]; pos: number }
  | { t: 'dot'; pos: number }
  | { t: 'var'; name: string; chain: string[]; pos: number }
  | { t: 'ident'; name: string; pos: number }
  | { t: 'const'; value: unknown; pos: number; text: string }
  | { t: 'nil'; pos: number }
  | { t: 'pipe'; pipe: Pipeline; chain: string[]; pos: number };

interface Command {
  args: Arg[];
  pos: number;
}

interface Pipeline {
  decl: string[];
  assign: boolean;
  cmds: Command[];
  pos: number;
  text: string;
}

type Node =
  | { n: 'text'; text: string }
  | { n: 'action'; pipe: Pipeline }
  | { n: 'if' | 'with'; pipe: Pipeline; list: Node[]; elseList: Node[] | null }
  | { n: 'range'; pipe: Pipeline; list: Node[]; elseList: Node[] | null }
  | { n: 'template'; name: string; pipe: Pipeline | null; pos: number }
  | { n: 'break' | 'continue'; pos: number };

type Terminator = 'end' | 'else' | 'eof';

class Parser {
  private i = 0;
  readonly templates = new Map<string, Node[]>();

  constructor(
    private readonly pieces: Piece[],
    private readonly lexer: Lexer,
    private readonly funcs: Record<string, Fn>,
  ) {}

  parse(): Node[] {
    const { list, term } = this.list(0, false);
    if (term.kind !== 'eof') this.lexer.fail(term.pos, `unexpected {{${term.kind}}}`);
    return list;
  }

  /** Nodes up to {{end}}, {{else ...}} or the end of input. */
  private list(
    depth: number,
    inRange: boolean,
  ): { list: Node[]; term: { kind: Terminator; pos: number; rest?: Tok[] } } {
    const list: Node[] = [];
    while (this.i < this.pieces.length) {
      const piece = this.pieces[this.i++]!;
      if (piece.kind === 'text') {
        list.push({ n: 'text', text: piece.text });
        continue;
      }
      const toks = piece.tokens;
      if (toks.length === 0) this.lexer.fail(piece.pos, 'missing value for command');
      const head = toks[0]!;
      if (head.kind === 'ident' && KEYWORDS.has(head.text)) {
        switch (head.text) {
          case 'end':
            if (depth === 0) this.lexer.fail(head.pos, 'unexpected {{end}}');
            return { list, term: { kind: 'end', pos: head.pos } };
          case 'else':
            if (depth === 0) this.lexer.fail(head.pos, 'unexpected {{else}}');
            return { list, term: { kind: 'else', pos: head.pos, rest: toks.slice(1) } };
          case 'if':
          case 'with':
          case 'range':
            list.push(this.control(head.text, toks.slice(1), piece, depth, inRange));
            continue;
          case 'define': {
            const name = toks[1];
            if (toks.length !== 2 || name?.kind !== 'string')
              this.lexer.fail(head.pos, 'define: expected a quoted name');
            const { list: body, term } = this.list(depth + 1, false);
            if (term.kind !== 'end') this.lexer.fail(term.pos, 'define: expected {{end}}');
            this.templates.set(String(name.value), body);
            continue;
          }
          case 'template':
          case 'block': {
            const name = toks[1];
            if (name?.kind !== 'string')
              this.lexer.fail(head.pos, `${head.text}: expected a quoted template name`);
            const pipe = toks.length > 2 ? this.pipeline(toks.slice(2), piece, false) : null;
            if (head.text === 'block') {
              const { list: body, term } = this.list(depth + 1, false);
              if (term.kind !== 'end') this.lexer.fail(term.pos, 'block: expected {{end}}');
              this.templates.set(String(name.value), body);
            }
            list.push({ n: 'template', name: String(name.value), pipe, pos: head.pos });
            continue;
          }
          case 'break':
          case 'continue':
            if (!inRange) this.lexer.fail(head.pos, `{{${head.text}}} outside {{range}}`);
            list.push({ n: head.text, pos: head.pos });
            continue;
        }
      }
      list.push({ n: 'action', pipe: this.pipeline(toks, piece, true) });
    }
    return { list, term: { kind: 'eof', pos: 0 } };
  }

  private control(
    keyword: 'if' | 'with' | 'range',
    toks: Tok[],
    piece: Extract<Piece, { kind: 'action' }>,
    depth: number,
    inRange: boolean,
  ): Node {
    if (toks.length === 0) this.lexer.fail(piece.pos, `missing value for ${keyword}`);
    const pipe = this.pipeline(toks, piece, true, keyword === 'range');
    const { list, term } = this.list(depth + 1, inRange || keyword === 'range');
    let elseList: Node[] | null = null;
    if (term.kind === 'else') {
      const rest = term.rest ?? [];
      if (
        rest.length > 0 &&
        rest[0]!.kind === 'ident' &&
        (rest[0]!.text === 'if' || rest[0]!.text === 'with')
      ) {
        // {{else if ...}} / {{else with ...}}: a nested control that shares this {{end}}.
        const nestedKeyword = rest[0]!.text as 'if' | 'with';
        if (nestedKeyword !== keyword)
          this.lexer.fail(term.pos, `{{else ${nestedKeyword}}} inside {{${keyword}}}`);
        elseList = [this.control(nestedKeyword, rest.slice(1), piece, depth, inRange)];
        return { n: keyword, pipe, list, elseList } as Node;
      }
      if (rest.length > 0) this.lexer.fail(term.pos, 'unexpected tokens after {{else}}');
      const tail = this.list(depth + 1, inRange);
      if (tail.term.kind !== 'end')
        this.lexer.fail(piece.pos, `unexpected EOF: {{${keyword}}} without {{end}}`);
      elseList = tail.list;
    } else if (term.kind !== 'end') {
      this.lexer.fail(piece.pos, `unexpected EOF: {{${keyword}}} without {{end}}`);
    }
    return { n: keyword, pipe, list, elseList } as Node;
  }

  private pipeline(
    toks: Tok[],
    piece: Extract<Piece, { kind: 'action' }>,
    allowDecl: boolean,
    range = false,
  ): Pipeline {
    let k = 0;
    const decl: string[] = [];
    let assign = false;
    // $x := / $x = / $i, $v :=
    if (allowDecl && toks[0]?.kind === 'var') {
      const declTok = toks.findIndex((t) => t.kind === 'declare' || t.kind === 'assign');
      const names = toks.slice(0, declTok);
      const shapeOk =
        declTok > 0 &&
        (names.length === 1
          ? names[0]!.kind === 'var'
          : range &&
            names.length === 3 &&
            names[0]!.kind === 'var' &&
            names[1]!.kind === 'comma' &&
            names[2]!.kind === 'var');
      if (shapeOk) {
        for (const t of names) if (t.kind === 'var') decl.push(t.text);
        assign = toks[declTok]!.kind === 'assign';
        k = declTok + 1;
      }
    }
    const cmds: Command[] = [];
    let current: Arg[] = [];
    let cmdPos = toks[k]?.pos ?? piece.pos;
    const finish = (pos: number) => {
      if (current.length === 0) this.lexer.fail(pos, 'missing command');
      cmds.push({ args: current, pos: cmdPos });
      current = [];
    };
    while (k < toks.length) {
      const t = toks[k]!;
      if (t.kind === 'pipe') {
        finish(t.pos);
        k++;
        cmdPos = toks[k]?.pos ?? t.pos;
        continue;
      }
      const [arg, next] = this.operand(toks, k, piece);
      current.push(arg);
      k = next;
    }
    finish(piece.pos);
    for (const cmd of cmds.slice(1)) {
      const first = cmd.args[0]!;
      if (first.t === 'const' || first.t === 'nil')
        this.lexer.fail(
          first.pos,
          `non executable command in pipeline stage ${cmds.indexOf(cmd) + 1}`,
        );
    }
    return {
      decl,
      assign,
      cmds,
      pos: piece.pos,
      text: piece.source.replace(/^\{\{-? ?|-?\}\}$/g, '').trim(),
    };
  }

  private operand(
    toks: Tok[],
    k: number,
    piece: Extract<Piece, { kind: 'action' }>,
  ): [Arg, number] {
    const t = toks[k]!;
    let arg: Arg;
    let next = k + 1;
    switch (t.kind) {
      case 'field': {
        arg = { t: 'field', chain: [t.text], pos: t.pos };
        break;
      }
      case 'dot':
        arg = { t: 'dot', pos: t.pos };
        break;
      case 'var':
        arg = { t: 'var', name: t.text, chain: [], pos: t.pos };
        break;
      case 'ident':
        if (KEYWORDS.has(t.text)) this.lexer.fail(t.pos, `unexpected <${t.text}> in command`);
        if (!(t.text in this.funcs)) this.lexer.fail(t.pos, `function "${t.text}" not defined`);
        arg = { t: 'ident', name: t.text, pos: t.pos };
        break;
      case 'string':
      case 'number':
      case 'char':
      case 'bool':
        arg = { t: 'const', value: t.value, pos: t.pos, text: t.text };
        break;
      case 'nil':
        arg = { t: 'nil', pos: t.pos };
        break;
      case 'lparen': {
        let depth = 1;
        let j = k + 1;
        while (j < toks.length && depth > 0) {
          if (toks[j]!.kind === 'lparen') depth++;
          if (toks[j]!.kind === 'rparen') depth--;
          j++;
        }
        if (depth !== 0) this.lexer.fail(t.pos, 'unclosed left paren');
        const inner = toks.slice(k + 1, j - 1);
        if (inner.length === 0) this.lexer.fail(t.pos, 'missing command');
        arg = { t: 'pipe', pipe: this.pipeline(inner, piece, true), chain: [], pos: t.pos };
        next = j;
        break;
      }
      default:
        this.lexer.fail(t.pos, `unexpected "${t.text}" in operand`);
    }
    // Field chains: .a.b, $x.a, (pipe).a
    while (toks[next]?.kind === 'field' && toks[next]!.pos === endOf(toks[next - 1]!)) {
      if (arg.t === 'field' || arg.t === 'var' || arg.t === 'pipe')
        arg.chain.push(toks[next]!.text);
      else if (arg.t === 'dot') this.lexer.fail(toks[next]!.pos, 'unexpected . after term "."');
      else this.lexer.fail(toks[next]!.pos, `unexpected field after ${t.text}`);
      next++;
    }
    return [arg, next];
  }
}

function endOf(t: Tok): number {
  return t.kind === 'field'
    ? t.pos + t.text.length + 1
    : t.kind === 'rparen'
      ? t.pos + 1
      : t.pos + t.text.length;
}

// ---------------------------------------------------------------------------------------------
// Values as Go sees them
// ---------------------------------------------------------------------------------------------

type Kind = 'invalid' | 'nil' | 'bool' | 'int' | 'float' | 'string' | 'slice' | 'map';

function kindOf(v: unknown): Kind {
  if (v === NO_VALUE) return 'invalid';
  if (v === null) return 'nil';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'float';
  if (typeof v === 'string') return 'string';
  if (Array.isArray(v)) return 'slice';
  return 'map';
}

function goTypeName(v: unknown): string {
  switch (kindOf(v)) {
    case 'int':
      return 'int';
    case 'float':
      return 'float64';
    case 'string':
      return 'string';
    case 'bool':
      return 'bool';
    case 'slice':
      return '[]interface {}';
    case 'map':
      return 'map[string]interface {}';
    default:
      return 'interface {}';
  }
}

/** Go's truth: false, 0, nil, "" and empty collections are false. */
export function goTruth(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return false;
    case 'bool':
      return v as boolean;
    case 'int':
      return (v as bigint) !== 0n;
    case 'float':
      return (v as number) !== 0;
    case 'string':
      return (v as string) !== '';
    case 'slice':
      return (v as unknown[]).length > 0;
    default:
      return Object.keys(v as object).length > 0;
  }
}

/**
 * fmt's %v for a float64: strconv.FormatFloat(f, 'g', -1, 64), the shortest digits that read
 * back the same, with an exponent when it is below -4 or at least 6 (so 1e+06, 1.5e+08).
 */
export function formatGoFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [mantissa, expText] = f.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return f.toString();
}

/** fmt's %v of a value as the template prints it. */
export function goPrint(v: unknown): string {
  switch (kindOf(v)) {
    case 'invalid':
      return '<no value>';
    case 'nil':
      return '<nil>';
    case 'int':
      return (v as bigint).toString();
    case 'float':
      return formatGoFloat(v as number);
    case 'slice':
      return `[${(v as unknown[]).map(goInner).join(' ')}]`;
    case 'map':
      return `map[${Object.keys(v as object)
        .sort()
        .map((k) => `${k}:${goInner((v as Record<string, unknown>)[k])}`)
        .join(' ')}]`;
    default:
      return String(v);
  }
}

/** Inside a collection Go prints nil as <nil> too. */
function goInner(v: unknown): string {
  return v === NO_VALUE ? '<nil>' : goPrint(v);
}

/** BigInt ints become numbers for JS functions (sprig); everything else as is. */
function toJs(v: unknown): unknown {
  return typeof v === 'bigint' ? Number(v) : v;
}

function basicCompare(a: unknown, b: unknown, op: string): number | boolean {
  const ka = kindOf(a);
  const kb = kindOf(b);
  const numeric = (k: Kind) => k === 'int' || k === 'float';
  if (numeric(ka) && numeric(kb)) {
    const x = Number(a as number);
    const y = Number(b as number);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (ka !== kb) {
    if (op === 'eq' && (ka === 'nil' || kb === 'nil')) return ka === kb ? 0 : 1;
    throw new Error('incompatible types for comparison');
  }
  switch (ka) {
    case 'string':
      return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
    case 'bool':
      if (op !== 'eq') throw new Error('invalid type for comparison');
      return a === b ? 0 : 1;
    case 'nil':
      if (op !== 'eq') throw new Error('invalid type for comparison');
      return 0;
    default:
      throw new Error(op === 'eq' ? 'non-comparable type' : 'invalid type for comparison');
  }
}

// ---------------------------------------------------------------------------------------------
// fmt
// ---------------------------------------------------------------------------------------------

/** fmt.Sprint: a space between operands when neither is a string. */
function sprint(args: unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && kindOf(a) !== 'string' && kindOf(args[i - 1]) !== 'string') out += ' ';
    out += goPrint(a);
  });
  return out;
}

/** fmt.Sprintf with the verbs templates use: %v %s %d %q %f %e %g %x %X %t %c %%. */
export function sprintf(format: string, args: unknown[]): string {
  let argIndex = 0;
  return (
    format.replace(
      /%([-+# 0]*)(\d+|\*)?(?:\.(\d+|\*))?([a-zA-Z%])/g,
      (
        _whole,
        flags: string,
        widthText: string | undefined,
        precText: string | undefined,
        verb: string,
      ) => {
        if (verb === '%') return '%';
        const width =
          widthText === '*' ? Number(args[argIndex++]) : widthText ? Number(widthText) : undefined;
        const prec =
          precText === '*'
            ? Number(args[argIndex++])
            : precText !== undefined
              ? Number(precText)
              : undefined;
        if (argIndex >= args.length) return `%!${verb}(MISSING)`;
        const arg = args[argIndex++];
        let text: string;
        const k = kindOf(arg);
        const num = k === 'int' || k === 'float' ? Number(arg as number) : NaN;
        switch (verb) {
          case 'v':
            text = goPrint(arg);
            break;
          case 's':
            text = k === 'string' ? (arg as string) : goPrint(arg);
            if (prec !== undefined) text = text.slice(0, prec);
            break;
          case 'q':
            text =
              k === 'string'
                ? JSON.stringify(arg)
                : k === 'int'
                  ? `'${String.fromCodePoint(Number(arg))}'`
                  : `%!q(${goTypeName(arg)}=${goPrint(arg)})`;
            break;
          case 'd':
            text =
              k === 'int' ? (arg as bigint).toString() : `%!d(${goTypeName(arg)}=${goPrint(arg)})`;
            if (k === 'int' && flags.includes('+') && (arg as bigint) >= 0n) text = '+' + text;
            break;
          case 'f':
          case 'F':
            text = Number.isNaN(num)
              ? `%!f(${goTypeName(arg)}=${goPrint(arg)})`
              : num.toFixed(prec ?? 6);
            break;
          case 'e':
            text = Number.isNaN(num)
              ? `%!e(${goTypeName(arg)}=${goPrint(arg)})`
              : goExponent(num.toExponential(prec ?? 6));
            break;
          case 'g':
            text = Number.isNaN(num)
              ? `%!g(${goTypeName(arg)}=${goPrint(arg)})`
              : prec === undefined
                ? formatGoFloat(num)
                : goExponent(num.toPrecision(prec));
            break;
          case 'x':
          case 'X': {
            if (k === 'int') text = (arg as bigint).toString(16);
            else if (k === 'string') text = Buffer.from(arg as string).toString('hex');
            else text = `%!${verb}(${goTypeName(arg)}=${goPrint(arg)})`;
            if (verb === 'X') text = text.toUpperCase();
            break;
          }
          case 't':
            text = k === 'bool' ? String(arg) : `%!t(${goTypeName(arg)}=${goPrint(arg)})`;
            break;
          case 'c':
            text =
              k === 'int'
                ? String.fromCodePoint(Number(arg))
                : `%!c(${goTypeName(arg)}=${goPrint(arg)})`;
            break;
          case 'T':
            text = goTypeName(arg);
            break;
          default:
            text = `%!${verb}(${goTypeName(arg)}=${goPrint(arg)})`;
        }
        if (width !== undefined && text.length < width) {
          if (flags.includes('-')) text = text.padEnd(width);
          else if (flags.includes('0') && /[dfeEgx]/.test(verb)) {
            const neg = text.startsWith('-');
            text = (neg ? '-' : '') + text.slice(neg ? 1 : 0).padStart(width - (neg ? 1 : 0), '0');
          } else text = text.padStart(width);
        }
        return text;
      },
    ) +
    (argIndex < args.length
      ? `%!(EXTRA ${args
          .slice(argIndex)
          .map((a) => `${goTypeName(a)}=${goPrint(a)}`)
          .join(', ')})`
      : '')
  );
}

function goExponent(s: string): string {
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

// ---------------------------------------------------------------------------------------------
// Execution
// ---------------------------------------------------------------------------------------------

class Control {
  constructor(readonly kind: 'break' | 'continue') {}
}

class ExecError extends Error {}

interface Scope {
  vars: Map<string, unknown>[];
}

/** sprig functions whose Go result is an int64. */
const INT_RESULTS = new Set([
  'add',
  'add1',
  'sub',
  'mul',
  'div',
  'mod',
  'max',
  'min',
  'atoi',
  'int',
  'int64',
  'floor',
  'ceil',
  'round',
]);

const BUILTIN_NAMES = [
  'and',
  'or',
  'not',
  'len',
  'index',
  'slice',
  'print',
  'printf',
  'println',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'html',
  'js',
  'urlquery',
  'call',
];

export class GoTemplate {
  constructor(
    readonly name: string,
    private readonly root: Node[],
    private readonly templates: Map<string, Node[]>,
    private readonly funcs: Record<string, Fn>,
    private readonly source: string,
  ) {}

  execute(data: unknown): string {
    const out: string[] = [];
    const scope: Scope = { vars: [new Map([['$', data]])] };
    this.walk(this.root, data, scope, out, 0);
    return out.join('');
  }

  private fail(pos: number, at: string, message: string): never {
    throw new GoTemplateError(
      `template: ${this.name}:${location(this.source, pos)}: executing "${this.name}" at <${at}>: ${message}`,
    );
  }

  private walk(list: Node[], dot: unknown, scope: Scope, out: string[], depth: number): void {
    for (const node of list) {
      switch (node.n) {
        case 'text':
          out.push(node.text);
          break;
        case 'action': {
          const v = this.pipeline(node.pipe, dot, scope);
          if (node.pipe.decl.length === 0) out.push(goPrint(v));
          break;
        }
        case 'if':
        case 'with': {
          scope.vars.push(new Map());
          try {
            const v = this.pipeline(node.pipe, dot, scope);
            if (goTruth(v)) this.walk(node.list, node.n === 'with' ? v : dot, scope, out, depth);
            else if (node.elseList) this.walk(node.elseList, dot, scope, out, depth);
          } finally {
            scope.vars.pop();
          }
          break;
        }
        case 'range':
          this.range(node, dot, scope, out, depth);
          break;
        case 'template': {
          const body = this.templates.get(node.name);
          if (!body)
            this.fail(node.pos, `template "${node.name}"`, `no such template "${node.name}"`);
          if (depth > 100)
            this.fail(node.pos, `template "${node.name}"`, 'exceeded maximum template depth (100)');
          const next = node.pipe ? this.pipeline(node.pipe, dot, scope) : null;
          this.walk(body, next, { vars: [new Map([['$', next]])] }, out, depth + 1);
          break;
        }
        case 'break':
        case 'continue':
          throw new Control(node.n);
      }
    }
  }

  private range(
    node: Extract<Node, { n: 'range' }>,
    dot: unknown,
    scope: Scope,
    out: string[],
    depth: number,
  ): void {
    scope.vars.push(new Map());
    try {
      const pipe = { ...node.pipe, decl: [] };
      const v = this.pipeline(pipe, dot, scope);
      const entries: [unknown, unknown][] = [];
      switch (kindOf(v)) {
        case 'slice':
          (v as unknown[]).forEach((item, i) =>
            entries.push([BigInt(i), item === undefined ? null : item]),
          );
          break;
        case 'map':
          for (const k of Object.keys(v as object).sort())
            entries.push([k, (v as Record<string, unknown>)[k]]);
          break;
        case 'int':
          for (let i = 0n; i < (v as bigint); i++) entries.push([i, i]);
          break;
        case 'invalid':
        case 'nil':
          break;
        default:
          this.fail(node.pipe.pos, node.pipe.text, `range can't iterate over ${goPrint(v)}`);
      }
      if (entries.length === 0) {
        if (node.elseList) this.walk(node.elseList, dot, scope, out, depth);
        return;
      }
      const vars = scope.vars[scope.vars.length - 1]!;
      for (const [key, value] of entries) {
        if (node.pipe.decl.length === 1) vars.set(node.pipe.decl[0]!, value);
        if (node.pipe.decl.length === 2) {
          vars.set(node.pipe.decl[0]!, key);
          vars.set(node.pipe.decl[1]!, value);
        }
        scope.vars.push(new Map());
        try {
          this.walk(node.list, value, scope, out, depth);
        } catch (err) {
          if (!(err instanceof Control)) throw err;
          if (err.kind === 'break') break;
        } finally {
          scope.vars.pop();
        }
      }
    } finally {
      scope.vars.pop();
    }
  }

  private lookupVar(scope: Scope, name: string, pos: number): unknown {
    for (let i = scope.vars.length - 1; i >= 0; i--)
      if (scope.vars[i]!.has(name)) return scope.vars[i]!.get(name);
    this.fail(pos, name, `undefined variable: ${name}`);
  }

  private pipeline(pipe: Pipeline, dot: unknown, scope: Scope): unknown {
    let value: unknown;
    let hasFinal = false;
    for (const cmd of pipe.cmds) {
      value = this.command(cmd, dot, scope, hasFinal, value, pipe);
      hasFinal = true;
    }
    for (const name of pipe.decl) {
      if (pipe.assign) {
        const frame = [...scope.vars].reverse().find((f) => f.has(name));
        if (!frame) this.fail(pipe.pos, pipe.text, `undefined variable: ${name}`);
        frame.set(name, value);
      } else scope.vars[scope.vars.length - 1]!.set(name, value);
    }
    return value;
  }

  private command(
    cmd: Command,
    dot: unknown,
    scope: Scope,
    hasFinal: boolean,
    final: unknown,
    pipe: Pipeline,
  ): unknown {
    const first = cmd.args[0]!;
    const at = pipe.text;
    const noArgs = () => {
      if (cmd.args.length > 1 || hasFinal)
        this.fail(first.pos, at, `can't give argument to non-function ${describe(first)}`);
    };
    switch (first.t) {
      case 'ident':
        return this.call(first.name, cmd.args.slice(1), dot, scope, hasFinal, final, first.pos, at);
      case 'field':
        noArgs();
        return this.chain(dot, first.chain, first.pos, at);
      case 'var':
        noArgs();
        return this.chain(this.lookupVar(scope, first.name, first.pos), first.chain, first.pos, at);
      case 'pipe':
        noArgs();
        return this.chain(this.pipeline(first.pipe, dot, scope), first.chain, first.pos, at);
      case 'dot':
        noArgs();
        return dot;
      case 'const':
        noArgs();
        return first.value;
      case 'nil':
        this.fail(first.pos, at, 'nil is not a command');
    }
  }

  private arg(a: Arg, dot: unknown, scope: Scope, at: string): unknown {
    switch (a.t) {
      case 'field':
        return this.chain(dot, a.chain, a.pos, at);
      case 'var':
        return this.chain(this.lookupVar(scope, a.name, a.pos), a.chain, a.pos, at);
      case 'pipe':
        return this.chain(this.pipeline(a.pipe, dot, scope), a.chain, a.pos, at);
      case 'dot':
        return dot;
      case 'const':
        return a.value;
      case 'nil':
        return null;
      case 'ident':
        return this.call(a.name, [], dot, scope, false, undefined, a.pos, at);
    }
  }

  /** Field access on maps, as Go's evalField does for map[string]interface{}. */
  private chain(receiver: unknown, chain: string[], pos: number, at: string): unknown {
    let v = receiver;
    for (const field of chain) {
      switch (kindOf(v)) {
        case 'invalid':
          return NO_VALUE;
        case 'map':
          v = Object.prototype.hasOwnProperty.call(v, field)
            ? (v as Record<string, unknown>)[field]
            : NO_VALUE;
          break;
        case 'nil':
          this.fail(pos, at, `nil pointer evaluating interface {}.${field}`);
        // falls through (fail never returns)
        default:
          this.fail(pos, at, `can't evaluate field ${field} in type ${goTypeName(v)}`);
      }
    }
    return v;
  }

  private call(
    name: string,
    argNodes: Arg[],
    dot: unknown,
    scope: Scope,
    hasFinal: boolean,
    final: unknown,
    pos: number,
    at: string,
  ): unknown {
    const lazy = argNodes.map((a) => () => this.arg(a, dot, scope, at));
    if (hasFinal) lazy.push(() => final);
    try {
      if (name === 'and' || name === 'or') {
        if (lazy.length === 0)
          throw new ExecError(`wrong number of args for ${name}: want at least 1 got 0`);
        let v: unknown;
        for (const get of lazy) {
          v = get();
          if (goTruth(v) === (name === 'or')) return v;
        }
        return v;
      }
      const args = lazy.map((get) => get());
      const builtin = this.builtin(name, args);
      if (builtin.handled) return builtin.value;
      const fn = this.funcs[name]!;
      const result = fn(...args.map(toJs));
      // sprig's integer functions return int64 in Go, which prints as an int.
      return typeof result === 'number' && Number.isInteger(result) && INT_RESULTS.has(name)
        ? BigInt(result)
        : result;
    } catch (err) {
      if (err instanceof GoTemplateError || err instanceof Control) throw err;
      this.fail(pos, at, `error calling ${name}: ${(err as Error).message}`);
    }
  }

  private builtin(name: string, args: unknown[]): { handled: boolean; value?: unknown } {
    const want = (n: number) => {
      if (args.length !== n)
        throw new ExecError(`wrong number of args for ${name}: want ${n} got ${args.length}`);
    };
    switch (name) {
      case 'not':
        want(1);
        return { handled: true, value: !goTruth(args[0]) };
      case 'len': {
        want(1);
        const v = args[0];
        switch (kindOf(v)) {
          case 'string':
            return { handled: true, value: BigInt(Buffer.byteLength(v as string)) };
          case 'slice':
            return { handled: true, value: BigInt((v as unknown[]).length) };
          case 'map':
            return { handled: true, value: BigInt(Object.keys(v as object).length) };
          default:
            throw new ExecError(
              `len of ${v === NO_VALUE || v === null ? 'nil pointer' : `type ${goTypeName(v)}`}`,
            );
        }
      }
      case 'index': {
        if (args.length < 1)
          throw new ExecError('wrong number of args for index: want at least 1 got 0');
        let v = args[0];
        for (const ix of args.slice(1)) {
          switch (kindOf(v)) {
            case 'slice':
            case 'string': {
              if (kindOf(ix) !== 'int' && !(kindOf(ix) === 'float' && Number.isInteger(ix)))
                throw new ExecError(`cannot index slice/array with type ${goTypeName(ix)}`);
              const i = Number(ix as number);
              const len =
                kindOf(v) === 'string' ? Buffer.byteLength(v as string) : (v as unknown[]).length;
              if (i < 0 || i >= len) throw new ExecError(`index out of range: ${i}`);
              v =
                kindOf(v) === 'string' ? BigInt(Buffer.from(v as string)[i]!) : (v as unknown[])[i];
              break;
            }
            case 'map':
              if (kindOf(ix) !== 'string')
                throw new ExecError(`value has type ${goTypeName(ix)}; should be string`);
              // A missing key gives the element type's zero value: nil for interface{}.
              v = Object.prototype.hasOwnProperty.call(v, ix as string)
                ? (v as Record<string, unknown>)[ix as string]
                : null;
              break;
            case 'invalid':
            case 'nil':
              throw new ExecError('index of untyped nil');
            default:
              throw new ExecError(`can't index item of type ${goTypeName(v)}`);
          }
        }
        return { handled: true, value: v };
      }
      case 'slice': {
        const v = args[0];
        const idx = args.slice(1).map((a) => Number(a as number));
        if (kindOf(v) === 'string')
          return { handled: true, value: (v as string).slice(idx[0] ?? 0, idx[1]) };
        if (kindOf(v) === 'slice')
          return { handled: true, value: (v as unknown[]).slice(idx[0] ?? 0, idx[1]) };
        throw new ExecError(`can't slice item of type ${goTypeName(v)}`);
      }
      case 'print':
        return { handled: true, value: sprint(args) };
      case 'println':
        return { handled: true, value: args.map(goPrint).join(' ') + '\n' };
      case 'printf':
        if (kindOf(args[0]) !== 'string')
          throw new ExecError('printf: the format must be a string');
        return { handled: true, value: sprintf(args[0] as string, args.slice(1)) };
      case 'eq': {
        if (args.length < 2) throw new ExecError('missing argument for comparison');
        return {
          handled: true,
          value: args.slice(1).some((b) => basicCompare(args[0], b, 'eq') === 0),
        };
      }
      case 'ne':
        want(2);
        return { handled: true, value: basicCompare(args[0], args[1], 'eq') !== 0 };
      case 'lt':
      case 'le':
      case 'gt':
      case 'ge': {
        want(2);
        const c = basicCompare(args[0], args[1], name) as number;
        const value =
          name === 'lt' ? c < 0 : name === 'le' ? c <= 0 : name === 'gt' ? c > 0 : c >= 0;
        return { handled: true, value };
      }
      case 'html':
        return {
          handled: true,
          value: sprint(args).replace(
            /[&'<>"\0]/g,
            (c) =>
              ({
                '&': '&amp;',
                "'": '&#39;',
                '<': '&lt;',
                '>': '&gt;',
                '"': '&#34;',
                '\0': '\uFFFD',
              })[c]!,
          ),
        };
      case 'js':
        return {
          handled: true,
          value: sprint(args).replace(
            /[\\'"<>&=\n\r\t]/g,
            (c) =>
              ({
                '\\': '\\\\',
                "'": "\\'",
                '"': '\\"',
                '<': '\\u003C',
                '>': '\\u003E',
                '&': '\\u0026',
                '=': '\\u003D',
                '\n': '\\n',
                '\r': '\\r',
                '\t': '\\t',
              })[c]!,
          ),
        };
      case 'urlquery':
        return {
          handled: true,
          value: encodeURIComponent(sprint(args))
            .replace(/%20/g, '+')
            .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
        };
      case 'call':
        throw new ExecError('call is not supported: templates here have no function values');
    }
    return { handled: false };
  }
}

function describe(a: Arg): string {
  switch (a.t) {
    case 'field':
      return `.${a.chain.join('.')}`;
    case 'var':
      return a.name + (a.chain.length ? `.${a.chain.join('.')}` : '');
    case 'const':
      return a.text;
    case 'dot':
      return '.';
    default:
      return a.t;
  }
}

const defaultFuncs: Record<string, Fn> = {
  ...(sprigFunctions as Record<string, Fn>),
  ...Object.fromEntries(BUILTIN_NAMES.map((n) => [n, () => undefined])),
};

export function parseGoTemplate(
  source: string,
  name = 'param',
  funcs: Record<string, Fn> = defaultFuncs,
): GoTemplate {
  const lexer = new Lexer(source, name);
  const parser = new Parser(lexer.pieces(), lexer, funcs);
  const root = parser.parse();
  return new GoTemplate(name, root, parser.templates, funcs, source);
}

export function renderGoTemplate(
  source: string,
  data: unknown,
  options: { funcs?: Record<string, Fn> } = {},
): string {
  const funcs = options.funcs ? { ...defaultFuncs, ...options.funcs } : defaultFuncs;
  return parseGoTemplate(source, 'param', funcs).execute(data);
}
