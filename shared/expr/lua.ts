/**
 * Lua for Argo Events' script filters and script transforms, which run gopher-lua (Lua 5.1) with
 * the event data as the global `event` and read the script's return value. Here fengari (Lua 5.3
 * in pure JS, FACTS.md): the scripts Argo users write (comparisons, field updates, `return`) read
 * the same. Pure apart from the interpreter; a runaway script is stopped after an instruction
 * budget, so a Sensor cannot hang on a `while true do end`.
 */
import fengari from 'fengari';

const { lua, lauxlib, lualib, to_luastring, to_jsstring } = fengari;

type LuaState = ReturnType<typeof lauxlib.luaL_newstate>;

export class LuaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LuaError';
  }
}

/** Instructions a script may run (checked every 1,000). */
export const LUA_INSTRUCTION_BUDGET = 1_000_000;

/**
 * Runs `script` with the given globals and returns its first return value as JSON: tables with
 * keys 1..n become arrays, other tables objects (as Argo's toGoValue does), nil is null.
 */
export function runLua(script: string, globals: Record<string, unknown>): unknown {
  const L = lauxlib.luaL_newstate();
  // Only what a filter needs: no io / os / package, so a script cannot touch the machine.
  for (const [name, open] of [
    ['_G', lualib.luaopen_base],
    ['string', lualib.luaopen_string],
    ['table', lualib.luaopen_table],
    ['math', lualib.luaopen_math],
  ] as const) {
    lauxlib.luaL_requiref(L, to_luastring(name), open, 1);
    lua.lua_pop(L, 1);
  }
  for (const [name, value] of Object.entries(globals)) {
    push(L, value);
    lua.lua_setglobal(L, to_luastring(name));
  }
  let steps = 0;
  lua.lua_sethook(
    L,
    () => {
      steps += 1_000;
      if (steps > LUA_INSTRUCTION_BUDGET)
        lauxlib.luaL_error(
          L,
          to_luastring(`script stopped after ${LUA_INSTRUCTION_BUDGET} instructions`),
        );
    },
    lua.LUA_MASKCOUNT,
    1_000,
  );
  if (lauxlib.luaL_loadstring(L, to_luastring(script)) !== lua.LUA_OK)
    throw new LuaError(errorOf(L));
  if (lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK) throw new LuaError(errorOf(L));
  return read(L, -1);
}

function errorOf(L: LuaState): string {
  const message = lua.lua_tostring(L, -1);
  return message ? to_jsstring(message) : 'lua error';
}

function push(L: LuaState, value: unknown): void {
  if (value === null || value === undefined) return lua.lua_pushnil(L);
  switch (typeof value) {
    case 'boolean':
      return lua.lua_pushboolean(L, value);
    case 'number':
      return lua.lua_pushnumber(L, value);
    case 'string':
      return void lua.lua_pushstring(L, to_luastring(value));
    case 'object': {
      lua.lua_newtable(L);
      if (Array.isArray(value)) {
        value.forEach((item, i) => {
          push(L, item);
          lua.lua_rawseti(L, -2, i + 1);
        });
      } else {
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
          push(L, v);
          lua.lua_setfield(L, -2, to_luastring(k));
        }
      }
      return;
    }
    default:
      return lua.lua_pushnil(L);
  }
}

function read(L: LuaState, index: number): unknown {
  switch (lua.lua_type(L, index)) {
    case lua.LUA_TNIL:
    case lua.LUA_TNONE:
      return null;
    case lua.LUA_TBOOLEAN:
      return lua.lua_toboolean(L, index);
    case lua.LUA_TNUMBER:
      return lua.lua_tonumber(L, index);
    case lua.LUA_TSTRING:
      return to_jsstring(lua.lua_tolstring(L, index));
    case lua.LUA_TTABLE:
      return readTable(L, lua.lua_absindex(L, index));
    default:
      throw new LuaError(
        `a ${to_jsstring(lua.lua_typename(L, lua.lua_type(L, index)))} has no JSON value`,
      );
  }
}

function readTable(L: LuaState, index: number): unknown {
  const length = lua.lua_rawlen(L, index);
  if (length > 0) {
    const out: unknown[] = [];
    for (let i = 1; i <= length; i++) {
      lua.lua_rawgeti(L, index, i);
      out.push(read(L, -1));
      lua.lua_pop(L, 1);
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  lua.lua_pushnil(L);
  while (lua.lua_next(L, index) !== 0) {
    // Keys as strings, as Argo's toGoValue writes them (key.String()).
    lua.lua_pushvalue(L, -2);
    const key = to_jsstring(lua.lua_tolstring(L, -1));
    lua.lua_pop(L, 1);
    out[key] = read(L, -1);
    lua.lua_pop(L, 1);
  }
  return out;
}
