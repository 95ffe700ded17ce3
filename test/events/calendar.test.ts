/**
 * Calendar event sources: fire times as robfig/cron and Argo compute them (schedule, interval,
 * excluded days, time zones), Go's time string in the data, and end to end on the embedded
 * runtime through the Timers port to a Sensor.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calendarData, nextCalendarTime } from '../../shared/events/sources/calendar.js';
import { goTimeString } from '../../shared/events/sources/go-time.js';
import type { Embedded } from '../../shared/runtime/local/embedded.js';
import type { KubeObject } from '../../shared/core/objects.js';
import { startInstantEmbedded, until } from '../support/embedded-workflows.js';
import { startApi } from '../support/events.js';
import type { ApiHandle } from '../support/events.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('fire times', () => {
  it('a schedule fires at the next matching minute', () => {
    expect(iso(nextCalendarTime({ schedule: '30 * * * *' }, at('2026-11-30T10:31:00Z')))).toBe(
      '2026-11-30T11:30:00.000Z',
    );
  });
  it('a schedule in a time zone fires on that zone wall clock', () => {
    // 09:00 in New York (EST, UTC-5) is 14:00 UTC.
    expect(
      iso(
        nextCalendarTime(
          { schedule: '0 9 * * *', timezone: 'America/New_York' },
          at('2026-11-30T10:00:00Z'),
        ),
      ),
    ).toBe('2026-11-30T14:00:00.000Z');
  });
  it('an interval counts from whole seconds', () => {
    expect(iso(nextCalendarTime({ interval: '10s' }, at('2026-11-30T10:00:00.700Z')))).toBe(
      '2026-11-30T10:00:10.000Z',
    );
    expect(iso(nextCalendarTime({ interval: '1h30m' }, at('2026-11-30T10:00:00Z')))).toBe(
      '2026-11-30T11:30:00.000Z',
    );
  });
  it('a fire time on an excluded day moves to the next fire time', () => {
    const entry = {
      schedule: '0 12 * * *',
      exclusionDates: ['EXDATE:20261201T000000Z,20261202T000000Z'],
    };
    expect(iso(nextCalendarTime(entry, at('2026-11-30T13:00:00Z')))).toBe(
      '2026-12-03T12:00:00.000Z',
    );
  });
  it('without schedule or interval, or with a bad one, it says so', () => {
    expect(() => nextCalendarTime({}, 0)).toThrow(
      'calendar event must contain either a schedule or interval',
    );
    expect(() => nextCalendarTime({ schedule: '* *' }, 0)).toThrow(/5 fields/);
    expect(() => nextCalendarTime({ interval: 'soon' }, 0)).toThrow(/not a duration/);
  });
});

describe('event data', () => {
  it('eventTime is Go time.String(), metadata carried', () => {
    expect(
      calendarData({ interval: '1s', metadata: { team: 'a' } }, at('2026-11-30T10:00:05Z')),
    ).toEqual({
      eventTime: '2026-11-30 10:00:05 +0000 UTC',
      metadata: { team: 'a' },
    });
    expect(goTimeString(at('2026-11-30T10:00:05.250Z'), 'Asia/Kolkata')).toMatch(
      /^2026-11-30 15:30:05\.25 \+0530 /,
    );
  });
});

describe('on the embedded runtime', () => {
  let embedded: Embedded;
  let api: ApiHandle;
  beforeAll(async () => {
    embedded = await startInstantEmbedded('argo-events-calendar-');
    api = await startApi(embedded);
  });
  afterAll(async () => {
    await api?.close();
    await embedded?.stop();
  });

  it('an interval source fires Sensors through timers, each firing one Workflow', async () => {
    const applied = await api.apply([
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'EventSource',
        metadata: { name: 'tick', namespace: 'cal' },
        spec: { calendar: { every: { interval: '1s', metadata: { from: 'calendar' } } } },
      },
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Sensor',
        metadata: { name: 'on-tick', namespace: 'cal' },
        spec: {
          dependencies: [{ name: 'tick', eventSourceName: 'tick', eventName: 'every' }],
          triggers: [
            {
              template: {
                name: 'wf',
                argoWorkflow: {
                  operation: 'submit',
                  source: {
                    resource: {
                      apiVersion: 'argoproj.io/v1alpha1',
                      kind: 'Workflow',
                      metadata: { generateName: 'tick-' },
                      spec: {
                        entrypoint: 'main',
                        arguments: { parameters: [{ name: 'at', value: '' }] },
                        templates: [{ name: 'main', suspend: {} }],
                      },
                    },
                  },
                  parameters: [
                    {
                      src: { dependencyName: 'tick', dataKey: 'eventTime' },
                      dest: 'spec.arguments.parameters.0.value',
                    },
                  ],
                },
              },
            },
          ],
        },
      },
    ]);
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    const workflows = async () =>
      (await embedded.runtime.list('Workflow', { namespace: 'cal' })).map(
        (e) => e.object as unknown as KubeObject,
      );
    await until(async () => (await workflows()).length >= 2, 'two calendar firings', 200);
    const times = (await workflows()).map(
      (w) =>
        (w.spec as { arguments: { parameters: { value: string }[] } }).arguments.parameters[0]!
          .value,
    );
    expect(new Set(times).size).toBe(times.length);
    for (const t of times) expect(t).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+0000 UTC$/);
    const es = (await embedded.runtime.get('in-cluster/EventSource/cal/tick')).object;
    expect((es?.status as { published: number }).published).toBeGreaterThanOrEqual(2);
  });
});

describe('validation', () => {
  it('a calendar without schedule or interval is refused by field path', async () => {
    const { validateObject } = await import('../../shared/resources/validate-object.js');
    await import('../../shared/runtime/registry.js');
    const v = validateObject({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'EventSource',
      metadata: { name: 'c', namespace: 'n' },
      spec: { calendar: { broken: { timezone: 'UTC' }, bad: { schedule: '61 * * * *' } } },
    });
    expect(v.errors.map((e) => e.path)).toEqual(['spec.calendar.broken', 'spec.calendar.bad']);
    expect(v.errors[0]!.message).toBe('calendar event must contain either a schedule or interval');
  });
});
