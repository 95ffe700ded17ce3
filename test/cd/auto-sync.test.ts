import { describe, expect, it } from 'vitest';
import type { AutoSyncInput } from '../../shared/cd/auto-sync.js';
import {
  decideAutoSync,
  reconcileDelayMs,
  reconcileSettingsFromEnv,
  retryDelayMs,
  shouldRetry,
} from '../../shared/cd/auto-sync.js';

const SOURCE = { repoURL: 'https://git.example.com/r.git', path: 'app', targetRevision: 'main' };
const base: AutoSyncInput = {
  automated: { prune: true, selfHeal: true },
  syncStatus: 'OutOfSync',
  revisions: ['abc'],
  sources: [SOURCE],
  resources: [{ group: '', kind: 'ConfigMap', namespace: 'ns', name: 'cfg', status: 'OutOfSync' }],
  now: 100_000,
  selfHealTimeoutMs: 5_000,
  window: { allowed: true },
};
const succeeded = {
  phase: 'Succeeded' as const,
  message: 'ok',
  revisions: ['abc'],
  sources: [SOURCE],
  finishedAt: 97_000,
};

describe('decideAutoSync (Argo autoSync)', () => {
  const cases: [string, Partial<AutoSyncInput>, RegExp | 'sync' | 'selective'][] = [
    ['no automated policy', { automated: undefined }, /not enabled/],
    ['automated.enabled false', { automated: { enabled: false } }, /not enabled/],
    ['Synced apps are left alone', { syncStatus: 'Synced' }, /application status is Synced/],
    [
      'Unknown comparison is left alone',
      { syncStatus: 'Unknown' },
      /application status is Unknown/,
    ],
    ['OutOfSync at a new commit syncs', {}, 'sync'],
    [
      'only prunes needed but prune off',
      {
        automated: {},
        resources: [
          {
            group: '',
            kind: 'ConfigMap',
            namespace: 'ns',
            name: 'x',
            status: 'OutOfSync',
            requiresPruning: true,
          },
        ],
      },
      /need to prune extra resources only but automated prune is disabled/,
    ],
    [
      'already synced this commit, no selfHeal',
      { automated: { prune: true }, last: succeeded },
      /most recent sync already to abc/,
    ],
    [
      'failed before at this commit',
      { last: { ...succeeded, phase: 'Failed', message: 'boom' } },
      /failed previous sync attempt to abc/,
    ],
    [
      'selfHeal inside its timeout waits',
      { last: succeeded },
      /with timeout 5s \(retrying in 2s\)/,
    ],
    [
      'selfHeal after its timeout syncs what drifted',
      { last: succeeded, now: 102_000 },
      'selective',
    ],
    [
      'same commit, other sources: sync again',
      { last: { ...succeeded, sources: [{ ...SOURCE, path: 'other' }] } },
      'sync',
    ],
    [
      'everything would be pruned',
      {
        resources: [
          {
            group: '',
            kind: 'ConfigMap',
            namespace: 'ns',
            name: 'x',
            status: 'OutOfSync',
            requiresPruning: true,
          },
        ],
      },
      /auto-sync will wipe out all resources/,
    ],
    [
      'allowEmpty lets it prune everything',
      {
        automated: { prune: true, allowEmpty: true },
        resources: [
          {
            group: '',
            kind: 'ConfigMap',
            namespace: 'ns',
            name: 'x',
            status: 'OutOfSync',
            requiresPruning: true,
          },
        ],
      },
      'sync',
    ],
    ['a sync window blocks', { window: { allowed: false } }, /blocked by sync window/],
  ];
  it.each(cases)('%s', (_name, change, expected) => {
    const decision = decideAutoSync({ ...base, ...change });
    if (expected === 'sync' || expected === 'selective') {
      expect('operation' in decision).toBe(true);
      const op = (decision as { operation: { sync: { resources?: unknown[]; revision?: string } } })
        .operation;
      expect(op.sync.revision).toBe('abc');
      if (expected === 'selective')
        expect(op.sync.resources).toEqual([
          { group: '', kind: 'ConfigMap', namespace: 'ns', name: 'cfg' },
        ]);
      else expect(op.sync.resources).toBeUndefined();
    } else {
      expect('skip' in decision && decision.skip).toMatch(expected);
    }
  });

  it('a failed attempt shows as a SyncError condition with the operation message', () => {
    const decision = decideAutoSync({
      ...base,
      last: { ...succeeded, phase: 'Failed', message: 'boom' },
    });
    expect(decision).toMatchObject({ condition: 'Failed sync attempt to abc: boom' });
  });

  it('a multi-source app syncs all its revisions', () => {
    const decision = decideAutoSync({ ...base, revisions: ['a', 'b'], sources: [SOURCE, SOURCE] });
    expect(decision).toMatchObject({ operation: { sync: { revisions: ['a', 'b'] } } });
  });
});

describe('retry backoff (RetryStrategy.NextRetryAt)', () => {
  it.each([
    [{}, 0, 5_000],
    [{}, 1, 10_000],
    [{}, 5, 160_000],
    [{}, 6, 180_000],
    [{ backoff: { duration: '1m', factor: 3, maxDuration: '10m' } }, 2, 540_000],
    [{ backoff: { duration: '30', factor: 1 } }, 4, 30_000],
  ])('%j attempt %i waits %i ms', (retry, count, ms) => {
    expect(retryDelayMs(retry, count)).toBe(ms);
  });

  it.each([
    [undefined, 0, false],
    [{ limit: 0 }, 0, false],
    [{ limit: 2 }, 1, true],
    [{ limit: 2 }, 2, false],
    [{ limit: -1 }, 99, true],
  ])('retry %j after %i retries: %s', (retry, count, expected) => {
    expect(shouldRetry(retry, count)).toBe(expected);
  });
});

describe('reconciliation period', () => {
  it('is 120 s plus a jitter of up to 60 s, the same for a key every time', () => {
    const settings = reconcileSettingsFromEnv({});
    expect(settings).toEqual({
      reconciliationMs: 120_000,
      jitterMs: 60_000,
      selfHealTimeoutMs: 5_000,
    });
    const a = reconcileDelayMs('in-cluster/Application/argocd/a', settings)!;
    expect(a).toBe(reconcileDelayMs('in-cluster/Application/argocd/a', settings));
    expect(a).toBeGreaterThanOrEqual(120_000);
    expect(a).toBeLessThanOrEqual(180_000);
    const spread = new Set(
      Array.from({ length: 20 }, (_, i) =>
        reconcileDelayMs(`in-cluster/Application/argocd/app${i}`, settings),
      ),
    );
    expect(spread.size).toBeGreaterThan(10);
  });

  it('follows ARGOCD_RECONCILIATION_TIMEOUT / _JITTER; 0 turns it off', () => {
    const settings = reconcileSettingsFromEnv({
      ARGOCD_RECONCILIATION_TIMEOUT: '3m',
      ARGOCD_RECONCILIATION_JITTER: '0',
      ARGOCD_APPLICATION_CONTROLLER_SELF_HEAL_TIMEOUT_SECONDS: '10',
    });
    expect(settings).toEqual({ reconciliationMs: 180_000, jitterMs: 0, selfHealTimeoutMs: 10_000 });
    expect(reconcileDelayMs('k', settings)).toBe(180_000);
    expect(reconcileDelayMs('k', { ...settings, reconciliationMs: 0 })).toBeUndefined();
    expect(() => reconcileSettingsFromEnv({ ARGOCD_RECONCILIATION_TIMEOUT: 'soon' })).toThrow(
      /ARGOCD_RECONCILIATION_TIMEOUT="soon" is not a duration/,
    );
  });
});
