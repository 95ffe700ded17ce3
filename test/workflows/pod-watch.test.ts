/** The pod watch's hints: only a pod's end, addressed to its workflow, one id per pod and phase. */
import { expect, it } from 'vitest';
import type { KubeObject } from '../../shared/core/objects.js';
import { ANNOTATIONS } from '../../shared/workflows/pods.js';
import { podChangeHint } from '../../shared/workflows/pod-watch.js';

const pod = (phase: string | undefined, annotated = true): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'wf-main-123',
    namespace: 'default',
    uid: 'u-1',
    ...(annotated
      ? { annotations: { [ANNOTATIONS.resourceKey]: 'in-cluster/Workflow/default/wf' } }
      : {}),
  },
  ...(phase ? { status: { phase } } : {}),
});

it('hints only a pod that ended, to the workflow its annotation names', () => {
  expect(podChangeHint('MODIFIED', pod('Succeeded'), 5)).toEqual({
    id: 'pod-watch/u-1/Succeeded',
    key: 'in-cluster/Workflow/default/wf',
    at: 5,
    event: { type: 'PodsChanged' },
  });
  expect(podChangeHint('MODIFIED', pod('Failed'), 5)?.id).toBe('pod-watch/u-1/Failed');
  expect(podChangeHint('MODIFIED', pod('Running'), 5)).toBeUndefined();
  expect(podChangeHint('ADDED', pod('Pending'), 5)).toBeUndefined();
  expect(podChangeHint('ADDED', pod(undefined), 5)).toBeUndefined();
  expect(podChangeHint('DELETED', pod('Succeeded'), 5)).toBeUndefined();
  expect(podChangeHint('MODIFIED', pod('Succeeded', false), 5)).toBeUndefined();
});
