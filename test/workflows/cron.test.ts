import { describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nextFireTime, parseCronSchedule } from '../../shared/workflows/cron.js';
import { initialCronState, reduceCron } from '../../shared/workflows/cron-machine.js';
import type { KubeObject } from '../../shared/core/objects.js';
import { startEmbedded } from '../../shared/runtime/local/embedded.js';

const at = (iso: string) => Date.parse(iso);

describe('cron schedules (robfig/cron standard parser)', () => {
  const cases: [string, string, string, string?][] = [
    ['*/5 * * * *', '2026-01-01T00:03:10Z', '2026-01-01T00:05:00Z'],
    ['0 9 * * 1-5', '2026-01-02T10:00:00Z', '2026-01-05T09:00:00Z'], // Friday after 9 -> Monday
    ['0 0 1 * *', '2026-01-15T00:00:00Z', '2026-02-01T00:00:00Z'],
    ['@hourly', '2026-01-01T00:59:59Z', '2026-01-01T01:00:00Z'],
    ['30 2 * * *', '2026-03-01T00:00:00Z', '2026-03-01T01:30:00Z', 'Europe/Paris'],
    ['0 0 * JAN,FEB SUN', '2026-01-01T00:00:00Z', '2026-01-04T00:00:00Z'],
    ['0 12 1 * MON', '2026-06-01T13:00:00Z', '2026-06-08T12:00:00Z'], // day-of-month OR weekday
  ];
  it.each(cases)('%s after %s fires at %s', (schedule, after, expected, tz) => {
    expect(new Date(nextFireTime(parseCronSchedule(schedule), at(after), tz)).toISOString()).toBe(
      new Date(expected).toISOString(),
    );
  });

  it('@every and CRON_TZ', () => {
    expect(nextFireTime(parseCronSchedule('@every 90s'), 1000)).toBe(91_000);
    const paris = parseCronSchedule('CRON_TZ=Europe/Paris 0 8 * * *');
    expect(new Date(nextFireTime(paris, at('2026-07-01T00:00:00Z'))).toISOString()).toBe(
      '2026-07-01T06:00:00.000Z',
    );
  });

  it('rejects bad fields with a reason', () => {
    expect(() => parseCronSchedule('61 * * * *')).toThrow('"61" is out of range 0-59');
    expect(() => parseCronSchedule('* * *')).toThrow('expected exactly 5 fields');
  });
});

const cronObject = (spec: Record<string, unknown>): KubeObject =>
  ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'CronWorkflow',
    metadata: { name: 'nightly', namespace: 'argo', uid: 'u1' },
    spec: {
      schedules: ['0 * * * *'],
      workflowSpec: {
        entrypoint: 'main',
        templates: [{ name: 'main', container: { image: 'busybox' } }],
      },
      ...spec,
    },
  }) as unknown as KubeObject;

describe('the CronWorkflow machine', () => {
  const key = 'in-cluster/CronWorkflow/argo/nightly';

  function start(spec: Record<string, unknown>, now: string) {
    const state = initialCronState(key, cronObject(spec));
    const effects: { kind: string; input: unknown }[] = [];
    reduceCron(state, { type: 'xstate.init', at: at(now) }, effects as never);
    return { state, effects };
  }

  it('arms a timer for the next fire time and creates <name>-<unix seconds> when it fires', () => {
    const { state, effects } = start({}, '2026-01-01T00:10:00Z');
    expect(effects).toEqual([
      {
        kind: 'timer.set',
        input: { timerId: 'schedule', generation: 1, fireAt: at('2026-01-01T01:00:00Z') },
      },
    ]);
    const fired: {
      kind: string;
      input: { key?: string; event?: { type: string; object?: KubeObject } };
    }[] = [];
    reduceCron(
      state,
      { type: 'TimerFired', at: at('2026-01-01T01:00:00Z'), timerId: 'schedule', generation: 1 },
      fired as never,
    );
    const created = fired.find((e) => e.kind === 'message.send')!;
    const unix = at('2026-01-01T01:00:00Z') / 1000;
    expect(created.input.key).toBe(`in-cluster/Workflow/argo/nightly-${unix}`);
    expect(created.input.event!.object!.metadata.labels).toEqual({
      'workflows.argoproj.io/cron-workflow': 'nightly',
    });
    expect(created.input.event!.object!.metadata.annotations).toEqual({
      'workflows.argoproj.io/scheduled-time': '2026-01-01T01:00:00Z',
    });
    expect(fired.find((e) => e.kind === 'timer.set')!.input).toMatchObject({
      generation: 2,
      fireAt: at('2026-01-01T02:00:00Z'),
    });
    expect(state.active).toEqual([`nightly-${unix}`]);
  });

  it("SubmitFrom (a Sensor's argoWorkflow submit-from) makes a Workflow now, off schedule", () => {
    const { state } = start({}, '2026-01-01T00:10:00Z');
    const effects: { kind: string; input: { key?: string; event?: { object?: KubeObject } } }[] =
      [];
    reduceCron(
      state,
      { type: 'SubmitFrom', at: at('2026-01-01T00:11:00Z'), name: 'nightly-x2b4z' },
      effects as never,
    );
    expect(effects).toHaveLength(1);
    expect(effects[0]!.input.key).toBe('in-cluster/Workflow/argo/nightly-x2b4z');
    const wf = effects[0]!.input.event!.object!;
    expect(wf.metadata.labels).toEqual({ 'workflows.argoproj.io/cron-workflow': 'nightly' });
    expect(wf.metadata.annotations).toEqual({});
    expect((wf.spec as { entrypoint: string }).entrypoint).toBe('main');
    expect(state.active).toEqual([]);
  });

  it('a stale timer generation is ignored', () => {
    const { state } = start({}, '2026-01-01T00:10:00Z');
    const effects: unknown[] = [];
    reduceCron(
      state,
      { type: 'TimerFired', at: at('2026-01-01T01:00:00Z'), timerId: 'schedule', generation: 7 },
      effects as never,
    );
    expect(effects).toEqual([]);
  });

  it('Forbid skips a firing while one runs; Replace terminates the running one', () => {
    for (const policy of ['Forbid', 'Replace']) {
      const { state } = start({ concurrencyPolicy: policy }, '2026-01-01T00:10:00Z');
      reduceCron(
        state,
        { type: 'TimerFired', at: at('2026-01-01T01:00:00Z'), timerId: 'schedule', generation: 1 },
        [] as never,
      );
      const second: { kind: string; input: { event?: { type: string } } }[] = [];
      reduceCron(
        state,
        { type: 'TimerFired', at: at('2026-01-01T02:00:00Z'), timerId: 'schedule', generation: 2 },
        second as never,
      );
      const events = second
        .filter((e) => e.kind === 'message.send')
        .map((e) => e.input.event!.type);
      expect(events).toEqual(policy === 'Forbid' ? [] : ['Patch', 'Apply']);
    }
  });

  it('startingDeadlineSeconds skips a firing delivered too late', () => {
    const { state } = start({ startingDeadlineSeconds: 30 }, '2026-01-01T00:10:00Z');
    const effects: { kind: string }[] = [];
    reduceCron(
      state,
      { type: 'TimerFired', at: at('2026-01-01T01:01:00Z'), timerId: 'schedule', generation: 1 },
      effects as never,
    );
    expect(effects.filter((e) => e.kind === 'message.send')).toEqual([]);
    expect(state.conditions[0]!.message).toContain('missed schedule 2026-01-01T01:00:00Z');
  });

  it('suspend arms nothing; history limits delete the oldest finished Workflows', () => {
    expect(start({ suspend: true }, '2026-01-01T00:10:00Z').effects).toEqual([]);
    const { state } = start({ successfulJobsHistoryLimit: 1 }, '2026-01-01T00:10:00Z');
    state.active = ['a', 'b'];
    reduceCron(
      state,
      { type: 'WorkflowFinished', at: 1, name: 'a', phase: 'Succeeded' },
      [] as never,
    );
    const effects: { kind: string; input: { key: string; event: { type: string } } }[] = [];
    reduceCron(
      state,
      { type: 'WorkflowFinished', at: 2, name: 'b', phase: 'Succeeded' },
      effects as never,
    );
    expect(effects.map((e) => [e.input.key, e.input.event.type])).toEqual([
      ['in-cluster/Workflow/argo/a', 'Delete'],
    ]);
  });
});

describe('a CronWorkflow on the embedded runtime', () => {
  it('starts Workflows on schedule, which run and report back', { timeout: 30_000 }, async () => {
    const emb = await startEmbedded({
      dataDir: await mkdtemp(join(tmpdir(), 'cron-')),
      durability: 'none',
      simulated: { controllers: { podStartMs: 0, podRunMs: 0, tickMs: 10 } },
    });
    try {
      const key = 'in-cluster/CronWorkflow/default/tick';
      const object = cronObject({
        schedules: ['@every 1s'],
        concurrencyPolicy: 'Forbid',
        successfulJobsHistoryLimit: 5,
      });
      object.metadata.name = 'tick';
      object.metadata.namespace = 'default';
      await emb.runtime.submit([
        { id: 'c1', key, at: Date.now(), event: { type: 'Apply', object } },
      ]);
      for (let i = 0; i < 100; i++) {
        const status = (await emb.runtime.get(key)).object?.['status'] as
          { succeeded?: number } | undefined;
        if ((status?.succeeded ?? 0) >= 2) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const status = (await emb.runtime.get(key)).object?.['status'] as {
        succeeded: number;
        lastScheduledTime: string;
      };
      expect(status.succeeded).toBeGreaterThanOrEqual(2);
      const workflows = await emb.runtime.list('Workflow', { namespace: 'default' });
      expect(workflows.length).toBeGreaterThanOrEqual(2);
      for (const w of workflows)
        expect(w.key).toMatch(/^in-cluster\/Workflow\/default\/tick-\d{10}$/);
    } finally {
      await emb.stop();
    }
  });
});
