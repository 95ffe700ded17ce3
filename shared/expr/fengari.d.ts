/** The parts of fengari (Lua 5.3 in JS, no types of its own on npm) that lua.ts uses. */
declare module 'fengari' {
  type LuaState = { readonly __luaState: unique symbol };
  type LuaString = Uint8Array;
  type CFunction = (L: LuaState) => number;
  const fengari: {
    to_luastring(s: string): LuaString;
    to_jsstring(s: LuaString): string;
    lua: {
      LUA_OK: number;
      LUA_MASKCOUNT: number;
      LUA_TNIL: number;
      LUA_TNONE: number;
      LUA_TBOOLEAN: number;
      LUA_TNUMBER: number;
      LUA_TSTRING: number;
      LUA_TTABLE: number;
      lua_pop(L: LuaState, n: number): void;
      lua_setglobal(L: LuaState, name: LuaString): void;
      lua_sethook(L: LuaState, hook: (L: LuaState) => void, mask: number, count: number): void;
      lua_pcall(L: LuaState, nargs: number, nresults: number, msgh: number): number;
      lua_tostring(L: LuaState, index: number): LuaString | null;
      lua_tolstring(L: LuaState, index: number): LuaString;
      lua_pushnil(L: LuaState): void;
      lua_pushboolean(L: LuaState, b: boolean): void;
      lua_pushnumber(L: LuaState, n: number): void;
      lua_pushstring(L: LuaState, s: LuaString): LuaString;
      lua_pushvalue(L: LuaState, index: number): void;
      lua_newtable(L: LuaState): void;
      lua_rawseti(L: LuaState, index: number, n: number): void;
      lua_rawgeti(L: LuaState, index: number, n: number): number;
      lua_setfield(L: LuaState, index: number, k: LuaString): void;
      lua_type(L: LuaState, index: number): number;
      lua_typename(L: LuaState, type: number): LuaString;
      lua_toboolean(L: LuaState, index: number): boolean;
      lua_tonumber(L: LuaState, index: number): number;
      lua_absindex(L: LuaState, index: number): number;
      lua_rawlen(L: LuaState, index: number): number;
      lua_next(L: LuaState, index: number): number;
    };
    lauxlib: {
      luaL_newstate(): LuaState;
      luaL_requiref(L: LuaState, name: LuaString, open: CFunction, global: number): void;
      luaL_loadstring(L: LuaState, s: LuaString): number;
      luaL_error(L: LuaState, message: LuaString): never;
    };
    lualib: {
      luaopen_base: CFunction;
      luaopen_string: CFunction;
      luaopen_table: CFunction;
      luaopen_math: CFunction;
    };
  };
  export default fengari;
}
