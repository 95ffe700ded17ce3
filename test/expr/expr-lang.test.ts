import { describe, expect, it } from 'vitest';
import { ExprError, evaluateExpr, parseExpr } from '../../shared/expr/expr-lang.js';

const env = {
  x: 5,
  s: 'hello',
  arr: [1, 2, 3],
  nested: { a: { b: 'deep' } },
  items: [
    { name: 'a', v: 1 },
    { name: 'b', v: 2 },
    { name: 'c', v: 3 },
  ],
  inputs: { parameters: { 'my-param': '5', x: '41' } },
  nothing: null,
};

const run = (source: string, extra: Record<string, unknown> = {}) =>
  evaluateExpr(source, { ...env, ...extra });

function errorOf(source: string, extra: Record<string, unknown> = {}): ExprError {
  try {
    run(source, extra);
  } catch (error) {
    expect(error).toBeInstanceOf(ExprError);
    return error as ExprError;
  }
  throw new Error(`${source} did not fail`);
}

describe('expr-lang literals', () => {
  it.each<[string, unknown]>([
    ['42', 42],
    ['1.5', 1.5],
    ['1e3', 1000],
    ['.5', 0.5],
    ['0x1F', 31],
    ['0b101', 5],
    ['1_000_000', 1_000_000],
    ["'single'", 'single'],
    ['"double"', 'double'],
    ['"tab\\tnew\\nline"', 'tab\tnew\nline'],
    ['"say \\"hi\\""', 'say "hi"'],
    ["'it\\'s'", "it's"],
    ['"back\\\\slash"', 'back\\slash'],
    ['"\\u00e9\\x41"', 'éA'],
    ['`raw \\n "quoted"`', 'raw \\n "quoted"'],
    ['true', true],
    ['false', false],
    ['nil', null],
    ['[1, "two", nil]', [1, 'two', null]],
    ['[1, 2,]', [1, 2]],
    ['[]', []],
    ['{a: 1, "b": 2, 3: "c"}', { a: 1, b: 2, '3': 'c' }],
    ['{("k" + "ey"): true}', { key: true }],
    ['{}', {}],
    ['1 /* inline */ + 1 // trailing', 2],
  ])('%s evaluates to %j', (source, expected) => {
    expect(run(source)).toEqual(expected);
  });
});

describe('expr-lang identifiers and member access', () => {
  it.each<[string, unknown]>([
    ['x', 5],
    ['missing', null],
    ['missing == nil', true],
    ['$env.x', 5],
    ['nested.a.b', 'deep'],
    ['nested["a"]["b"]', 'deep'],
    ['nested?.a?.b', 'deep'],
    ['nothing?.b', null],
    ['nothing.b', null],
    ['missing.b.c', null],
    ['nothing?.b.c()', null],
    ['nested.a.missing', null],
    ['nested.constructor', null],
    ['inputs.parameters["my-param"]', '5'],
    ['arr[0]', 1],
    ['arr[-1]', 3],
    ['arr[1.0]', 2],
    ['arr[1:3]', [2, 3]],
    ['arr[:2]', [1, 2]],
    ['arr[1:]', [2, 3]],
    ['arr[-2:]', [2, 3]],
    ['arr[:]', [1, 2, 3]],
    ['arr[2:99]', [3]],
    ['s[1:3]', 'el'],
    ['s[0]', 104],
    ['items[1].name', 'b'],
    ['nothing?.[0]', null],
  ])('%s evaluates to %j', (source, expected) => {
    expect(run(source)).toEqual(expected);
  });
});

describe('expr-lang operators', () => {
  it.each<[string, unknown]>([
    // precedence and associativity
    ['1 + 2 * 3 == 7', true],
    ['(1 + 2) * 3', 9],
    ['10 - 2 - 3', 5],
    ['2 ** 3 ** 2', 512],
    ['(2 ** 3) ** 2', 64],
    ['2 ^ 3', 8],
    ['-2 ** 2', -4],
    ['2 * 3 % 4', 2],
    ['-x + 1', -4],
    ['+x', 5],
    ['true or false and false', true],
    ['not true or true', true],
    ['!false && false', false],
    ['not (1 == 2)', true],
    ['1 < 2 < 3', true],
    ['3 > 2 > 1', true], // chains into 3 > 2 && 2 > 1
    ['1 < 3 < 2', false],
    ['1 == 1 && 2 != 3', true],
    // ints and floats stay distinct
    ['7 / 2', 3.5],
    ['4 / 2', 2],
    ['type(4 / 2)', 'float'],
    ['type(4)', 'int'],
    ['type(2 ** 2)', 'float'],
    ['type(1 + 1.0)', 'float'],
    ['type(1 + 1)', 'int'],
    ['7 % 3', 1],
    ['-7 % 3', -1],
    ['1 + 1.5', 2.5],
    ['1 == 1.0', true],
    ['1 < 1.5', true],
    ['"1" == 1', false],
    ['nil == false', false],
    ['nil != nil', false],
    ['[1, 2] == [1, 2.0]', true],
    ['{a: [1]} == {a: [1]}', true],
    ['{a: 1} == {a: 2}', false],
    // strings
    ['"a" + "b"', 'ab'],
    ['"a" < "b"', true],
    ['"abc" contains "b"', true],
    ['"abc" not contains "z"', true],
    ['"abc" startsWith "ab"', true],
    ['"abc" endsWith "bc"', true],
    ['"abc" not endsWith "bc"', false],
    ['nil contains "a"', false],
    ['"abc" matches "^[a-c]+$"', true],
    ['"2024-01-02" matches "^\\\\d{4}-\\\\d{2}"', true],
    ['"ABC" matches "(?i)^abc$"', true],
    ['"abc" matches "\\\\Aab"', true],
    ['"ab" matches `^(?P<first>a)b\\z`', true],
    ['"abc" not matches "z"', true],
    // membership
    ['2 in [1, 2, 3]', true],
    ['2.0 in arr', true],
    ['4 in arr', false],
    ['4 not in arr', true],
    ['"a" in {a: 1}', true],
    ['"b" not in {a: 1}', true],
    ['"my-param" in inputs.parameters', true],
    ['1 in nil', false],
    // ranges
    ['1..3', [1, 2, 3]],
    ['1 + 1..3', [2, 3]],
    ['3..1', []],
    ['len(0..9)', 10],
    // ternary and nil coalescing
    ['true ? 1 : 2', 1],
    ['x > 2 ? "big" : "small"', 'big'],
    ['x > 9 ? "huge" : x > 4 ? "big" : "small"', 'big'],
    ['x > 9 ? "huge" : x > 6 ? "big" : "small"', 'small'],
    ['(x > 4 ? x > 9 : true) ? "a" : "b"', 'b'],
    ['true ?: false', true],
    ['missing ?? "default"', 'default'],
    ['nothing ?? 1 ?? 2', 1],
    ['0 ?? 1', 0],
    ['false ?? true', false],
    ['nested?.a?.c ?? "none"', 'none'],
    ['1 + (missing ?? 2)', 3],
  ])('%s evaluates to %j', (source, expected) => {
    expect(run(source)).toEqual(expected);
  });

  it('returns plain JavaScript numbers for integral floats', () => {
    expect(run('[4 / 2, 1e3]')).toStrictEqual([2, 1000]);
    expect(run('{half: 4 / 2}')).toStrictEqual({ half: 2 });
  });
});

describe('expr-lang closures', () => {
  it.each<[string, unknown]>([
    ['filter([1, 2, 3], # > 1)', [2, 3]],
    ['map(items, #.name)', ['a', 'b', 'c']],
    ['map(items, .name)', ['a', 'b', 'c']],
    ['map(arr, # * #index)', [0, 2, 6]],
    ['all(arr, {# > 0})', true],
    ['all(arr, # > 1)', false],
    ['all([], # > 1)', true],
    ['any(arr, # > 2)', true],
    ['none(arr, # > 3)', true],
    ['one(arr, # > 2)', true],
    ['one(arr, # > 1)', false],
    ['count(arr, # > 1)', 2],
    ['count([true, false, true])', 2],
    ['sum(arr)', 6],
    ['sum(items, .v * 2)', 12],
    ['sum([])', 0],
    ['find(items, .v == 2).name', 'b'],
    ['find(items, .v == 9)', null],
    ['findIndex(arr, # == 3)', 2],
    ['findIndex(arr, # == 9)', null],
    ['map(filter(items, .v > 1), {upper(.name)})', ['B', 'C']],
    ['map([[1, 2], [3]], sum(#))', [3, 3]],
    ['map([[1, 2], [3]], map(#, # * 10))', [[10, 20], [30]]],
    ['groupBy(items, .v % 2 == 0)', { false: [env.items[0], env.items[2]], true: [env.items[1]] }],
    ['sortBy(items, -.v)[0].name', 'c'],
    ['map(sortBy(items, .name, "desc"), .name)', ['c', 'b', 'a']],
    ['reduce(arr, #acc + #, 10)', 16],
    ['reduce(arr, #acc * #)', 6],
    ['reduce(arr, #acc + #index, 0)', 3],
    ['len(filter(items, #.v > 1))', 2],
  ])('%s evaluates to %j', (source, expected) => {
    expect(run(source)).toEqual(expected);
  });
});

describe('expr-lang pipes', () => {
  it.each<[string, unknown]>([
    ['"  a " | trim()', 'a'],
    ['[3, 1, 2] | sort()', [1, 2, 3]],
    ['items | filter(.v > 1) | map(.name)', ['b', 'c']],
    ['"a,b" | split(",") | join("-")', 'a-b'],
    ['arr | sum() | string()', '6'],
    ['s | upper() + "!"', 'HELLO!'],
    ['arr | reduce(#acc + #, 0)', 6],
  ])('%s evaluates to %j', (source, expected) => {
    expect(run(source)).toEqual(expected);
  });
});

describe('expr-lang builtins', () => {
  it.each<[string, unknown]>([
    ['len("héllo")', 5],
    ['len(arr)', 3],
    ['len({a: 1, b: 2})', 2],
    ['abs(-3)', 3],
    ['abs(-2.5)', 2.5],
    ['int("12")', 12],
    ['int("-7")', -7],
    ['int(3.9)', 3],
    ['int(-3.9)', -3],
    ['float("1.5")', 1.5],
    ['type(float(2))', 'float'],
    ['string(1)', '1'],
    ['string(1.5)', '1.5'],
    ['string(4 / 2)', '2'],
    ['string(1e6)', '1e+06'],
    ['string(0.00001)', '1e-05'],
    ['string(123456.5)', '123456.5'],
    ['string([1, "a", nil, [true]])', '[1 a <nil> [true]]'],
    ['string({b: 1, a: [2]})', 'map[a:[2] b:1]'],
    ['string(nil)', '<nil>'],
    ['toJSON({b: 1, a: [1, "x"]})', '{\n  "a": [\n    1,\n    "x"\n  ],\n  "b": 1\n}'],
    ['toJSON("<a&b>")', '"\\u003ca\\u0026b\\u003e"'],
    ['toJSON(4 / 2)', '2'],
    ['fromJSON(\'{"a": [1, 2]}\').a[1]', 2],
    ['type(fromJSON("1"))', 'float'],
    ['upper("abc")', 'ABC'],
    ['lower("ABC")', 'abc'],
    ['trim("  a b  ")', 'a b'],
    ['trim("xxaxx", "x")', 'a'],
    ['trimPrefix("prefix-a", "prefix-")', 'a'],
    ['trimSuffix("a.txt", ".txt")', 'a'],
    ['split("a,b,c", ",")', ['a', 'b', 'c']],
    ['split("a,b,c", ",", 2)', ['a', 'b,c']],
    ['split("abc", "")', ['a', 'b', 'c']],
    ['join(["a", "b"], ", ")', 'a, b'],
    ['join(["a", "b"])', 'ab'],
    ['replace("aaa", "a", "b")', 'bbb'],
    ['replace("aaa", "a", "$&", 2)', '$&$&a'],
    ['repeat("ab", 3)', 'ababab'],
    ['indexOf("héllo", "l")', 3],
    ['indexOf("abc", "z")', -1],
    ['lastIndexOf("abcabc", "b")', 4],
    ['hasPrefix("abc", "ab")', true],
    ['hasSuffix("abc", "bc")', true],
    ['keys({a: 1, b: 2})', ['a', 'b']],
    ['values({a: 1, b: 2})', [1, 2]],
    ['first(arr)', 1],
    ['last(arr)', 3],
    ['first([])', null],
    ['max(arr)', 3],
    ['max(1, 7.5, 3)', 7.5],
    ['min([4, [2, 9]], 3)', 2],
    ['mean([1, 2])', 1.5],
    ['ceil(1.2)', 2],
    ['floor(1.8)', 1],
    ['round(2.5)', 3],
    ['round(-2.5)', -3],
    ['type(ceil(1))', 'float'],
    [
      '[type(nil), type(true), type("s"), type(arr), type({}), type(1.5)]',
      ['nil', 'bool', 'string', 'array', 'map', 'float'],
    ],
    ['toBase64("héllo")', 'aMOpbGxv'],
    ['fromBase64("aMOpbGxv")', 'héllo'],
    ['sort([3, 1, 2])', [1, 2, 3]],
    ['sort(["b", "a"], "desc")', ['b', 'a']],
    ['reverse(arr)', [3, 2, 1]],
    ['uniq([1, 2, 1, 2.0, "1"])', [1, 2, '1']],
    ['concat([1], [2, 3], [])', [1, 2, 3]],
    ['flatten([1, [2, [3]]])', [1, 2, 3]],
  ])('%s evaluates to %j', (source, expected) => {
    expect(run(source)).toEqual(expected);
  });

  it('leaves the env untouched by sort and reverse', () => {
    const values = [3, 1, 2];
    evaluateExpr('sort(values) == reverse(values)', { values });
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('expr-lang user functions', () => {
  it('lets functions extend and override builtins', () => {
    const functions = { double: (n: unknown) => Number(n) * 2, len: () => 'overridden' };
    expect(evaluateExpr('double(x) + 1', env, functions)).toBe(11);
    expect(evaluateExpr('len(arr)', env, functions)).toBe('overridden');
  });

  it('calls functions that sit in env, also as members', () => {
    const sprig = { trim: (s: unknown) => String(s).trim() };
    expect(evaluateExpr('sprig.trim("  a ")', { sprig })).toBe('a');
    expect(evaluateExpr('asInt("4") * 2', { asInt: (s: unknown) => Number(s) })).toBe(8);
  });

  it('calls methods with their object as this', () => {
    class Counter {
      constructor(private readonly base: number) {}
      plus(n: unknown) {
        return this.base + Number(n);
      }
    }
    expect(evaluateExpr('counter.plus(2)', { counter: new Counter(40) })).toBe(42);
  });

  it('hands functions plain values, floats unboxed', () => {
    const seen: unknown[] = [];
    evaluateExpr('probe(4 / 2, [1.0], {a: 2.0})', {}, { probe: (...args) => seen.push(...args) });
    expect(seen).toStrictEqual([2, [1], { a: 2 }]);
  });

  it('passes closures as functions when a closure builtin is overridden', () => {
    const functions = {
      filter: (xs: unknown, keep: unknown) =>
        (xs as unknown[]).filter(keep as (x: unknown) => boolean),
    };
    expect(evaluateExpr('filter([1, 2, 3], # >= 2)', {}, functions)).toEqual([2, 3]);
  });

  it('reports a failing function as an ExprError at the call', () => {
    const error = (() => {
      try {
        evaluateExpr(
          '1 + boom()',
          {},
          {
            boom: () => {
              throw new Error('kaboom');
            },
          },
        );
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ExprError);
    expect((error as ExprError).message).toBe('kaboom at 4 in "1 + boom()"');
    expect((error as ExprError).cause).toBeInstanceOf(Error);
  });
});

describe('expr-lang in Argo expressions', () => {
  const argoEnv = {
    inputs: { parameters: { x: '41', 'my-param': '5' } },
    steps: { flip: { outputs: { result: ' heads\n' } } },
    tasks: { A: { outputs: { result: 'heads' } } },
    a: '21',
    items: [{ v: 1 }, { v: 2 }, { v: 3 }],
    x: '{"a": 7}',
    sprig: { trim: (s: unknown) => String(s).trim() },
  };
  const functions = {
    asInt: (s: unknown) => parseInt(String(s), 10),
    jsonpath: (json: unknown, path: unknown) =>
      path === '$.a' ? (JSON.parse(String(json)) as { a: unknown }).a : null,
  };

  it.each<[string, unknown]>([
    ['asInt(inputs.parameters.x) + 1', 42],
    ['sprig.trim(steps.flip.outputs.result) == "heads"', true],
    ["jsonpath(x, '$.a')", 7],
    ['tasks.A.outputs.result == "heads" ? "a" : "b"', 'a'],
    ['string(int(a) * 2)', '42'],
    ['len(filter(items, #.v > 1))', 2],
    ['int(inputs.parameters["my-param"]) > 3', true],
  ])('%s evaluates to %j', (source, expected) => {
    expect(evaluateExpr(source, argoEnv, functions)).toEqual(expected);
  });
});

describe('expr-lang errors', () => {
  it.each<[string, string]>([
    ['a + )', 'unexpected token ")" at 4 in "a + )"'],
    ['1 +', 'unexpected end of expression at 3 in "1 +"'],
    ['(1', 'unexpected end of expression at 2 in "(1"'],
    ['"abc', 'literal not terminated at 0 in "\\"abc"'],
    ['"\\q"', 'invalid char escape at 1'],
    ['1 @ 2', 'unrecognized character: "@" at 2'],
    ['12abc', 'bad number syntax: "12a" at 0'],
    ['# > 1', 'unexpected token "#" at 0'],
    ['a.', 'expected name at 2'],
    [
      'a ?? b + 1',
      'Operator (+) and coalesce expressions (??) cannot be mixed. Wrap either by parentheses. at 7',
    ],
    ['filter(arr)', 'expected at least 2 arguments at 10'],
    ['"a" + 1', 'invalid operation: string + int at 4 in "\\"a\\" + 1"'],
    ['1 + 2 + "a"', 'invalid operation: int + string at 6'],
    ['1 < "a"', 'invalid operation: int < string at 2'],
    ['-"a"', 'invalid operation: - string at 0'],
    ['5 % 2.0', 'invalid operation: int % float64 at 2'],
    ['(4 / 2) % 2', 'invalid operation: float64 % int at 8'],
    ['5 % 0', 'integer divide by zero at 2'],
    ['1 and true', 'invalid operation: and (mismatched types int and bool) at 2'],
    ['true && "x"', 'invalid operation: && (mismatched types bool and string) at 5'],
    ['missing || true', 'invalid operation: || (mismatched types <nil> and bool) at 8'],
    ['!1', 'invalid operation: ! (mismatched type int) at 0'],
    ['not s', 'invalid operation: not (mismatched type string) at 0'],
    ['s ? 1 : 2', 'non-bool expression (type string) used as condition at 2'],
    ['missing ? 1 : 2', 'non-bool expression (type <nil>) used as condition at 8'],
    ['nope(1)', 'unknown function nope at 0'],
    ['x(1)', 'x is not a function (int) at 0'],
    ['nested.a.nope()', 'unknown function nope at 9'],
    ['arr[5]', 'index out of range: 5 (array length is 3) at 3'],
    ['arr[-4]', 'index out of range: -1 (array length is 3) at 3'],
    ['x.y', 'cannot fetch y from int at 2'],
    ['1 in "abc"', 'operator "in" not defined on string at 2'],
    ['1 contains "a"', 'invalid operation: int contains string at 2'],
    ['"a" matches "("', 'error parsing regexp:'],
    ['int("abc")', 'invalid operation: int(abc) at 0'],
    ['int("1.5")', 'invalid operation: int(1.5) at 0'],
    ['float("x")', 'invalid operation: float(x) at 0'],
    ['len(1)', 'invalid argument for len (type int) at 0'],
    ['upper(1)', 'invalid argument for upper (type int) at 0'],
    ['upper("a", "b")', 'invalid number of arguments for upper (expected 1, got 2) at 0'],
    ['filter(arr, # + 1)', 'predicate should return boolean (got int) at 0'],
    ['map(nothing, #)', 'invalid argument for map (type <nil>) at 0'],
    ['reduce([], #acc)', 'reduce of empty array with no initial value at 0'],
    ['sort([1, "a"])', 'invalid operation: string < int at 0'],
    ['fromJSON("{")', 'at 0 in'],
    ['fromBase64("YQ")', 'illegal base64 data at 0'],
    ['1..2000000', 'memory budget exceeded at 1'],
  ])('%s fails with %j', (source, message) => {
    expect(errorOf(source).message).toContain(message);
  });

  it('exposes detail, position and source', () => {
    const error = errorOf('x + "a"');
    expect(error).toMatchObject({
      detail: 'invalid operation: int + string',
      position: 2,
      source: 'x + "a"',
    });
    expect(error.name).toBe('ExprError');
  });
});

describe('expr-lang parse cache', () => {
  it('returns the same tree for the same source', () => {
    expect(parseExpr('cache + 1')).toBe(parseExpr('cache + 1'));
  });

  it('evaluates a kept tree repeatedly and quotes its source in errors', () => {
    const tree = parseExpr('n * 2');
    expect(evaluateExpr(tree, { n: 2 })).toBe(4);
    expect(evaluateExpr(tree, { n: 3 })).toBe(6);
    expect(() => evaluateExpr(tree, { n: 'a' })).toThrow(
      'invalid operation: string * int at 2 in "n * 2"',
    );
  });

  it('does not cache parse failures', () => {
    expect(() => parseExpr('1 +')).toThrow(ExprError);
    expect(() => parseExpr('1 +')).toThrow(ExprError);
  });

  it('evicts the least recently used tree once full', () => {
    const first = parseExpr('evict + 0');
    const kept = parseExpr('kept + 0');
    for (let i = 1; i <= 5000; i++) {
      if (i % 100 === 0) parseExpr('kept + 0');
      parseExpr(`evict + ${i}`);
    }
    expect(parseExpr('kept + 0')).toBe(kept);
    expect(parseExpr('evict + 0')).not.toBe(first);
  });
});
