/**
 * The three path-matching dialects the git generator meets: Go's path.Match (directories),
 * git's pathspec (files, Argo's default: `*` also crosses `/`) and doublestar (files, with the
 * repo-server's new globbing: `**` spans directories, `*` stays within one).
 */

/** `[...]` starting at `i` (just after `[`) as a regex class; null when unterminated. */
function charClass(
  pattern: string,
  i: number,
  negators: string,
): { re: string; end: number } | null {
  let j = i;
  let negate = false;
  if (j < pattern.length && negators.includes(pattern[j]!)) {
    negate = true;
    j++;
  }
  let body = '';
  let count = 0;
  while (j < pattern.length) {
    let c = pattern[j]!;
    if (c === ']' && count > 0) return { re: `[${negate ? '^' : ''}${body}]`, end: j };
    if (c === '-' && count > 0 && pattern[j + 1] !== ']') body += '-';
    else {
      if (c === '\\') {
        j++;
        if (j >= pattern.length) return null;
        c = pattern[j]!;
      }
      // Every literal as \uXXXX, so no character means anything special inside the class.
      body += `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    }
    count++;
    j++;
  }
  return null;
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function compile(pattern: string, star: string, one: string, negators: string): RegExp | null {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += star;
    else if (c === '?') re += one;
    else if (c === '\\') {
      i++;
      if (i >= pattern.length) return null;
      re += escapeRe(pattern[i]!);
    } else if (c === '[') {
      const cls = charClass(pattern, i + 1, negators);
      if (!cls) return null;
      re += one === '.' ? cls.re : `(?!/)${cls.re}`;
      i = cls.end;
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`, 's');
}

/** Go's path.Match; a malformed pattern matches nothing (Argo logs it and moves on). */
export function goPathMatch(pattern: string, name: string): boolean {
  return compile(pattern, '[^/]*', '[^/]', '^')?.test(name) ?? false;
}

/** `git ls-files -- <pathspec>`: a plain path also names everything under it. */
export function gitPathspecMatch(pattern: string, name: string): boolean {
  if (!/[*?[\\]/.test(pattern)) {
    const dir = pattern.replace(/\/+$/, '');
    return name === dir || name.startsWith(`${dir}/`) || pattern === '.' || pattern === '';
  }
  return compile(pattern, '.*', '.', '!^')?.test(name) ?? false;
}

/** bmatcuk/doublestar's Match: `**` as a whole segment spans any number of directories. */
export function doublestarMatch(pattern: string, name: string): boolean {
  const alternatives = expandBraces(pattern);
  return alternatives.some((p) => {
    const segments = p.split('/');
    let re = '';
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      const last = i === segments.length - 1;
      if (seg === '**') {
        re += last ? '.*' : '(?:[^/]+/)*';
        continue;
      }
      const part = compile(seg, '[^/]*', '[^/]', '!^');
      if (!part) return false;
      re += part.source.slice(1, -1) + (last ? '' : '/');
    }
    return new RegExp(`^${re}$`, 's').test(name);
  });
}

function expandBraces(pattern: string): string[] {
  const open = pattern.indexOf('{');
  if (open < 0) return [pattern];
  let depth = 0;
  for (let i = open; i < pattern.length; i++) {
    if (pattern[i] === '{') depth++;
    else if (pattern[i] === '}' && --depth === 0) {
      const options: string[] = [];
      let d = 0;
      let start = open + 1;
      for (let j = open + 1; j < i; j++) {
        if (pattern[j] === '{') d++;
        else if (pattern[j] === '}') d--;
        else if (pattern[j] === ',' && d === 0) {
          options.push(pattern.slice(start, j));
          start = j + 1;
        }
      }
      options.push(pattern.slice(start, i));
      const rest = pattern.slice(i + 1);
      return options.flatMap((o) => expandBraces(pattern.slice(0, open) + o + rest));
    }
  }
  return [pattern];
}

/** Go's path.Dir. */
export function goDir(p: string): string {
  const slash = p.lastIndexOf('/');
  if (slash < 0) return '.';
  const dir = p.slice(0, slash).replace(/\/+$/, '');
  return dir === '' ? '/' : dir;
}

/** Go's path.Base. */
export function goBase(p: string): string {
  const trimmed = p.replace(/\/+$/, '');
  if (p === '') return '.';
  if (trimmed === '') return '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}
