/** The Sensor reducer: slots, conditions, firing and what it asks for. */
import { describe, expect, it } from 'vitest';
import type { EffectRequest } from '../../shared/core/types.js';
import type { KubeObject } from '../../shared/core/objects.js';
import { initialSensorState, reduceSensor } from '../../shared/events/sensor.js';
import type { SensorState } from '../../shared/events/sensor.js';
import type { ArgoEvent, SensorSpec } from '../../shared/events/types.js';

const KEY = 'in-cluster/Sensor/argo-events/s';

function sensor(spec: SensorSpec): SensorState {
  const object = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Sensor',
    metadata: { name: 's', namespace: 'argo-events' },
    spec,
  } as unknown as KubeObject;
  return initialSensorState(KEY, object);
}

function event(eventName: string, id: string, data: unknown = { body: { n: id } }): ArgoEvent {
  return {
    context: {
      id,
      source: 'es',
      specversion: '1.0',
      type: 'webhook',
      subject: eventName,
      time: '2026-11-30T10:00:00Z',
      datacontenttype: 'application/json',
    },
    data: data as ArgoEvent['data'],
  };
}

function arrive(state: SensorState, e: ArgoEvent): EffectRequest[] {
  const effects: EffectRequest[] = [];
  reduceSensor(
    state,
    { type: 'EventArrived', at: Date.parse('2026-11-30T10:00:00Z'), event: e },
    effects,
  );
  return effects;
}

const workflow = (generateName: string) => ({
  k8s: {
    operation: 'create' as const,
    source: {
      resource: {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        metadata: { generateName },
        spec: { entrypoint: 'main' },
      },
    },
  },
});

const deps = [
  { name: 'dep-a', eventSourceName: 'es', eventName: 'a' },
  { name: 'dep-b', eventSourceName: 'es', eventName: 'b' },
];

describe('a trigger without conditions waits for every dependency', () => {
  it('holds the first, fires on the second, then clears its slots', () => {
    const s = sensor({
      dependencies: deps,
      triggers: [{ template: { name: 't', ...workflow('wf-') } }],
    });
    expect(arrive(s, event('a', 'e1'))).toEqual([]);
    expect(s.slots['t']).toEqual({ 'dep-a': 'e1' });
    const fired = arrive(s, event('b', 'e2'));
    expect(fired).toHaveLength(1);
    expect(s.slots['t']).toEqual({});
    expect(s.held).toEqual({});
    expect(s.triggers['t']!.fired).toBe(1);
  });

  it('a newer event of the same dependency overwrites the slot and is recorded as superseding it', () => {
    const s = sensor({
      dependencies: deps,
      triggers: [{ template: { name: 't', ...workflow('wf-') } }],
    });
    arrive(s, event('a', 'e1'));
    arrive(s, event('a', 'e3'));
    expect(s.slots['t']).toEqual({ 'dep-a': 'e3' });
    expect(s.recent.find((d) => d.kind === 'superseded')).toMatchObject({
      eventId: 'e1',
      message: 'by e3',
    });
    const [effect] = arrive(s, event('b', 'e2'));
    const input = effect!.input as { event: { object: { metadata: { name: string } } } };
    expect(input.event.object.metadata.name).toMatch(/^wf-[a-z0-9]{5}$/);
  });
});

describe('conditions', () => {
  it('"dep-a || dep-b" fires on each event alone (dashes in names work)', () => {
    const s = sensor({
      dependencies: deps,
      triggers: [{ template: { name: 't', conditions: 'dep-a || dep-b', ...workflow('wf-') } }],
    });
    expect(arrive(s, event('a', 'e1'))).toHaveLength(1);
    expect(arrive(s, event('b', 'e2'))).toHaveLength(1);
    expect(s.triggers['t']!.fired).toBe(2);
  });

  it('a trigger ignores dependencies its conditions do not name', () => {
    const s = sensor({
      dependencies: [...deps, { name: 'dep-c', eventSourceName: 'es', eventName: 'c' }],
      triggers: [{ template: { name: 't', conditions: 'dep-a && dep-b', ...workflow('wf-') } }],
    });
    arrive(s, event('c', 'e0'));
    expect(s.slots['t']).toBeUndefined();
  });

  it('each trigger keeps its own slots', () => {
    const s = sensor({
      dependencies: deps,
      triggers: [
        { template: { name: 'both', conditions: 'dep-a && dep-b', ...workflow('both-') } },
        { template: { name: 'only-a', conditions: 'dep-a', ...workflow('a-') } },
      ],
    });
    expect(arrive(s, event('a', 'e1'))).toHaveLength(1);
    expect(s.slots['both']).toEqual({ 'dep-a': 'e1' });
  });
});

describe('firing', () => {
  it('names derive from the events: the same events give the same name', () => {
    const run = () => {
      const s = sensor({
        dependencies: [deps[0]!],
        triggers: [{ template: { name: 't', ...workflow('wf-') } }],
      });
      return JSON.stringify(arrive(s, event('a', 'same-id')));
    };
    expect(run()).toBe(run());
  });

  it('a Workflow is sent to our machine in the Sensor namespace, with parameters applied', () => {
    const s = sensor({
      dependencies: [deps[0]!],
      triggers: [
        {
          template: {
            name: 't',
            k8s: {
              ...workflow('wf-').k8s,
              parameters: [
                { src: { dependencyName: 'dep-a', dataKey: 'body.n' }, dest: 'spec.entrypoint' },
              ],
            },
          },
        },
      ],
    });
    const [effect] = arrive(s, event('a', 'e9'));
    expect(effect!.kind).toBe('message.send');
    const input = effect!.input as {
      key: string;
      event: { type: string; object: { spec: unknown; metadata: { namespace: string } } };
    };
    expect(input.key).toMatch(/^in-cluster\/Workflow\/argo-events\/wf-/);
    expect(input.event.type).toBe('Apply');
    expect(input.event.object.spec).toEqual({ entrypoint: 'e9' });
    expect(input.event.object.metadata.namespace).toBe('argo-events');
  });

  it('filtered events fire nothing and are counted', () => {
    const s = sensor({
      dependencies: [
        { ...deps[0]!, filters: { data: [{ path: 'body.n', type: 'string', value: ['^keep$'] }] } },
      ],
      triggers: [{ template: { name: 't', ...workflow('wf-') } }],
    });
    expect(arrive(s, event('a', 'drop'))).toEqual([]);
    expect(arrive(s, event('a', 'keep'))).toHaveLength(1);
    expect(s.filtered).toBe(1);
  });

  it('a parameter that cannot resolve fails the trigger with the reason, not the Sensor', () => {
    const s = sensor({
      dependencies: [deps[0]!],
      triggers: [
        {
          template: {
            name: 't',
            k8s: {
              ...workflow('wf-').k8s,
              parameters: [
                { src: { dependencyName: 'dep-a', dataKey: 'body.missing' }, dest: 'spec.x' },
              ],
            },
          },
        },
      ],
    });
    expect(arrive(s, event('a', 'e1'))).toEqual([]);
    expect(s.triggers['t']).toMatchObject({ fired: 1, failed: 1 });
    expect(s.triggers['t']!.lastError).toMatch(/unable to resolve 'dep-a'/);
  });

  it('an effect failure reported with the trigger tag is the trigger error', () => {
    const s = sensor({
      dependencies: [deps[0]!],
      triggers: [{ template: { name: 't', http: { url: 'http://x' } } }],
    });
    const [effect] = arrive(s, event('a', 'e1'));
    expect(effect!.kind).toBe('events.http');
    reduceSensor(
      s,
      { type: 'EffectFailed', at: 0, effectKind: 'events.http', reason: 'HTTP 503', tag: 't' },
      [],
    );
    expect(s.triggers['t']).toMatchObject({ fired: 1, failed: 1, lastError: 'HTTP 503' });
  });
});

describe('firings that wait: trigger sources, outcomes, dlqTrigger', () => {
  const http = { template: { name: 't', http: { url: 'http://x' } } };

  it('a failed firing fires the dlqTrigger with the same events, once', () => {
    const s = sensor({
      dependencies: [deps[0]!],
      triggers: [{ ...http, dlqTrigger: { template: { name: 'dlq', log: {} } } }],
    });
    const [effect] = arrive(s, event('a', 'e1'));
    const tag = (effect!.input as { tag: string }).tag;
    const effects: EffectRequest[] = [];
    reduceSensor(
      s,
      {
        type: 'EffectSucceeded',
        at: 0,
        effectKind: 'events.http',
        result: { tag, error: 'HTTP 500, not in policy.status.allow [200]' },
      },
      effects,
    );
    expect(effects.map((e) => e.kind)).toEqual(['events.log']);
    const dlqInput = effects[0]!.input as unknown as {
      tag: string;
      events: Record<string, ArgoEvent>;
    };
    expect(dlqInput.events['dep-a']!.context.id).toBe('e1');
    // The DLQ trigger failing in turn fires nothing more.
    const more: EffectRequest[] = [];
    reduceSensor(
      s,
      { type: 'EffectFailed', at: 0, effectKind: 'events.log', reason: 'x', tag: dlqInput.tag },
      more,
    );
    expect(more).toEqual([]);
    expect(s.held).toEqual({});
    expect(s.firings).toEqual({});
  });

  it('a success lets the firing go and clears the last error', () => {
    const s = sensor({ dependencies: [deps[0]!], triggers: [http] });
    const [effect] = arrive(s, event('a', 'e1'));
    reduceSensor(
      s,
      {
        type: 'EffectSucceeded',
        at: 0,
        effectKind: 'events.http',
        result: { tag: (effect!.input as { tag: string }).tag, status: 200 },
      },
      [],
    );
    expect(s.firings).toEqual({});
    expect(s.held).toEqual({});
  });

  it('http policy.status.allow travels with the request; serverURL is read as url', () => {
    const s = sensor({
      dependencies: [deps[0]!],
      triggers: [
        {
          template: { name: 't', http: { serverURL: 'http://old' } as never },
          policy: { status: { allow: [200, 201] } },
        },
      ],
    });
    const [effect] = arrive(s, event('a', 'e1'));
    expect(effect!.input).toMatchObject({ url: 'http://old', allowedStatuses: [200, 201] });
  });

  it('a ConfigMap source is fetched by an effect, then the trigger runs with its parameters', () => {
    const s = sensor({
      dependencies: [deps[0]!],
      triggers: [
        {
          template: {
            name: 't',
            k8s: {
              operation: 'create',
              source: { configmap: { name: 'wf', key: 'workflow' } },
              parameters: [
                { src: { dependencyName: 'dep-a', dataKey: 'body.n' }, dest: 'spec.entrypoint' },
              ],
            },
          },
        },
      ],
    });
    const [resolve] = arrive(s, event('a', 'e1'));
    expect(resolve).toMatchObject({
      kind: 'events.resolve',
      input: { source: { configmap: { name: 'wf', key: 'workflow' } }, namespace: 'argo-events' },
    });
    const effects: EffectRequest[] = [];
    const object = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Workflow',
      metadata: { generateName: 'cm-' },
      spec: { entrypoint: 'x' },
    };
    reduceSensor(
      s,
      {
        type: 'EffectSucceeded',
        at: 0,
        effectKind: 'events.resolve',
        result: { tag: (resolve!.input as { tag: string }).tag, object },
      },
      effects,
    );
    expect(effects).toHaveLength(1);
    const sent = effects[0]!.input as { key: string; event: { object: { spec: unknown } } };
    expect(sent.key).toMatch(/^in-cluster\/Workflow\/argo-events\/cm-/);
    expect(sent.event.object.spec).toEqual({ entrypoint: 'e1' });
    expect(s.firings).toEqual({});
  });
});

describe('conditionsReset', () => {
  it('arms a timer on creation and clears the slots when it fires', () => {
    const s = sensor({
      dependencies: deps,
      triggers: [
        {
          template: {
            name: 't',
            conditionsReset: [{ byTime: { cron: '0 * * * *' } }],
            ...workflow('wf-'),
          },
        },
      ],
    });
    const init: EffectRequest[] = [];
    reduceSensor(s, { type: 'xstate.init', at: Date.parse('2026-11-30T10:15:00Z') }, init);
    expect(init).toEqual([
      {
        kind: 'timer.set',
        input: { timerId: 'reset:t', generation: 1, fireAt: Date.parse('2026-11-30T11:00:00Z') },
      },
    ]);
    arrive(s, event('a', 'e1'));
    expect(s.slots['t']).toEqual({ 'dep-a': 'e1' });
    const again: EffectRequest[] = [];
    reduceSensor(
      s,
      {
        type: 'TimerFired',
        at: Date.parse('2026-11-30T11:00:00Z'),
        timerId: 'reset:t',
        generation: 1,
      },
      again,
    );
    expect(s.slots['t']).toEqual({});
    expect(s.recent.at(-1)).toMatchObject({ kind: 'cleared', eventId: 'e1' });
    expect(again[0]!.input).toMatchObject({
      generation: 2,
      fireAt: Date.parse('2026-11-30T12:00:00Z'),
    });
    // the second dependency alone no longer fires
    expect(arrive(s, event('b', 'e2'))).toEqual([]);
  });
});

describe('argoWorkflow submit-from', () => {
  const from = (kind: string) =>
    sensor({
      dependencies: [deps[0]!],
      triggers: [
        {
          template: {
            name: 't',
            argoWorkflow: {
              operation: 'submit-from',
              source: {
                resource: {
                  apiVersion: 'argoproj.io/v1alpha1',
                  kind,
                  metadata: { name: 'nightly' },
                },
              },
            },
          },
        },
      ],
    });
  it('from a WorkflowTemplate: a Workflow referring to it', () => {
    const [effect] = arrive(from('WorkflowTemplate'), event('a', 'e1'));
    const input = effect!.input as {
      key: string;
      event: { object: { spec: unknown; metadata: { labels: unknown } } };
    };
    expect(input.key).toMatch(/^in-cluster\/Workflow\/argo-events\/nightly-[a-z0-9]{5}$/);
    expect(input.event.object.spec).toEqual({ workflowTemplateRef: { name: 'nightly' } });
    expect(input.event.object.metadata.labels).toEqual({
      'workflows.argoproj.io/workflow-template': 'nightly',
    });
  });
  it('from a CronWorkflow: its machine is asked to submit one now', () => {
    const [effect] = arrive(from('CronWorkflow'), event('a', 'e1'));
    expect(effect!.input).toMatchObject({
      key: 'in-cluster/CronWorkflow/argo-events/nightly',
      event: { type: 'SubmitFrom' },
    });
  });
});

describe('awsLambda trigger', () => {
  it('builds the payload from its parameters and asks the worker to invoke', () => {
    const s = sensor({
      dependencies: [deps[0]!],
      triggers: [
        {
          template: {
            name: 'fn',
            awsLambda: {
              functionName: 'hello',
              region: 'eu-west-1',
              payload: [{ src: { dependencyName: 'dep-a', dataKey: 'body.n' }, dest: 'n' }],
              accessKey: { name: 'aws', key: 'ak' },
              secretKey: { name: 'aws', key: 'sk' },
            },
          },
        },
      ],
    });
    const [effect] = arrive(s, event('a', 'e5'));
    expect(effect).toEqual({
      kind: 'events.lambda',
      input: {
        tag: 'fn#1',
        functionName: 'hello',
        region: 'eu-west-1',
        invocationType: 'RequestResponse',
        payload: '{"n":"e5"}',
        accessKey: { name: 'aws', key: 'ak', namespace: 'argo-events' },
        secretKey: { name: 'aws', key: 'sk', namespace: 'argo-events' },
      },
    });
  });
});

describe('rateLimit', () => {
  it('spaces firings by unit / requestsPerUnit: the next waits for a timer', () => {
    const s = sensor({
      dependencies: [deps[0]!],
      triggers: [
        {
          template: { name: 't', ...workflow('wf-') },
          rateLimit: { unit: 'Second', requestsPerUnit: 2 },
        },
      ],
    });
    const t0 = Date.parse('2026-11-30T10:00:00Z');
    const fire = (id: string) => {
      const effects: EffectRequest[] = [];
      reduceSensor(s, { type: 'EventArrived', at: t0, event: event('a', id) }, effects);
      return effects;
    };
    expect(fire('e1').map((e) => e.kind)).toEqual(['message.send']);
    expect(fire('e2')).toEqual([
      { kind: 'timer.set', input: { timerId: 'rate:t', generation: 1, fireAt: t0 + 500 } },
    ]);
    expect(fire('e3')).toEqual([]);
    const released: EffectRequest[] = [];
    reduceSensor(
      s,
      { type: 'TimerFired', at: t0 + 500, timerId: 'rate:t', generation: 1 },
      released,
    );
    expect(released.map((e) => e.kind)).toEqual(['message.send', 'timer.set']);
    expect(released[1]!.input).toMatchObject({ fireAt: t0 + 1000 });
    const last: EffectRequest[] = [];
    reduceSensor(s, { type: 'TimerFired', at: t0 + 1000, timerId: 'rate:t', generation: 2 }, last);
    expect(last.map((e) => e.kind)).toEqual(['message.send']);
    expect(s.firings).toEqual({});
    expect(s.held).toEqual({});
  });
});

describe('transform (Lua script)', () => {
  it('rewrites the data before the filters and the trigger see it', () => {
    const s = sensor({
      dependencies: [
        {
          ...deps[0]!,
          transform: { script: "event.body.n = 'changed-' .. event.body.n\nreturn event" },
          filters: { data: [{ path: 'body.n', type: 'string', value: ['^changed-'] }] },
        },
      ],
      triggers: [
        {
          template: {
            name: 't',
            k8s: {
              ...workflow('wf-').k8s,
              parameters: [
                { src: { dependencyName: 'dep-a', dataKey: 'body.n' }, dest: 'spec.entrypoint' },
              ],
            },
          },
        },
      ],
    });
    const [effect] = arrive(s, event('a', 'e1'));
    const input = effect!.input as { event: { object: { spec: unknown } } };
    expect(input.event.object.spec).toEqual({ entrypoint: 'changed-e1' });
  });

  it('a transform that fails drops the event for that dependency, with the reason', () => {
    const s = sensor({
      dependencies: [{ ...deps[0]!, transform: { script: 'return 42' } }],
      triggers: [{ template: { name: 't', ...workflow('wf-') } }],
    });
    expect(arrive(s, event('a', 'e1'))).toEqual([]);
    expect(s.recent.at(-1)).toMatchObject({
      kind: 'filtered',
      message: 'transform failed: transformation script output type is not of lua table',
    });
  });
});
