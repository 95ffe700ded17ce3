import { describe, expect, it } from 'vitest';
import { matchesLabels, parseLabelSelector } from '../../shared/resources/label-selector.js';

const labels = { app: 'web', tier: 'front', 'example.com/team': 'a' };

describe('label selectors', () => {
  it.each([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['app!=web', false],
    ['missing!=x', true],
    ['app in (web, db)', true],
    ['app in (db)', false],
    ['app notin (db,cache)', true],
    ['app notin (web)', false],
    ['missing notin (web)', true],
    ['tier', true],
    ['missing', false],
    ['!missing', true],
    ['!tier', false],
    ['app=web,tier=front', true],
    ['app=web,tier=back', false],
    ['app in (web,db),!missing,example.com/team=a', true],
    ['app=', false],
  ])('%j matches: %s', (selector, expected) => {
    expect(matchesLabels(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it.each(['app in (web', 'a b c', 'app=@x', '=x'])(
    '%j is refused with the selector named',
    (selector) => {
      expect(() => parseLabelSelector(selector)).toThrow(/labelSelector/);
    },
  );
});
