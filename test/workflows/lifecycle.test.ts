/**
 * What happens around a workflow's pods and after it ends: podGC and ttlStrategy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Embedded } from '../../shared/runtime/local/embedded.js';
import { startInstantEmbedded, until } from '../support/embedded-workflows.js';

let embedded: Embedded;
beforeAll(async () => {
  embedded = await startInstantEmbedded('lifecycle-');
});
afterAll(async () => embedded?.stop());

const twoSteps = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Workflow',
  metadata: { name, namespace: 'default' },
  spec: {
    entrypoint: 'main',
    templates: [
      {
        name: 'main',
        steps: [[{ name: 'a', template: 'leaf' }], [{ name: 'b', template: 'leaf' }]],
      },
      { name: 'leaf', container: { image: 'busybox' } },
    ],
    ...spec,
  },
});

const phaseOf = async (name: string) =>
  (
    (await embedded.runtime.get(`in-cluster/Workflow/default/${name}`)).object?.['status'] as
      { phase?: string } | undefined
  )?.phase;

const podsOf = async (name: string) =>
  embedded.cluster.kubernetes.list('v1', 'Pod', {
    namespace: 'default',
    labelSelector: `workflows.argoproj.io/workflow=${name}`,
  });

describe('podGC and ttlStrategy', () => {
  it(
    'podGC OnPodCompletion deletes each pod once its end is recorded; ended pods are labelled completed',
    { timeout: 30_000 },
    async () => {
      await embedded.runtime.submit([
        {
          id: 'gc',
          key: 'in-cluster/Workflow/default/gc',
          at: Date.now(),
          event: {
            type: 'Apply',
            object: twoSteps('gc', { podGC: { strategy: 'OnPodCompletion' } }),
          },
        },
      ]);
      await until(async () => (await phaseOf('gc')) === 'Succeeded', 'gc to succeed', 200);
      await until(async () => (await podsOf('gc')).length === 0, 'the pods to be deleted', 200);
      await embedded.runtime.submit([
        {
          id: 'keep',
          key: 'in-cluster/Workflow/default/keep',
          at: Date.now(),
          event: { type: 'Apply', object: twoSteps('keep', {}) },
        },
      ]);
      await until(async () => (await phaseOf('keep')) === 'Succeeded', 'keep to succeed', 200);
      await until(
        async () =>
          (await podsOf('keep')).every(
            (p) => p.metadata.labels?.['workflows.argoproj.io/completed'] === 'true',
          ),
        'the pods to be labelled completed',
        200,
      );
      expect(await podsOf('keep')).toHaveLength(2);
    },
  );

  it(
    'ttlStrategy secondsAfterCompletion deletes the finished Workflow',
    { timeout: 30_000 },
    async () => {
      await embedded.runtime.submit([
        {
          id: 'ttl',
          key: 'in-cluster/Workflow/default/ttl',
          at: Date.now(),
          event: {
            type: 'Apply',
            object: twoSteps('ttl', { ttlStrategy: { secondsAfterCompletion: 1 } }),
          },
        },
      ]);
      await until(async () => (await phaseOf('ttl')) === 'Succeeded', 'ttl to succeed', 200);
      expect((await embedded.runtime.get('in-cluster/Workflow/default/ttl')).object).not.toBeNull();
      await until(
        async () => (await embedded.runtime.get('in-cluster/Workflow/default/ttl')).object === null,
        'the Workflow to be deleted',
        200,
      );
    },
  );
});
