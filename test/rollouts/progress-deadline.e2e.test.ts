/**
 * progressDeadlineSeconds end to end: canaries whose new pods never become ready (the simulated
 * kubelet keeps them Pending for a day, sim.argo-serverless.dev/start-seconds) on the embedded
 * runtime with a controlled clock. The machine wakes itself at the deadline: nothing but the clock
 * moving brings the verdict.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POD_ANNOTATIONS } from '../../shared/adapters/local/sim-cluster/controllers.js';
import type { Json, JsonObject } from '../../shared/core/types.js';
import { tempDirs } from '../support/temp-dirs.js';
import { canaryRollout, RolloutLab, until, withImage } from './lab.js';

const NS = 'deadline';
const NEVER_READY = { [POD_ANNOTATIONS.startSeconds]: String(24 * 3600) };
const dataDir = tempDirs('rollout-deadline');
let lab: RolloutLab;

beforeAll(async () => {
  lab = await RolloutLab.start(await dataDir(), NS);
}, 60_000);

afterAll(async () => {
  await lab?.stop();
});

const steps: Json[] = [{ setWeight: 50 }, { pause: {} }];

async function stuckUpdate(name: string, spec: JsonObject) {
  const rollout = canaryRollout(name, NS, { progressDeadlineSeconds: 120, ...spec }, { steps });
  await lab.apply(rollout);
  const first = await until(
    `${name} Healthy`,
    () => lab.status(name),
    (s) => s.phase === 'Healthy',
  );
  await lab.apply(withImage(rollout, `${name}:v2`, NEVER_READY));
  // The canary's pod exists (updatedReplicas counts it): the last progress is now, clock-wise.
  const s = await until(
    `${name} canary pod created`,
    () => lab.status(name),
    (s) => s.currentPodHash !== first.stableRS && s.updatedReplicas === 1,
  );
  return { stable: first.stableRS!, canary: s.currentPodHash! };
}

describe('a canary whose pods never become ready', () => {
  it('is Degraded with ProgressDeadlineExceeded once the deadline passes, and left as it is', async () => {
    const { stable, canary } = await stuckUpdate('stuck', {});
    await lab.advance(60_000);
    expect((await lab.status('stuck')).phase).toBe('Progressing');
    await lab.advance(61_000);
    const s = await until(
      'Degraded',
      () => lab.status('stuck'),
      (s) => s.phase === 'Degraded',
    );
    expect(s.message).toBe(
      `ProgressDeadlineExceeded: ReplicaSet "stuck-${canary}" has timed out progressing.`,
    );
    expect(s.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
    });
    expect(s.abort).toBeFalsy();
    expect(await lab.replicaSets('stuck')).toEqual({ [stable]: 2, [canary]: 1 });
  });

  it('with progressDeadlineAbort aborts and scales the canary down', async () => {
    const { stable, canary } = await stuckUpdate('doomed', { progressDeadlineAbort: true });
    await lab.advance(121_000);
    const s = await until(
      'aborted',
      () => lab.status('doomed'),
      (s) => s.abort === true,
    );
    expect(s.phase).toBe('Degraded');
    expect(s.message).toBe(
      `RolloutAborted: Rollout aborted update to revision 2: ReplicaSet "doomed-${canary}" has timed out progressing.`,
    );
    await until(
      'canary scaled down',
      () => lab.replicaSets('doomed'),
      (r) => r[canary] === 0 && r[stable] === 2,
    );
  });
});
