/**
 * `argosls retry` (Argo's `argo retry`): a failed workflow runs again from where it failed, its
 * succeeded nodes kept and its failed ones (and their pods) redone.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Embedded } from '../../shared/runtime/local/embedded.js';
import { startInstantEmbedded, until } from '../support/embedded-workflows.js';
import type { NodeStatus } from '../../shared/workflows/nodes.js';
import { RESUME_ANNOTATION } from '../../shared/workflows/reducer.js';
import { formulateRetry, RETRY_ANNOTATION } from '../../shared/workflows/retry.js';
import type { WorkflowState } from '../../shared/workflows/state.js';

let embedded: Embedded;
beforeAll(async () => {
  embedded = await startInstantEmbedded('retry-');
});
afterAll(async () => embedded?.stop());

const KEY = 'in-cluster/Workflow/default/flaky';
let seq = 0;
const send = (event: Record<string, unknown> & { type: string }) =>
  embedded.runtime.submit([{ id: `retry-${++seq}`, key: KEY, at: Date.now(), event }]);
const patch = (annotations: Record<string, string>) =>
  send({ type: 'Patch', patchType: 'merge', patch: { metadata: { annotations } } });

async function status() {
  const { object } = await embedded.runtime.get(KEY);
  return (object?.['status'] ?? {}) as { phase?: string; nodes?: Record<string, NodeStatus> };
}
const node = async (displayName: string) =>
  Object.values((await status()).nodes ?? {}).find((n) => n.displayName === displayName);

it(
  'retries the failed task only: the succeeded one keeps its pod, the failed one is redone',
  { timeout: 60_000 },
  async () => {
    const leaf = { container: { image: 'busybox' } };
    await send({
      type: 'Apply',
      object: {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        metadata: { name: 'flaky', namespace: 'default' },
        spec: {
          entrypoint: 'main',
          templates: [
            {
              name: 'main',
              dag: {
                tasks: [
                  { name: 'a', template: 'leaf' },
                  { name: 'approve', template: 'approve', depends: 'a' },
                  { name: 'b', template: 'leaf', depends: 'approve' },
                  { name: 'c', template: 'leaf', depends: 'b' },
                ],
              },
            },
            { name: 'leaf', ...leaf },
            { name: 'approve', suspend: {} },
          ],
        },
      },
    });
    await until(async () => (await node('approve'))?.phase === 'Running', 'the suspend node');
    // b's pod cannot be created (a refusal, not retried): the workflow fails at b.
    const sim = embedded.cluster.simulated!;
    sim.faults.add({ method: 'POST', path: /\/pods$/, status: 403, times: 1 });
    await patch({ [RESUME_ANNOTATION]: new Date().toISOString() });
    await until(async () => ['Failed', 'Error'].includes((await status()).phase ?? ''), 'failure');
    expect((await node('b'))?.phase).toBe('Error');
    expect(await node('c')).toBeUndefined();
    const aBefore = await node('a');
    const podCreations = () =>
      sim.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/pods')).length;
    const createdBefore = podCreations();

    // A retry request on a workflow that is not failed is ignored by the machine.
    await patch({ [RETRY_ANNOTATION]: JSON.stringify({ at: 'first' }) });
    await until(async () => (await status()).phase === 'Succeeded', 'the retried workflow');
    const after = await status();
    expect((await node('a'))?.startedAt).toBe(aBefore?.startedAt);
    expect((await node('a'))?.id).toBe(aBefore?.id);
    expect((await node('b'))?.phase).toBe('Succeeded');
    expect((await node('c'))?.phase).toBe('Succeeded');
    // b and c were created; a was not created again.
    expect(podCreations() - createdBefore).toBe(2);
    expect(Object.values(after.nodes ?? {}).filter((n) => n.displayName === 'b')).toHaveLength(1);

    // A second patch with the same request changes nothing; a new one on a Succeeded workflow
    // is ignored too (Argo retries only Failed or Errored workflows).
    await patch({ [RETRY_ANNOTATION]: JSON.stringify({ at: 'second' }) });
    expect((await status()).phase).toBe('Succeeded');
    expect(podCreations() - createdBefore).toBe(2);
  },
);

it('formulates a retry as Argo does: exit handlers and selected successful nodes redone too', () => {
  const n = (id: string, name: string, type: string, phase: string, children: string[] = []) =>
    ({ id, name, displayName: name.split('.').at(-1), type, phase, children }) as NodeStatus;
  const nodes = Object.fromEntries(
    [
      n('wf', 'wf', 'DAG', 'Failed', ['a', 'b', 'exit']),
      n('a', 'wf.a', 'Pod', 'Succeeded'),
      n('b', 'wf.b', 'Retry', 'Failed', ['b0']),
      n('b0', 'wf.b(0)', 'Pod', 'Failed'),
      n('skip', 'wf.s', 'Pod', 'Skipped'),
      n('exit', 'wf.onExit', 'Pod', 'Succeeded'),
    ].map((x) => [x.id, x]),
  );
  const record = (nodeId: string) => ({ nodeId, podName: `pod-${nodeId}`, cluster: 'in-cluster' });
  const state = {
    status: { phase: 'Failed', finishedAt: 'then', message: 'b failed', nodes },
    pods: { a: record('a'), b0: record('b0'), exit: record('exit') },
    podIndex: { 'pod-a': 'a', 'pod-b0': 'b0', 'pod-exit': 'exit' },
    active: {},
    timers: { ttl: { generation: 1, fireAt: 5 } },
    settled: { wf: { a: 1 } },
    dagFrontier: { wf: { b: 2 } },
    dagFailed: { wf: { b: 1 } },
  } as unknown as WorkflowState;
  const pods = formulateRetry(state, {
    at: 'now',
    restartSuccessful: true,
    nodeFieldSelector: 'displayName=a',
  });
  expect(Object.keys(state.status.nodes!).sort()).toEqual(['skip', 'wf']);
  expect(state.status.nodes!['wf']).toMatchObject({
    phase: 'Running',
    finishedAt: null,
    children: [],
  });
  expect(pods.get('in-cluster')?.sort()).toEqual(['pod-a', 'pod-b0', 'pod-exit']);
  expect(state.podIndex).toEqual({});
  expect(state.status).toMatchObject({ phase: 'Running', finishedAt: null });
  expect(state.status.message).toBeUndefined();
  expect(state.timers['ttl']?.fired).toBe(true);
  expect(state.settled).toEqual({});
  // Without the flag, succeeded nodes stay whatever the selector says.
  const again = structuredClone(state);
  again.status.phase = 'Failed';
  again.status.nodes!['a2'] = n('a2', 'wf.a2', 'Pod', 'Succeeded');
  formulateRetry(again, { at: 'later', nodeFieldSelector: 'displayName=a2' });
  expect(again.status.nodes!['a2']?.phase).toBe('Succeeded');
});
