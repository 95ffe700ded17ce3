/**
 * Glob matching as Argo CD's util/glob does it (gobwas/glob with no separators): `*` matches any
 * run of characters, `/` and `.` included; `?` one character; `[abc]`, `[a-z]`, `[!abc]` a class;
 * `{a,b}` alternatives; `\` escapes. Argo CD uses it for group/kind keys such as
 * `*.example.com/*`.
 */

const cache = new Map<string, RegExp | null>();

/** True when `text` matches `pattern`; a pattern that does not compile matches nothing, as in Argo. */
export function globMatch(pattern: string, text: string): boolean {
  let re = cache.get(pattern);
  if (re === undefined) {
    re = compile(pattern);
    cache.set(pattern, re);
  }
  return re !== null && re.test(text);
}

function compile(pattern: string): RegExp | null {
  let out = '';
  let braces = 0;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      i++;
      if (i >= pattern.length) return null;
      out += escape(pattern[i]!);
    } else if (ch === '*') {
      out += '[^]*';
    } else if (ch === '?') {
      out += '[^]';
    } else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) return null;
      let body = pattern.slice(i + 1, end);
      const negated = body.startsWith('!');
      if (negated) body = body.slice(1);
      if (body === '') return null;
      out += `[${negated ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else if (ch === '{') {
      braces++;
      out += '(?:';
    } else if (ch === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (ch === ',' && braces > 0) {
      out += '|';
    } else {
      out += escape(ch);
    }
  }
  if (braces !== 0) return null;
  return new RegExp(`^${out}$`, 's');
}

function escape(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
