import { describe, expect, it } from 'vitest';
import {
  GjsonPathError,
  gjsonGet,
  sjsonSet,
  sjsonSetRaw,
  type GjsonResult,
} from '../../shared/expr/gjson.js';

/** Freezes a document so any write to the input fails the test. */
function frozen<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) frozen(child);
    Object.freeze(value);
  }
  return value;
}

/** What gjson's Result.String() gives for a path, or undefined when it does not exist. */
function read(document: unknown, path: string): string | undefined {
  const result = gjsonGet(document, path);
  return result.exists ? result.str : undefined;
}

/** Argo Events' getValueByKey: raw JSON for blocks and null, String() for the rest. */
function valueByKey(document: unknown, key: string): string | undefined {
  const result = gjsonGet(document, key);
  if (!result.exists) return undefined;
  return result.type === 'JSON' || result.type === 'Null' ? result.raw : result.str;
}

// gjson's SYNTAX.md / README document.
const readme = frozen({
  name: { first: 'Tom', last: 'Anderson' },
  age: 37,
  children: ['Sara', 'Alex', 'Jack'],
  'fav.movie': 'Deer Hunter',
  friends: [
    { first: 'Dale', last: 'Murphy', age: 44, nets: ['ig', 'fb', 'tw'] },
    { first: 'Roger', last: 'Craig', age: 68, nets: ['fb', 'tw'] },
    { first: 'Jane', last: 'Murphy', age: 47, nets: ['ig', 'tw'] },
  ],
});

const dale = readme.friends[0];
const jane = readme.friends[2];

describe('gjson paths from SYNTAX.md', () => {
  it.each<[string, unknown]>([
    // Basic
    ['name.last', 'Anderson'],
    ['name.first', 'Tom'],
    ['age', 37],
    ['children', ['Sara', 'Alex', 'Jack']],
    ['children.0', 'Sara'],
    ['children.1', 'Alex'],
    ['friends.1', readme.friends[1]],
    ['friends.1.first', 'Roger'],
    ['friends.1.last', 'Craig'],
    // Wildcards
    ['child*.2', 'Jack'],
    ['c?ildren.0', 'Sara'],
    // Escape character
    ['fav\\.movie', 'Deer Hunter'],
    // Arrays
    ['children.#', 3],
    ['friends.#', 3],
    ['friends.#.age', [44, 68, 47]],
    ['friends.#.first', ['Dale', 'Roger', 'Jane']],
    // Queries
    ['friends.#(last=="Murphy").first', 'Dale'],
    ['friends.#(last=="Murphy")#.first', ['Dale', 'Jane']],
    ['friends.#(age>45)#.last', ['Craig', 'Murphy']],
    ['friends.#(first%"D*").last', 'Murphy'],
    ['friends.#(first!%"D*").last', 'Craig'],
    ['children.#(!%"*a*")', 'Alex'],
    ['children.#(%"*a*")#', ['Sara', 'Jack']],
    ['friends.#(nets.#(=="fb"))#.first', ['Dale', 'Roger']],
    // Dot vs pipe
    ['friends.0.first', 'Dale'],
    ['friends|0.first', 'Dale'],
    ['friends.0|first', 'Dale'],
    ['friends|0|first', 'Dale'],
    ['friends|#', 3],
    ['friends.#(last="Murphy")#', [dale, jane]],
    ['friends.#(last="Murphy")#.first', ['Dale', 'Jane']],
    ['friends.#(last="Murphy")#.0', []],
    ['friends.#(last="Murphy")#|0', dale],
    ['friends.#(last="Murphy")#.#', []],
    ['friends.#(last="Murphy")#|#', 2],
    // Modifiers
    ['children.@reverse', ['Jack', 'Alex', 'Sara']],
    ['children.@reverse.0', 'Jack'],
    ['@this.name.first', 'Tom'],
    ['name.@keys', ['first', 'last']],
    ['name.@values', ['Tom', 'Anderson']],
    // Multipaths
    [
      '{name.first,age,"the_murphys":friends.#(last="Murphy")#.first}',
      { first: 'Tom', age: 37, the_murphys: ['Dale', 'Jane'] },
    ],
    // Literals
    [
      '{name.first,age,"company":!"Happysoft","employed":!true}',
      { first: 'Tom', age: 37, company: 'Happysoft', employed: true },
    ],
  ])('%s reads %j', (path, expected) => {
    const result = gjsonGet(readme, path);
    expect(result.exists).toBe(true);
    expect(result.value).toEqual(expected);
  });

  it.each([
    'friends.#(last="Murphy")#|first',
    'name.middle',
    'children.3',
    'friends.#(age>99).first',
  ])('%s does not exist', (path) => {
    expect(gjsonGet(readme, path)).toEqual({
      exists: false,
      type: 'Null',
      value: null,
      raw: '',
      str: '',
    });
  });

  it('the tilde operators convert values to booleans before comparing', () => {
    const vals = frozen({
      vals: [
        { a: 1, b: 'data' },
        { a: 2, b: true },
        { a: 3, b: false },
        { a: 4, b: '0' },
        { a: 5, b: 0 },
        { a: 6, b: '1' },
        { a: 7, b: 1 },
        { a: 8, b: 'true' },
        { a: 9, b: false },
        { a: 10, b: null },
        { a: 11 },
      ],
    });
    const raw = (path: string) => gjsonGet(vals, path).raw;
    expect(raw('vals.#(b==~true)#.a')).toBe('[2,6,7,8]');
    expect(raw('vals.#(b!=~true)#.a')).toBe('[1,3,4,5,9,10,11]');
    expect(raw('vals.#(b==~false)#.a')).toBe('[3,4,5,9,10,11]');
    expect(raw('vals.#(b!=~false)#.a')).toBe('[1,2,6,7,8]');
    expect(raw('vals.#(b==~null)#.a')).toBe('[10,11]');
    expect(raw('vals.#(b!=~null)#.a')).toBe('[1,2,3,4,5,6,7,8,9]');
    expect(raw('vals.#(b==~*)#.a')).toBe('[1,2,3,4,5,6,7,8,9,10]');
    expect(raw('vals.#(b!=~*)#.a')).toBe('[11]');
  });
});

describe('gjson results', () => {
  it.each<[unknown, Omit<GjsonResult, 'exists'>]>([
    ['text', { type: 'String', value: 'text', raw: '"text"', str: 'text' }],
    ['say "hi"', { type: 'String', value: 'say "hi"', raw: '"say \\"hi\\""', str: 'say "hi"' }],
    [42, { type: 'Number', value: 42, raw: '42', str: '42' }],
    [-1.5, { type: 'Number', value: -1.5, raw: '-1.5', str: '-1.5' }],
    [true, { type: 'True', value: true, raw: 'true', str: 'true' }],
    [false, { type: 'False', value: false, raw: 'false', str: 'false' }],
    [null, { type: 'Null', value: null, raw: 'null', str: '' }],
    [
      { a: [1, { b: 2 }] },
      {
        type: 'JSON',
        value: { a: [1, { b: 2 }] },
        raw: '{"a":[1,{"b":2}]}',
        str: '{"a":[1,{"b":2}]}',
      },
    ],
    [[], { type: 'JSON', value: [], raw: '[]', str: '[]' }],
  ])('a %j value reads with its type, raw text and String()', (value, expected) => {
    expect(gjsonGet({ key: value }, 'key')).toEqual({ exists: true, ...expected });
  });

  it.each<[number, string]>([
    [1e21, '1000000000000000000000'],
    [1.5e-7, '0.00000015'],
    [123456789012, '123456789012'],
    [0.1, '0.1'],
    [-2e-10, '-0.0000000002'],
  ])('the number %d prints as Go prints it: %s', (n, str) => {
    expect(gjsonGet({ n }, 'n').str).toBe(str);
  });

  it('value is a copy: changing it leaves the document alone', () => {
    const document = { a: { b: [1, 2] } };
    const value = gjsonGet(document, 'a').value as { b: number[] };
    value.b.push(3);
    expect(document.a.b).toEqual([1, 2]);
  });

  it('a missing or undefined document finds nothing', () => {
    expect(gjsonGet(undefined, 'a').exists).toBe(false);
    expect(gjsonGet('text', 'a').exists).toBe(false);
    expect(gjsonGet(null, '0').exists).toBe(false);
  });
});

describe('gjson paths from gjson_test.go', () => {
  it('escaped wildcard, dot and question mark characters are literal', () => {
    const document = {
      test: {
        '*': 'valZ',
        '*v': 'val0',
        'keyv*': 'val1',
        'key*v': 'val2',
        'keyv?': 'val3',
        'key?v': 'val4',
        'keyv.': 'val5',
        'key.v': 'val6',
        'keyk*': { 'key?': 'val7' },
      },
    };
    expect(read(document, 'test.\\*')).toBe('valZ');
    expect(read(document, 'test.\\*v')).toBe('val0');
    expect(read(document, 'test.keyv\\*')).toBe('val1');
    expect(read(document, 'test.key\\*v')).toBe('val2');
    expect(read(document, 'test.keyv\\?')).toBe('val3');
    expect(read(document, 'test.key\\?v')).toBe('val4');
    expect(read(document, 'test.keyv\\.')).toBe('val5');
    expect(read(document, 'test.key\\.v')).toBe('val6');
    expect(read(document, 'test.keyk\\*.key\\?')).toBe('val7');
  });

  const info = frozen({
    info: {
      friends: [
        {
          first: 'Dale',
          last: 'Murphy',
          kind: 'Person',
          cust1: true,
          extra: [10, 20, 30],
          details: { city: 'Tempe', state: 'Arizona' },
        },
        {
          first: 'Roger',
          last: 'Craig',
          kind: 'Person',
          cust2: false,
          extra: [40, 50, 60],
          details: { city: 'Phoenix', state: 'Arizona' },
        },
      ],
    },
  });

  it.each<[string, string | undefined]>([
    // numbers
    ['i*.f*.#[extra.0<11].first', 'Dale'],
    ['i*.f*.#[extra.0<10].first', undefined],
    ['i*.f*.#[extra.0<=10].first', 'Dale'],
    ['i*.f*.#[extra.0=11].first', undefined],
    ['i*.f*.#[extra.0!=10].first', 'Roger'],
    ['i*.f*.#[extra.0>10].first', 'Roger'],
    ['i*.f*.#[extra.0>=10].first', 'Dale'],
    // strings
    ['i*.f*.#[first>"Dale"].last', 'Craig'],
    ['i*.f*.#[first>="Dale"].last', 'Murphy'],
    ['i*.f*.#[first!="Dale"].last', 'Craig'],
    ['i*.f*.#[first<"Dale"].last', undefined],
    ['i*.f*.#[first%"Da*"].last', 'Murphy'],
    ['i*.f*.#[first%"*a*"]#|#', '1'],
    ['i*.f*.#[first%"*e*"]#|#', '2'],
    ['i*.f*.#[first!%"*e*"]#|#', '0'],
    // booleans
    ['i*.f*.#[cust1=true].first', 'Dale'],
    ['i*.f*.#[cust2=false].first', 'Roger'],
    ['i*.f*.#[cust1!=false].first', 'Dale'],
    ['i*.f*.#[cust1>true].first', undefined],
    ['i*.f*.#[cust1>=true].first', 'Dale'],
    ['i*.f*.#[cust2<false].first', undefined],
    ['i*.f*.#[cust2<=false].first', 'Roger'],
    // deep selectors and pipes
    ['info.friends.#[first="Dale"].extra.0', '10'],
    ['info.friends.#[first="Dale"].extra|0', '10'],
    ['info.friends.#[first="Dale"]|extra|0', '10'],
    ['info.friends.#[details.city="Phoenix"].last', 'Craig'],
    ['info.friends.#[details.state="Arizona"].last', 'Murphy'],
    ['info|friends|#[first="Dale"]|last', 'Murphy'],
    ['@ugly.info|@ugly.friends|#[first="Dale"]|last', 'Murphy'],
    ['info.friends.#[kind="Person"]#.kind|0', 'Person'],
    ['info.friends.#.kind|0', 'Person'],
    ['info.friends.#[kind="Person"]#.kind', '["Person","Person"]'],
    ['info.friends.#[kind="Person"]#|kind', undefined],
    ['info.friends.#|kind', undefined],
    ['i*.f*.#[kind="Other"]#', '[]'],
    ['info.friends.[0.first,1.extra.0]', '["Dale",40]'],
    ['info.friends.#.[first,extra.0]', '[["Dale",10],["Roger",40]]'],
    ['info.friends|@reverse|0|first', 'Roger'],
  ])('%s -> %s', (path, expected) => {
    expect(read(info, path)).toBe(expected);
  });

  it.each<[unknown, string, string | undefined]>([
    [['Bob Dylan', 'x'], '#[0="Bob Dylan"]#|#', '0'],
    [
      [['Bob Dylan'], 'John Lennon', 'John Smith', true, 123, false, null],
      '#[0="Bob Dylan"]#|#',
      '1',
    ],
    [[['Bob Dylan'], 'John Lennon', 'John Smith', true, 123, false, null], '#[%"John*"]#|#', '2'],
    [[['Bob Dylan'], 'John Lennon', 'John Smith', true, 123, false, null], '#[_%"John*"]#|#', '0'],
    [[['Bob Dylan'], 'John Lennon', 'John Smith', true, 123, false, null], '#[="123"]#|#', '1'],
    [{ friends: [{ a: 10 }, { a: 20 }, { a: 30 }, { a: 40 }] }, 'friends.#(a>9)#|#', '4'],
    [{ friends: [{ a: 10 }, { a: 20 }, { a: 30 }, { a: 40 }] }, 'friends.#(a>10)#|#', '3'],
    [{ friends: [{ a: 10 }, { a: 20 }, { a: 30 }, { a: 40 }] }, 'friends.#(a>40)#|#', '0'],
    [{ data: [{ uid: 1 }, { uid: 2 }] }, 'data.#[uid!=1]', '{"uid":2}'],
    [[true, { name: 'tom' }, false, { name: 'janet' }, null], '#.name', '["tom","janet"]'],
    [['ig', '', 'tw', 'fb'], '#(!="")#', '["ig","tw","fb"]'],
    [['ig', '', 'tw', 'fb'], '#(!=)#', '["ig","tw","fb"]'],
    [[], '#(hello)#', '[]'],
    [
      {
        friends: [
          { last: 'Mur\nphy', age: 44 },
          { last: 'Murphy', age: 47 },
        ],
      },
      'friends.#(last=="Mur\\nphy").age',
      '44',
    ],
    [
      {
        friends: [
          { last: 'Mur\nphy', age: 44 },
          { last: 'Murphy', age: 47 },
        ],
      },
      'friends.#(last=="Murphy").age',
      '47',
    ],
    [
      {
        topology: {
          instances: [
            { service_version: '1.2.3', service_roles: ['one', 'two'] },
            { service_version: '1.2.4', service_roles: ['three', 'four'] },
            { service_version: '1.2.2', service_roles: ['one'] },
          ],
        },
      },
      'topology.instances.#( service_roles.#(=="one"))#.service_version',
      '["1.2.3","1.2.2"]',
    ],
    [[{ c: [{ a: 10.11 }] }, { c: [{ a: 11.11 }] }], '@ugly|#.c.#[a=10.11]', '[{"a":10.11}]'],
    [[{ c: [{ a: 10.11 }] }, { c: [{ a: 11.11 }] }], '@ugly|#.c.#', '[1,1]'],
    [[{ c: [{ a: 10.11 }] }, { c: [{ a: 11.11 }] }], '@reverse|0|c|0|a', '11.11'],
    [[{ c: [{ a: 10.11 }] }, { c: [{ a: 11.11 }] }], '#.c|#', '2'],
    [{ '@key': 'value' }, '@key', 'value'],
    [{ '@key': 'value' }, '\\@key', 'value'],
    [{ '@context': { '@vocab': 'http://schema.org/' } }, '@context.@vocab', 'http://schema.org/'],
    [{ children: ['Sara', 'Alex'], 'fav.movie': ['Deer Hunter'] }, 'children.[0]', '["Sara"]'],
    [{ children: ['Sara', 'Alex'], 'fav.movie': ['Deer Hunter'] }, 'children.[10]', '[]'],
    [
      { children: ['Sara', 'Alex'], 'fav.movie': ['Deer Hunter'] },
      'fav\\.movie.[0]',
      '["Deer Hunter"]',
    ],
    [{ children: ['Sara', 'Alex'], 'fav.movie': ['Deer Hunter'] }, 'fav\\.movie.1', undefined],
    [{ user: { 'first.name': 'Janet' } }, 'user.first.name', undefined],
    [{ 的情况下解: { key: 1 } }, '的情况下解.key', '1'],
  ])('%j at %s -> %s', (document, path, expected) => {
    expect(read(document, path)).toBe(expected);
  });

  it.each<[unknown, string, string]>([
    [
      [1, [2], [3, 4], [5, [6, [7]]], { hi: 'there' }, 8, [9]],
      '@flatten',
      '[1,2,3,4,5,[6,[7]],{"hi":"there"},8,9]',
    ],
    [
      [1, [2], [3, 4], [5, [6, [7]]], { hi: 'there' }, 8, [9]],
      '@flatten:{"deep":true}',
      '[1,2,3,4,5,6,7,{"hi":"there"},8,9]',
    ],
    [[[1], [2, [[], [3]], [4, [5], [], [[[6]]]]]], '@flatten:{"deep":true}', '[1,2,3,4,5,6]'],
    [{ '9999': 1234 }, '@flatten', '{"9999":1234}'],
    [[{}, {}], '@join', '{}'],
    [[{ a: 1, b: 1 }, { b: 2 }, 5, { c: 3 }], '@join', '{"a":1,"b":2,"c":3}'],
    [[{ a: 1, b: 1 }, { b: 2 }, 5, { c: 3 }], '@join:{"preserve":true}.b', '1'],
    [{ x: { code: '1300014' }, y: { code: '1300015' } }, '@keys', '["x","y"]'],
    [{ x: { code: '1300014' }, y: { code: '1300015' } }, '@values.#.code', '["1300014","1300015"]'],
    ['hello', '@keys', '[null]'],
    [[1, 2, 3], '@keys', '[null,null,null]'],
    ['hello', '@values', '["hello"]'],
    [[1, 2, 3], '@values', '[1,2,3]'],
    [
      { Message: '{"Records":[{"eventVersion":"2.1"}]}' },
      'Message.@fromstr.Records.#.eventVersion.@tostr',
      '["\\"2.1\\""]',
    ],
    [
      { id: ['123', '456', '789'], val: [2, 1] },
      '@group',
      '[{"id":"123","val":2},{"id":"456","val":1},{"id":"789"}]',
    ],
    [{ b: 1, a: { d: 1, c: 2 } }, '@pretty:{"sortKeys":true}', '{"a":{"c":2,"d":1},"b":1}'],
    [
      {
        something: {
          anything: {
            abcdefg: {
              finally: { important: { secret: 'password', name: 'jake' } },
              name: 'melinda',
            },
          },
        },
      },
      '@dig:name',
      '["melinda","jake"]',
    ],
    [
      {
        group: {
          issues: [
            { refid: '123', labels: ['m1'] },
            [{ deep: [{ refid: '789', labels: ['m3'] }] }],
          ],
        },
      },
      'group.@dig:#(refid=789)|0.labels.0',
      'm3',
    ],
    [
      [{ a: 1 }, { a: 2, values: ['a', 'b', 'c', 'd', 'e'] }, true, ['a', 'b', 'c', 'd', 'e'], 4],
      '#.[0,3]',
      '[[],[],[],["a","d"],[]]',
    ],
    [
      { name: { first: 'Tom', last: 'Anderson' } },
      '!{"name":{"first":"Tom"}}.{name.first}.first',
      'Tom',
    ],
    [
      { name: { first: 'Tom', last: 'Anderson' } },
      '{name.last,"foo":!{"c":"d"},!"that"}',
      '{"last":"Anderson","foo":{"c":"d"},"_":"that"}',
    ],
    [
      { name: { first: 'Tom', last: 'Anderson' } },
      // gjson adds inf and nan, which have no JSON value here.
      '[!true,!false,!null,!inf,!nan,!hello,{"name":!"andy",name.last},+inf,!["any","thing"]]',
      '[true,false,null,{"name":"andy","last":"Anderson"},["any","thing"]]',
    ],
  ])('%j with %s -> %s', (document, path, expected) => {
    expect(read(document, path)).toBe(expected);
  });

  it('modifiers see a missing value as gjson sees empty input', () => {
    expect(read(undefined, '@keys')).toBe('[]');
    expect(read(undefined, '@values')).toBe('[]');
    expect(read(undefined, '@this')).toBeUndefined();
    expect(read({}, 'nothing|@keys')).toBe('[]');
  });

  it('the group modifier feeds a query on the grouped rows', () => {
    const issues = {
      issues: [
        { fields: { labels: ['milestone_1', 'group:foo', 'plan:a', 'plan:b'] }, id: '123' },
        { fields: { labels: ['milestone_1', 'group:foo', 'plan:a', 'plan'] }, id: '456' },
      ],
    };
    const path =
      '{"id":issues.#.id,"plans":issues.#.fields.labels.#(%"plan:*")#|#.#}|@group|#(plans>=2)#.id';
    expect(read(issues, path)).toBe('["123"]');
  });
});

describe('sjson paths from the README and sjson_test.go', () => {
  const example = frozen({ name: { first: 'Janet', last: 'Prichard' }, age: 47 });

  it('sets a value', () => {
    expect(sjsonSet(example, 'name.last', 'Anderson')).toEqual({
      name: { first: 'Janet', last: 'Anderson' },
      age: 47,
    });
  });

  it.each<[string, unknown, string, unknown, unknown]>([
    ['sets a value from an empty document', undefined, 'name', 'Tom', { name: 'Tom' }],
    [
      'sets a nested value from an empty document',
      undefined,
      'name.last',
      'Anderson',
      { name: { last: 'Anderson' } },
    ],
    [
      'sets a new value',
      { name: { last: 'Anderson' } },
      'name.first',
      'Sara',
      { name: { first: 'Sara', last: 'Anderson' } },
    ],
    [
      'updates an existing value',
      { name: { last: 'Anderson' } },
      'name.last',
      'Smith',
      { name: { last: 'Smith' } },
    ],
    [
      'sets a new array value',
      { friends: ['Andy', 'Carol'] },
      'friends.2',
      'Sara',
      { friends: ['Andy', 'Carol', 'Sara'] },
    ],
    [
      'appends with -1',
      { friends: ['Andy', 'Carol'] },
      'friends.-1',
      'Sara',
      { friends: ['Andy', 'Carol', 'Sara'] },
    ],
    [
      'pads with null past the end',
      { friends: ['Andy', 'Carol'] },
      'friends.4',
      'Sara',
      { friends: ['Andy', 'Carol', null, null, 'Sara'] },
    ],
    [
      'replaces an element by index',
      { children: ['Sara', 'Alex', 'Jack'] },
      'children.1',
      'Max',
      { children: ['Sara', 'Max', 'Jack'] },
    ],
    [
      'forces a numeric object key with a colon',
      { users: { '2313': { name: 'Sara' } } },
      'users.:2313.name',
      'Ann',
      { users: { '2313': { name: 'Ann' } } },
    ],
    ['sets null', { key: true }, 'key', null, { key: null }],
    ['sets false', { key: true }, 'key', false, { key: false }],
    ['sets 1', { key: true }, 'key', 1, { key: 1 }],
    ['sets 10.5', { key: true }, 'key', 10.5, { key: 10.5 }],
    ['sets a list', { key: true }, 'key', ['hello', 'world'], { key: ['hello', 'world'] }],
    ['sets a map', { key: true }, 'key', { hello: 'world' }, { key: { hello: 'world' } }],
    ['writes undefined as null, as Go writes nil', { key: true }, 'key', undefined, { key: null }],
    [
      'sets a key holding a dot',
      { 'app.token': 'abc' },
      'app\\.token',
      'cde',
      { 'app.token': 'cde' },
    ],
    [
      'keeps backslashes in a string value',
      undefined,
      'a',
      'C:\\Windows\\System32',
      { a: 'C:\\Windows\\System32' },
    ],
    ['sets a first element into an empty document', undefined, '0', 1234, [1234]],
    ['appends to an array inside an object', { arr: [1] }, 'arr.-1', 1, { arr: [1, 1] }],
    ['sets an emoji key', undefined, 'b.this.😇', '', { b: { this: { '😇': '' } } }],
  ])('%s', (_behaviour, document, path, value, expected) => {
    expect(sjsonSet(frozen(document), path, value)).toEqual(expected);
  });

  it.each<[unknown, string, string, unknown]>([
    [[{ hi: 'world' }], '0.hiw', '"planet"', [{ hiw: 'planet', hi: 'world' }]],
    [undefined, '0', 'true', [true]],
    [undefined, '1', 'true', [null, true]],
    [[1], '2', 'true', [1, null, true]],
    [[1, null, false], '1', 'true', [1, true, false]],
    [
      [1, { hello: 'when', this: [0, null, 2] }, false],
      '1.this.1',
      '1',
      [1, { hello: 'when', this: [0, 1, 2] }, false],
    ],
    [
      { a: 1, b: { hello: 'when', this: [0, null, 2] }, c: false },
      'b.this.4',
      '4',
      { a: 1, b: { hello: 'when', this: [0, null, 2, null, 4] }, c: false },
    ],
    [undefined, 'b.this.4', '4', { b: { this: [null, null, null, null, 4] } }],
    [undefined, '1.this.4', '4', [null, { this: [null, null, null, null, 4] }]],
    [undefined, ':1.this.4', '4', { '1': { this: [null, null, null, null, 4] } }],
    [undefined, '\\:1.this.4', '4', { ':1': { this: [null, null, null, null, 4] } }],
    [
      undefined,
      '\\:\\\\1.this.4.\\.HI',
      '4',
      { ':\\1': { this: [null, null, null, null, { '.HI': 4 }] } },
    ],
    [[1, 2], '-1', '3', [1, 2, 3]],
    [
      { size: 1000 },
      'aggs',
      '\n\t{\n\t    "sample": "hello"\n\t}\n',
      { size: 1000, aggs: { sample: 'hello' } },
    ],
  ])('SetRaw on %j at %s with %s', (document, path, raw, expected) => {
    expect(sjsonSetRaw(frozen(document), path, raw)).toEqual(expected);
  });

  it('a numeric part builds an array only where nothing exists yet', () => {
    expect(sjsonSet(undefined, 'a.0', 'x')).toEqual({ a: ['x'] });
    expect(sjsonSet({ a: {} }, 'a.0', 'x')).toEqual({ a: { '0': 'x' } });
    expect(sjsonSet({ a: null }, 'a.0.b', 'x')).toEqual({ a: [{ b: 'x' }] });
    expect(sjsonSet(undefined, 'a.-1.b', 'x')).toEqual({ a: [{ b: 'x' }] });
  });

  it('a scalar in the way is replaced by a new container, as sjson does', () => {
    expect(sjsonSet({ a: 'text' }, 'a.b', 1)).toEqual({ a: { b: 1 } });
    expect(sjsonSet({ a: 5 }, 'a.1', 1)).toEqual({ a: [null, 1] });
    expect(sjsonSet('document', 'a', 1)).toEqual({ a: 1 });
  });

  it('a query path replaces the first match', () => {
    const out = sjsonSet(readme, 'friends.#(last="Murphy").last', 'Johnson');
    expect(gjsonGet(out, 'friends.#.last').value).toEqual(['Johnson', 'Craig', 'Murphy']);
  });

  it('a query-all path replaces every match', () => {
    const out = sjsonSet(readme, 'friends.#(last="Murphy")#.last', 'Johnson');
    expect(gjsonGet(out, 'friends.#.last').value).toEqual(['Johnson', 'Craig', 'Johnson']);
  });

  it('a #.path replaces the field in every element', () => {
    const out = sjsonSet(readme, 'friends.#.age', 0);
    expect(gjsonGet(out, 'friends.#.age').value).toEqual([0, 0, 0]);
  });

  it('a key starting with @ that is no modifier is set through the complex path', () => {
    const document = { '@context': { rdfs: 'x', '@vocab': 'http://schema.org/' } };
    const out = sjsonSet(document, '@context.@vocab', 'newval');
    expect(read(out, '@context.@vocab')).toBe('newval');
  });

  it.each([
    'friends.#(last="Nobody").last',
    'children.#',
    'children.@reverse.0',
    'friends|0.first',
    'nothing.*',
  ])('a complex path that finds no stored value (%s) changes nothing', (path) => {
    expect(sjsonSet(readme, path, 'x')).toBe(readme);
  });

  it('the input document is never modified and untouched subtrees are shared', () => {
    const out = sjsonSet(readme, 'friends.1.first', 'Rog') as typeof readme;
    expect(readme.friends[1]!.first).toBe('Roger');
    expect(out.friends[1]!.first).toBe('Rog');
    expect(out.name).toBe(readme.name);
    expect(out.friends[0]).toBe(readme.friends[0]);
  });

  it('the written value is a copy of what the caller passed', () => {
    const value = { list: [1] };
    const out = sjsonSet(undefined, 'a', value) as { a: { list: number[] } };
    value.list.push(2);
    expect(out.a.list).toEqual([1]);
  });

  it('an empty path is an error', () => {
    expect(() => sjsonSet({}, '', 1)).toThrow(GjsonPathError);
    expect(() => sjsonSet({}, '', 1)).toThrow(/path is empty/);
  });

  it('a non-numeric key into an array is an error naming the path', () => {
    expect(() => sjsonSet({ list: [1, 2] }, 'list.name', 1)).toThrow(GjsonPathError);
    expect(() => sjsonSet({ list: [1, 2] }, 'list.name', 1)).toThrow(
      /"list.name".*non-numeric key "name".*"list" is an array/,
    );
    expect(() => sjsonSet([1], ':5', 1)).toThrow(/non-numeric key "5"/);
  });

  it('a forced key on an existing array element replaces it, as gjson finds the index', () => {
    expect(sjsonSet([1, 2], ':1', 'x')).toEqual([1, 'x']);
  });

  it('an absurd index is refused instead of padding millions of nulls', () => {
    expect(() => sjsonSet({ list: [] }, 'list.100000000', 1)).toThrow(/pad an array/);
  });

  it('invalid raw JSON is an error naming the path', () => {
    expect(() => sjsonSetRaw({}, 'spec.value', '{not json')).toThrow(
      /raw value for path "spec.value" is not valid JSON/,
    );
    expect(() => sjsonSetRaw({}, 'spec.value', '')).toThrow(/not valid JSON/);
  });

  it('values JSON cannot hold are an error naming the path', () => {
    expect(() => sjsonSet({}, 'a', Number.NaN)).toThrow(/path "a" cannot be written as JSON/);
    expect(() => sjsonSet({}, 'a', { n: Infinity })).toThrow(/cannot be written as JSON/);
    expect(() => sjsonSet({}, 'a', () => 1)).toThrow(/cannot be written as JSON/);
  });
});

describe('Argo Events data filters and trigger parameters', () => {
  const github = frozen({
    header: { 'X-Github-Event': ['push'] },
    body: {
      ref: 'refs/heads/main',
      repository: {
        name: 'argo-events',
        full_name: 'argoproj/argo-events',
        clone_url: 'https://github.com/argoproj/argo-events.git',
        private: false,
        stargazers_count: 4200,
      },
      commits: [
        { id: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c', message: 'fix: sensor', added: [] },
        { id: '6113728f27ae82c7b1a177c8d03f9e96e0adf246', message: 'docs', added: ['README.md'] },
      ],
      pusher: null,
    },
  });

  it.each<[string, string | undefined]>([
    ['body.ref', 'refs/heads/main'],
    ['body.repository.clone_url', 'https://github.com/argoproj/argo-events.git'],
    ['body.commits.0.id', '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c'],
    ['body.commits.#', '2'],
    [
      'body.commits.#.id',
      '["0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c","6113728f27ae82c7b1a177c8d03f9e96e0adf246"]',
    ],
    ['body.commits.#(message%"fix:*").id', '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c'],
    ['body.repository.private', 'false'],
    ['body.repository.stargazers_count', '4200'],
    ['body.pusher', 'null'],
    ['body.commits.1.added', '["README.md"]'],
    ['header.X-Github-Event.0', 'push'],
    ['body.repository.owner', undefined],
  ])('getValueByKey %s -> %s', (key, expected) => {
    expect(valueByKey(github, key)).toBe(expected);
  });

  it('a data filter reads the typed value for the comparison', () => {
    expect(gjsonGet(github, 'body.ref')).toMatchObject({ exists: true, type: 'String' });
    expect(gjsonGet(github, 'body.repository.stargazers_count').value).toBe(4200);
    expect(gjsonGet(github, 'body.repository.private').type).toBe('False');
    expect(gjsonGet(github, 'body.branch').exists).toBe(false);
  });

  it('reads the key of an object from a Minio notification', () => {
    const minio = {
      notification: {
        eventName: 's3:ObjectCreated:Put',
        s3: { bucket: { name: 'input' }, object: { key: 'hello.txt', size: 11 } },
      },
    };
    expect(valueByKey(minio, 'notification.s3.object.key')).toBe('hello.txt');
    expect(valueByKey(minio, 'notification.s3.object.size')).toBe('11');
  });

  it('reads the bucket name of an S3 event record delivered through SQS', () => {
    const sqs = {
      body: {
        Records: [
          {
            eventSource: 'aws:s3',
            s3: { bucket: { name: 'argo-artifacts' }, object: { key: 'in/data.csv' } },
          },
        ],
      },
    };
    expect(valueByKey(sqs, 'body.Records.0.s3.bucket.name')).toBe('argo-artifacts');
    expect(valueByKey(sqs, 'body.Records.#(eventSource=="aws:s3")#.s3.object.key')).toBe(
      '["in/data.csv"]',
    );
  });

  it('reads inside an SNS message that carries JSON as a string', () => {
    const sns = { body: { Message: '{"Records":[{"s3":{"object":{"key":"a.txt"}}}]}' } };
    expect(valueByKey(sns, 'body.Message.@fromstr.Records.0.s3.object.key')).toBe('a.txt');
  });

  const workflow = frozen({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { generateName: 'webhook-' },
    spec: {
      entrypoint: 'whalesay',
      arguments: { parameters: [{ name: 'message', value: 'hello' }, { name: 'repo' }] },
      templates: [
        {
          name: 'whalesay',
          container: {
            image: 'docker/whalesay:latest',
            command: ['cowsay'],
            args: ['{{workflow.parameters.message}}'],
          },
        },
      ],
    },
  });

  it('dest spec.arguments.parameters.1.value fills a parameter of a Workflow', () => {
    const value = valueByKey(github, 'body.repository.clone_url')!;
    const out = sjsonSet(workflow, 'spec.arguments.parameters.1.value', value);
    expect(gjsonGet(out, 'spec.arguments.parameters').value).toEqual([
      { name: 'message', value: 'hello' },
      { name: 'repo', value: 'https://github.com/argoproj/argo-events.git' },
    ]);
    expect(gjsonGet(out, 'spec.templates').value).toEqual(workflow.spec.templates);
    expect(workflow.spec.arguments.parameters[1]).toEqual({ name: 'repo' });
  });

  it('dest spec.arguments.parameters.0.value overwrites the default value', () => {
    const out = sjsonSet(workflow, 'spec.arguments.parameters.0.value', 'refs/heads/main');
    expect(read(out, 'spec.arguments.parameters.0.value')).toBe('refs/heads/main');
  });

  it('dest metadata.name and an escaped label key create the missing objects', () => {
    let out = sjsonSet(workflow, 'metadata.name', 'push-0d1a26e');
    out = sjsonSet(out, 'metadata.labels.app\\.kubernetes\\.io/name', 'argo-events');
    expect(gjsonGet(out, 'metadata').value).toEqual({
      generateName: 'webhook-',
      name: 'push-0d1a26e',
      labels: { 'app.kubernetes.io/name': 'argo-events' },
    });
  });

  it('useRawData writes a JSON block with SetRaw instead of a quoted string', () => {
    const commits = valueByKey(github, 'body.commits.#.id')!;
    const raw = sjsonSetRaw(workflow, 'spec.arguments.parameters.0.value', commits);
    expect(gjsonGet(raw, 'spec.arguments.parameters.0.value').type).toBe('JSON');
    const quoted = sjsonSet(workflow, 'spec.arguments.parameters.0.value', commits);
    expect(gjsonGet(quoted, 'spec.arguments.parameters.0.value').type).toBe('String');
  });

  it('the append operation reads the current value with String() and writes a string', () => {
    const current = gjsonGet(workflow, 'spec.templates.0.container.image');
    expect(current.exists).toBe(true);
    const out = sjsonSet(workflow, 'spec.templates.0.container.image', current.str + '-arm64');
    expect(read(out, 'spec.templates.0.container.image')).toBe('docker/whalesay:latest-arm64');
  });

  it('a payload built from nothing, as ConstructPayload starts from an empty document', () => {
    let payload: unknown = undefined;
    payload = sjsonSet(payload, 'ref', valueByKey(github, 'body.ref'));
    payload = sjsonSetRaw(payload, 'repo', valueByKey(github, 'body.repository')!);
    expect(payload).toEqual({ ref: 'refs/heads/main', repo: github.body.repository });
  });
});
