/**
 * The glob dialects of Argo CD, one implementation each. Argo CD uses two libraries, and they
 * disagree on purpose, so both are kept:
 *
 * - gobwas/glob, through Argo's util/glob (`globMatch`): `*` any run of characters (with
 *   separators, any run of non-separators, and `**` any run), `?` one character, `[abc]`
 *   `[a-z]` `[!abc]`, `{alt1,alt2}` (nested), `\` escapes. Argo calls it without separators for
 *   resource customization keys (`*.example.com/*`), ignoreDifferences group/kind, RBAC objects,
 *   sync windows, destinations, destination service accounts, source namespaces and a directory
 *   source's include/exclude; and with `/` as separator for a project's sourceRepos, so `*`
 *   stays within one path segment there.
 * - Go's path/filepath.Match (`filepathMatch`): `*` and `?` never cross `/`, classes negate with
 *   `^`, no braces. Argo's project resource whitelists and blacklists (group, kind, name) use it.
 *
 * The ApplicationSet git generator's path globs (path.Match, git pathspec, doublestar) are a
 * third family, of other libraries again: shared/cd/appset/generators/globs.ts.
 *
 * A malformed pattern matches nothing in both, as in Argo (which logs the error and moves on).
 */

const REGEX_SYNTAX = /[\\^$.*+?()[\]{}|/]/g;
export const escapeRegex = (text: string): string => text.replace(REGEX_SYNTAX, '\\$&');
const escapeClassChar = (ch: string): string => (/[\\\]^[-]/.test(ch) ? `\\${ch}` : ch);

class GlobSyntaxError extends Error {}

/**
 * gobwas/glob compiled to a RegExp: `*` (any run of non-separators), `**` (any run), `?`,
 * `[abc]` `[a-z]` `[!abc]`, `{alt1,alt2}` (nested), `\` escapes. A malformed pattern throws.
 */
function compileGobwas(pattern: string, separators: string): RegExp {
  const notSep = separators === '' ? '[^]' : `[^${[...separators].map(escapeClassChar).join('')}]`;
  const chars = [...pattern];
  let i = 0;
  const parseSeq = (depth: number): string => {
    let out = '';
    while (i < chars.length) {
      const ch = chars[i]!;
      if (depth > 0 && (ch === ',' || ch === '}')) return out;
      i++;
      if (ch === '\\') {
        if (i >= chars.length) throw new GlobSyntaxError('pattern ends with an escape');
        out += escapeRegex(chars[i++]!);
      } else if (ch === '*') {
        if (chars[i] === '*') {
          while (chars[i] === '*') i++;
          out += '[^]*';
        } else out += `${notSep}*`;
      } else if (ch === '?') out += notSep;
      else if (ch === '[') out += parseClass();
      else if (ch === '{') {
        const alternatives: string[] = [];
        for (;;) {
          alternatives.push(parseSeq(depth + 1));
          if (i >= chars.length) throw new GlobSyntaxError('unclosed {');
          if (chars[i++] === '}') break;
        }
        out += `(?:${alternatives.join('|')})`;
      } else out += escapeRegex(ch);
    }
    return out;
  };
  const parseClass = (): string => {
    let negated = false;
    if (chars[i] === '!') {
      negated = true;
      i++;
    }
    let body = '';
    let count = 0;
    while (i < chars.length && chars[i] !== ']') {
      const lo = chars[i++]!;
      if (chars[i] === '-' && chars[i + 1] !== undefined && chars[i + 1] !== ']') {
        const hi = chars[i + 1]!;
        i += 2;
        if (hi < lo) throw new GlobSyntaxError(`bad range ${lo}-${hi}`);
        body += `${escapeClassChar(lo)}-${escapeClassChar(hi)}`;
      } else body += escapeClassChar(lo);
      count++;
    }
    if (i >= chars.length || count === 0) throw new GlobSyntaxError('unclosed or empty [');
    i++;
    return `[${negated ? '^' : ''}${body}]`;
  };
  const source = parseSeq(0);
  return new RegExp(`^${source}$`, 'u');
}

/** Go's filepath.Match: `*` and `?` never cross `/`, classes use `^` for negation. */
function compileFilepath(pattern: string): RegExp {
  const chars = [...pattern];
  let out = '';
  for (let i = 0; i < chars.length;) {
    const ch = chars[i++]!;
    if (ch === '\\') {
      if (i >= chars.length) throw new GlobSyntaxError('pattern ends with an escape');
      out += escapeRegex(chars[i++]!);
    } else if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else if (ch === '[') {
      let negated = false;
      if (chars[i] === '^') {
        negated = true;
        i++;
      }
      let body = '';
      let count = 0;
      while (i < chars.length && chars[i] !== ']') {
        let lo = chars[i++]!;
        if (lo === '\\') lo = chars[i++] ?? '';
        if (lo === '' || lo === '-') throw new GlobSyntaxError('bad character class');
        if (chars[i] === '-') {
          let hi = chars[i + 1] ?? '';
          i += 2;
          if (hi === '\\') hi = chars[i++] ?? '';
          if (hi === '' || hi === ']' || hi < lo) throw new GlobSyntaxError('bad range');
          body += `${escapeClassChar(lo)}-${escapeClassChar(hi)}`;
        } else body += escapeClassChar(lo);
        count++;
      }
      if (i >= chars.length || count === 0) throw new GlobSyntaxError('unclosed or empty [');
      i++;
      out += `[${negated ? '^/' : ''}${body}]`;
    } else out += escapeRegex(ch);
  }
  return new RegExp(`^${out}$`, 'u');
}

// Patterns come from users (policies, projects); like Argo's bounded LRU, the cache is capped
// so a flood of distinct patterns cannot grow memory without limit.
const CACHE_LIMIT = 10_000;
const cache = new Map<string, RegExp | null>();

function cached(key: string, compile: () => RegExp): RegExp | null {
  let re = cache.get(key);
  if (re === undefined) {
    try {
      re = compile();
    } catch (e) {
      if (!(e instanceof GlobSyntaxError) && !(e instanceof SyntaxError)) throw e;
      re = null;
    }
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, re);
  }
  return re;
}

/** Argo's glob.Match (gobwas/glob); a malformed pattern matches nothing, as in Argo. */
export function globMatch(pattern: string, text: string, separators = ''): boolean {
  const re = cached(`g\0${separators}\0${pattern}`, () => compileGobwas(pattern, separators));
  return re !== null && re.test(text);
}

/** Whether a gobwas pattern compiles (Argo's MatchWithError distinguishes the two). */
export function isValidGlob(pattern: string): boolean {
  return cached(`g\0\0${pattern}`, () => compileGobwas(pattern, '')) !== null;
}

/** Go's filepath.Match; a malformed pattern matches nothing, as Argo ignores the error. */
export function filepathMatch(pattern: string, name: string): boolean {
  const re = cached(`f\0${pattern}`, () => compileFilepath(pattern));
  return re !== null && re.test(name);
}
