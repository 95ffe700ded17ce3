/**
 * Argo CD's two glob dialects side by side: gobwas/glob (util/glob) lets `*` cross `/` unless a
 * separator is given, Go's filepath.Match never does; ignoreDifferences group/kind use gobwas.
 */
import { describe, expect, it } from 'vitest';
import { filepathMatch, globMatch, isValidGlob } from '../../shared/cd/glob.js';
import { ruleMatches } from '../../shared/cd/diff/ignore-differences.js';

describe('the two dialects differ where Argo’s libraries do', () => {
  it.each([
    // pattern, text, gobwas, gobwas with '/', filepath
    ['*', 'a/b', true, false, false],
    ['**', 'a/b', true, true, false],
    ['a/*', 'a/b', true, true, true],
    ['{apps,batch}', 'batch', true, true, false],
    ['[!a]pps', 'xpps', true, true, false],
    ['[^a]pps', 'xpps', false, false, true],
    ['?', '/', true, false, false],
  ])('%j on %j: gobwas %j, gobwas with / %j, filepath %j', (p, t, gobwas, sep, filepath) => {
    expect(globMatch(p, t)).toBe(gobwas);
    expect(globMatch(p, t, '/')).toBe(sep);
    expect(filepathMatch(p, t)).toBe(filepath);
  });

  it('a malformed pattern matches nothing and is reported invalid', () => {
    expect(globMatch('[a', '[a')).toBe(false);
    expect(isValidGlob('[a')).toBe(false);
    expect(isValidGlob('{a,b}')).toBe(true);
  });
});

describe('ignoreDifferences group and kind match as gobwas globs', () => {
  const id = { group: 'batch', kind: 'CronJob', name: 'n', namespace: 'ns' };
  it.each([
    [{ group: '{apps,batch}', kind: '*' }, true],
    [{ group: 'b?tch', kind: 'Cron*' }, true],
    [{ group: '', kind: 'CronJob' }, false],
    [{ group: '*', kind: '[A-Z]ronJob' }, true],
    [{ group: '*', kind: 'CronJob', name: 'other' }, false],
  ])('%j matches: %j', (rule, expected) => {
    expect(ruleMatches(rule, id)).toBe(expected);
  });
});
