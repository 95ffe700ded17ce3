/** Trigger parameters as params.go resolves and applies them. */
import { describe, expect, it } from 'vitest';
import { applyParams, constructPayload, resolveParamValue } from '../../shared/events/params.js';
import type { ArgoEvent } from '../../shared/events/types.js';

const dep: ArgoEvent = {
  context: {
    id: 'abc',
    source: 'webhook-events',
    specversion: '1.0',
    type: 'webhook',
    subject: 'github',
    time: '2026-11-30T10:00:00Z',
    datacontenttype: 'application/json',
  },
  data: {
    body: {
      ref: 'refs/heads/main',
      after: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
      repository: { clone_url: 'https://github.com/o/r.git', id: 42 },
      commits: [{ id: 'c1' }, { id: 'c2' }],
    },
  },
};
const events = { push: dep };

describe('resolving a parameter value', () => {
  it('dataKey reads a gjson path; numbers come back as strings of their type', () => {
    expect(
      resolveParamValue({ dependencyName: 'push', dataKey: 'body.repository.clone_url' }, events),
    ).toEqual({ value: 'https://github.com/o/r.git', type: 'String' });
    expect(
      resolveParamValue({ dependencyName: 'push', dataKey: 'body.repository.id' }, events),
    ).toEqual({ value: '42', type: 'Number' });
  });
  it('a JSON value comes back raw', () => {
    expect(
      resolveParamValue({ dependencyName: 'push', dataKey: 'body.commits.0' }, events),
    ).toEqual({ value: '{"id":"c1"}', type: 'JSON' });
  });
  it('dataTemplate runs a Go template over .Input (the event data)', () => {
    expect(
      resolveParamValue(
        {
          dependencyName: 'push',
          dataTemplate: '{{ .Input.body.ref | replace "refs/heads/" "" }}',
        },
        events,
      )?.value,
    ).toBe('main');
    expect(
      resolveParamValue(
        {
          dependencyName: 'push',
          dataTemplate: 'myregistry/app:{{ .Input.body.after | substr 0 7 }}',
        },
        events,
      )?.value,
    ).toBe('myregistry/app:6113728');
  });
  it('a template that gives nothing falls back to the key, then the value', () => {
    expect(
      resolveParamValue(
        { dependencyName: 'push', dataTemplate: '{{ .Input.nope }}', dataKey: 'body.ref' },
        events,
      )?.value,
    ).toBe('refs/heads/main');
    expect(
      resolveParamValue({ dependencyName: 'push', dataKey: 'body.nope', value: 'fallback' }, events)
        ?.value,
    ).toBe('fallback');
  });
  it('contextKey reads the event context', () => {
    expect(
      resolveParamValue({ dependencyName: 'push', contextKey: 'subject' }, events)?.value,
    ).toBe('github');
  });
  it('a missing key without a default is an error naming the dependency', () => {
    expect(() =>
      resolveParamValue({ dependencyName: 'push', dataKey: 'body.nope' }, events),
    ).toThrow(/'push'/);
  });
  it('an absent dependency gives the value, or nothing', () => {
    expect(resolveParamValue({ dependencyName: 'other', value: 'v' }, events)?.value).toBe('v');
    expect(resolveParamValue({ dependencyName: 'other', dataKey: 'x' }, events)).toBeUndefined();
  });
});

describe('applying parameters', () => {
  const wf = {
    spec: {
      arguments: {
        parameters: [
          { name: 'repo', value: '' },
          { name: 'n', value: 'x-' },
        ],
      },
    },
  };

  it('writes at the sjson dest, leaving the input unchanged', () => {
    const out = applyParams(
      wf,
      [
        {
          src: { dependencyName: 'push', dataKey: 'body.repository.clone_url' },
          dest: 'spec.arguments.parameters.0.value',
        },
      ],
      events,
    );
    expect(out).toEqual({
      spec: {
        arguments: {
          parameters: [
            { name: 'repo', value: 'https://github.com/o/r.git' },
            { name: 'n', value: 'x-' },
          ],
        },
      },
    });
    expect(wf.spec.arguments.parameters[0]!.value).toBe('');
  });
  it('append and prepend join with what is there', () => {
    const p = (operation: 'append' | 'prepend') => [
      {
        src: { dependencyName: 'push', dataKey: 'body.repository.id' },
        dest: 'spec.arguments.parameters.1.value',
        operation,
      },
    ];
    expect(
      (applyParams(wf, p('append'), events) as typeof wf).spec.arguments.parameters[1]!.value,
    ).toBe('x-42');
    expect(
      (applyParams(wf, p('prepend'), events) as typeof wf).spec.arguments.parameters[1]!.value,
    ).toBe('42x-');
  });
  it('a JSON value goes in as a string unless useRawData', () => {
    const src = { dependencyName: 'push', dataKey: 'body.commits' };
    expect(applyParams({}, [{ src, dest: 'a' }], events)).toEqual({
      a: '[{"id":"c1"},{"id":"c2"}]',
    });
    expect(applyParams({}, [{ src: { ...src, useRawData: true }, dest: 'a' }], events)).toEqual({
      a: [{ id: 'c1' }, { id: 'c2' }],
    });
  });
  it('a payload without dest is the value itself', () => {
    expect(
      constructPayload(
        [{ src: { dependencyName: 'push', dataKey: 'body.ref' }, dest: 'ref' }],
        events,
      ),
    ).toBe('{"ref":"refs/heads/main"}');
  });
});
