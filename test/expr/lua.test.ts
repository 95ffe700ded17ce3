/** Lua as Argo Events runs it for script filters and transforms: `event` in, a value out. */
import { describe, expect, it } from 'vitest';
import { LuaError, runLua } from '../../shared/expr/lua.js';

const event = { body: { a: 'b', d: { e: 'z' }, n: 3, list: ['x', 'y'], flag: true } };

describe('runLua', () => {
  it.each([
    [
      'if event.body.a == "b" and event.body.d.e == "z" then return true else return false end',
      true,
    ],
    ['return event.body.n * 2', 6],
    ['return event.body.list[2]', 'y'],
    ['return #event.body.list', 2],
    ['return event.body.flag', true],
    ['return event.body.missing', null],
    ['return string.upper(event.body.a)', 'B'],
    ['return event.body.list', ['x', 'y']],
  ])('%s', (script, expected) => {
    expect(runLua(script, { event })).toEqual(expected);
  });

  it('a table with keys becomes an object, changed fields included (a transform)', () => {
    expect(
      runLua("event.body.message = 'updated'\nreturn event", { event: { body: { message: 'x' } } }),
    ).toEqual({
      body: { message: 'updated' },
    });
  });

  it('a syntax error, a runtime error, a runaway loop and the os library are refused', () => {
    expect(() => runLua('return (', {})).toThrow(LuaError);
    expect(() => runLua('return nil + 1', {})).toThrow(/attempt to perform arithmetic/);
    expect(() => runLua('while true do end', {})).toThrow(
      /script stopped after 1000000 instructions/,
    );
    expect(() => runLua('return os.time()', {})).toThrow(/global 'os'/);
  });
});
