/** Argo Events' dependency filters, case by case as filter.go decides them. */
import { describe, expect, it } from 'vitest';
import { filterEvent } from '../../shared/events/filters.js';
import type { ArgoEvent, EventDependencyFilter } from '../../shared/events/types.js';

function event(data: unknown, time = '2026-11-30T10:30:00Z'): ArgoEvent {
  return {
    context: {
      id: 'e1',
      source: 'webhook',
      specversion: '1.0',
      type: 'webhook',
      subject: 'example',
      time,
      datacontenttype: 'application/json',
    },
    data: data as ArgoEvent['data'],
  };
}

const push = event({ body: { ref: 'refs/heads/main', count: 3, ok: true, name: 'alpha-1' } });

describe('data filters', () => {
  const cases: [string, EventDependencyFilter, boolean][] = [
    [
      'a string value is a regex, any of the values passing',
      {
        data: [
          { path: 'body.ref', type: 'string', value: ['refs/heads/develop', 'refs/heads/main'] },
        ],
      },
      true,
    ],
    [
      'a string regex matches anywhere in the value (not anchored)',
      { data: [{ path: 'body.ref', type: 'string', value: ['main'] }] },
      true,
    ],
    [
      'an anchored regex that does not match fails',
      { data: [{ path: 'body.ref', type: 'string', value: ['^main$'] }] },
      false,
    ],
    [
      '!= on strings passes when the regex does not match',
      { data: [{ path: 'body.ref', type: 'string', value: ['feature'], comparator: '!=' }] },
      true,
    ],
    [
      'numbers compare with the comparator',
      { data: [{ path: 'body.count', type: 'number', value: ['2'], comparator: '>' }] },
      true,
    ],
    [
      'numbers default to equality',
      { data: [{ path: 'body.count', type: 'number', value: ['2'] }] },
      false,
    ],
    [
      '<= passes on equal',
      { data: [{ path: 'body.count', type: 'number', value: ['3'], comparator: '<=' }] },
      true,
    ],
    ['bools parse as Go does', { data: [{ path: 'body.ok', type: 'bool', value: ['T'] }] }, true],
    [
      'every data filter must pass by default',
      {
        data: [
          { path: 'body.ref', type: 'string', value: ['main'] },
          { path: 'body.count', type: 'number', value: ['9'] },
        ],
      },
      false,
    ],
    [
      'dataLogicalOperator or: one is enough',
      {
        dataLogicalOperator: 'or',
        data: [
          { path: 'body.ref', type: 'string', value: ['main'] },
          { path: 'body.count', type: 'number', value: ['9'] },
        ],
      },
      true,
    ],
    [
      'a missing path fails the filter',
      { data: [{ path: 'body.nope', type: 'string', value: ['x'] }] },
      false,
    ],
    [
      'a template rewrites the value before comparing',
      {
        data: [
          { path: 'body.name', type: 'string', value: ['^ALPHA'], template: '{{ upper .Input }}' },
        ],
      },
      true,
    ],
  ];
  it.each(cases)('%s', (_name, filter, pass) => {
    expect(filterEvent(push, filter).pass).toBe(pass);
  });

  it('says why an event did not pass', () => {
    expect(
      filterEvent(push, { data: [{ path: 'body.nope', type: 'string', value: ['x'] }] }).reason,
    ).toBe("data filter error (path 'body.nope' does not exist)");
  });
});

describe('expr filters (govaluate over gjson fields)', () => {
  it('evaluates with the fields as parameters', () => {
    const f: EventDependencyFilter = {
      exprs: [
        {
          expr: 'count > 2 && ref == "refs/heads/main"',
          fields: [
            { name: 'count', path: 'body.count' },
            { name: 'ref', path: 'body.ref' },
          ],
        },
      ],
    };
    expect(filterEvent(push, f).pass).toBe(true);
  });
  it('or between exprs passes when one holds', () => {
    const f: EventDependencyFilter = {
      exprLogicalOperator: 'or',
      exprs: [
        { expr: 'count > 5', fields: [{ name: 'count', path: 'body.count' }] },
        { expr: 'count < 5', fields: [{ name: 'count', path: 'body.count' }] },
      ],
    };
    expect(filterEvent(push, f).pass).toBe(true);
  });
});

describe('context and time filters, and filtersLogicalOperator', () => {
  it('context fields must equal when set', () => {
    expect(filterEvent(push, { context: { type: 'webhook', subject: 'example' } }).pass).toBe(true);
    expect(filterEvent(push, { context: { source: 'other' } }).pass).toBe(false);
  });
  it('a time window includes its start and excludes its stop', () => {
    expect(filterEvent(push, { time: { start: '10:30:00', stop: '11:00:00' } }).pass).toBe(true);
    expect(filterEvent(push, { time: { start: '10:00:00', stop: '10:30:00' } }).pass).toBe(false);
  });
  it('a window whose stop is before its start wraps midnight', () => {
    const late = event({}, '2026-11-30T23:30:00Z');
    const early = event({}, '2026-11-30T01:00:00Z');
    const noon = event({}, '2026-11-30T12:00:00Z');
    const f = { time: { start: '22:00:00', stop: '02:00:00' } };
    expect([late, early, noon].map((e) => filterEvent(e, f).pass)).toEqual([true, true, false]);
  });
  it('a time zone moves the window', () => {
    // 10:30 UTC is 11:30 in Berlin (CET, November).
    const f = { time: { start: '11:00:00', stop: '12:00:00', timezone: 'Europe/Berlin' } };
    expect(filterEvent(push, f).pass).toBe(true);
  });
  it('filtersLogicalOperator or: any present filter passing is enough', () => {
    const f: EventDependencyFilter = {
      context: { source: 'other' },
      data: [{ path: 'body.ref', type: 'string', value: ['main'] }],
    };
    expect(filterEvent(push, f, 'and').pass).toBe(false);
    expect(filterEvent(push, f, 'or').pass).toBe(true);
  });
});

describe('script filters (Lua)', () => {
  it('pass when the script returns true, as the corpus example is written', () => {
    const script =
      'if event.body.a == "b" and event.body.d.e == "z" then return true else return false end';
    expect(filterEvent(event({ body: { a: 'b', d: { e: 'z' } } }), { script }).pass).toBe(true);
    expect(filterEvent(event({ body: { a: 'b', d: { e: 'y' } } }), { script }).pass).toBe(false);
  });
  it('a script error is a filter error with the reason', () => {
    const out = filterEvent(push, { script: 'return event.body.nope.deeper' });
    expect(out).toEqual({
      pass: false,
      reason: expect.stringMatching(/^script filter error \(.*attempt to index a nil value/),
    });
  });
});
