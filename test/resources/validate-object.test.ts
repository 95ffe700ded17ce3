import { describe, expect, it } from 'vitest';
import { validateObject } from '../../shared/resources/validate-object.js';

const base = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Workflow',
  metadata: { name: 'wf' },
  spec: {},
};

describe('object validation', () => {
  it.each([
    [{ ...base, apiVersion: undefined }, 'apiVersion', 'required'],
    [{ ...base, apiVersion: 'Argo/V1' }, 'apiVersion', 'is not group/version'],
    [{ ...base, kind: 'workflow' }, 'kind', 'is not a kind name'],
    [{ ...base, metadata: undefined }, 'metadata', 'required'],
    [{ ...base, metadata: {} }, 'metadata.name', 'required (or metadata.generateName)'],
    [{ ...base, metadata: { name: 'Upper' } }, 'metadata.name', 'RFC 1123 subdomain'],
    [{ ...base, metadata: { name: 'x'.repeat(254) } }, 'metadata.name', 'at most 253'],
    [
      { ...base, metadata: { name: 'wf', namespace: 'a.b' } },
      'metadata.namespace',
      'RFC 1123 label',
    ],
    [
      { ...base, kind: 'ClusterWorkflowTemplate', metadata: { name: 'c', namespace: 'argo' } },
      'metadata.namespace',
      'cluster-scoped',
    ],
    [
      { ...base, metadata: { name: 'wf', labels: { a: 'has space' } } },
      'metadata.labels["a"]',
      'not a valid label value',
    ],
    [
      { ...base, metadata: { name: 'wf', labels: { 'bad key!': 'x' } } },
      'metadata.labels["bad key!"]',
      'not a valid label key',
    ],
    [
      { ...base, metadata: { name: 'wf', annotations: { a: 1 } } },
      'metadata.annotations["a"]',
      'must be a string',
    ],
    [
      { ...base, metadata: { name: 'wf', finalizers: 'x' } },
      'metadata.finalizers',
      'list of strings',
    ],
  ])('%j -> %s: %s', (doc, path, message) => {
    const { errors, object } = validateObject(doc);
    expect(object).toBeUndefined();
    expect(errors).toContainEqual({ path, message: expect.stringContaining(message) });
  });

  it('defaults the namespace of namespaced kinds and leaves cluster-scoped ones alone', () => {
    expect(validateObject(base).object?.metadata.namespace).toBe('default');
    const cwft = validateObject({ ...base, kind: 'ClusterWorkflowTemplate' });
    expect(cwft.object?.metadata.namespace).toBeUndefined();
  });

  it('warns about unknown fields, top-level and in metadata', () => {
    const { warnings, object } = validateObject({
      ...base,
      sepc: {},
      metadata: { name: 'wf', lables: {} },
    });
    expect(object).toBeDefined();
    expect(warnings).toEqual(['unknown field "sepc"', 'unknown field "metadata.lables"']);
  });

  it('a document that is not an object is refused', () => {
    expect(validateObject([1, 2]).errors[0]?.message).toMatch(/must be an object/);
  });
});
