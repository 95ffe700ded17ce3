/**
 * Which AnalysisRuns a Rollout wants, and their names, as Argo's rollout/analysis.go decides
 * (reconcileBackgroundAnalysisRun, reconcileStepBasedAnalysisRun, the blue-green pre/post runs,
 * newAnalysisRunFromRollout's names, CreateWithCollisionCounter's suffixes).
 */
import { describe, expect, it } from 'vitest';
import {
  analysisRunName,
  type AnalysisRunsRollout,
  nextAnalysisRunName,
  readRolloutAnalysis,
  wantedAnalysisRuns,
} from '../../shared/rollouts/analysis-runs.js';

const rate = { templates: [{ templateName: 'success-rate' }] };
const smoke = {
  templates: [{ templateName: 'smoke', clusterScope: true }],
  args: [
    { name: 'svc', value: 'preview' },
    { name: 'hash', valueFrom: { podTemplateHashValue: 'Latest' } },
  ],
  dryRun: [{ metricName: 'smoke' }],
  measurementRetention: [{ metricName: 'smoke', limit: 5 }],
};

type Status = NonNullable<AnalysisRunsRollout['status']>;
const mid: Status = { stableRS: 'v1', currentPodHash: 'v2' };

function canary(
  status: Status,
  analysis: unknown = { ...rate, startingStep: 2 },
): AnalysisRunsRollout {
  return {
    metadata: { name: 'web' },
    spec: {
      strategy: {
        canary: {
          analysis,
          steps: [{ setWeight: 10 }, { analysis: smoke }, { setWeight: 50 }, { pause: {} }],
        },
      },
    },
    status,
  };
}

describe('canary', () => {
  const rows: { name: string; status: Status; analysis?: unknown; wanted: string[] }[] = [
    {
      name: 'before startingStep, on a plain step: none',
      status: { ...mid, currentStepIndex: 0 },
      wanted: [],
    },
    {
      name: 'on an analysis step before startingStep: the step run, named with its index',
      status: { ...mid, currentStepIndex: 1 },
      wanted: ['step:web-v2-3-1'],
    },
    {
      name: 'from startingStep on: the background run',
      status: { ...mid, currentStepIndex: 2 },
      wanted: ['background:web-v2-3'],
    },
    {
      name: 'after the last step, still background until promoted',
      status: { ...mid, currentStepIndex: 4 },
      wanted: ['background:web-v2-3'],
    },
    {
      name: 'no startingStep means from the first step',
      status: { ...mid, currentStepIndex: 0 },
      analysis: rate,
      wanted: ['background:web-v2-3'],
    },
    {
      name: 'both on an analysis step past startingStep',
      status: { ...mid, currentStepIndex: 1 },
      analysis: { ...rate, startingStep: 1 },
      wanted: ['step:web-v2-3-1', 'background:web-v2-3'],
    },
    { name: 'aborted: none', status: { ...mid, currentStepIndex: 2, abort: true }, wanted: [] },
    {
      name: 'promoting fully: none',
      status: { ...mid, currentStepIndex: 2, promoteFull: true },
      wanted: [],
    },
    {
      name: 'fully promoted: none',
      status: { stableRS: 'v2', currentPodHash: 'v2', currentStepIndex: 4 },
      wanted: [],
    },
    {
      name: 'first deploy (no stable): none',
      status: { currentPodHash: 'v2', currentStepIndex: 2 },
      wanted: [],
    },
    {
      name: 'an analysis without templates wants no run',
      status: { ...mid, currentStepIndex: 2 },
      analysis: { templates: [] },
      wanted: [],
    },
  ];
  it.each(rows)('$name', ({ status, analysis, wanted }) => {
    const runs = wantedAnalysisRuns(
      canary(status, analysis ?? { ...rate, startingStep: 2 }),
      'v2',
      3,
    );
    expect(runs.map((r) => `${r.role}:${r.name}`)).toEqual(wanted);
  });

  it('a request carries the templates, args, dryRun and measurementRetention as written', () => {
    const [step] = wantedAnalysisRuns(canary({ ...mid, currentStepIndex: 1 }), 'v2', 3);
    expect(step).toEqual({ role: 'step', name: 'web-v2-3-1', stepIndex: 1, ...smoke });
  });
});

describe('blue-green', () => {
  const rollout = (
    bg: NonNullable<Status['blueGreen']>,
    extra: Status = {},
  ): AnalysisRunsRollout => ({
    metadata: { name: 'api' },
    spec: {
      strategy: {
        blueGreen: { activeService: 'a', prePromotionAnalysis: smoke, postPromotionAnalysis: rate },
      },
    },
    status: { ...mid, ...extra, blueGreen: bg },
  });
  const rows: {
    name: string;
    bg: NonNullable<Status['blueGreen']>;
    extra?: Status;
    wanted: string[];
  }[] = [
    {
      name: 'nothing recorded: none (the decision starts them)',
      bg: { activeSelector: 'v1' },
      wanted: [],
    },
    {
      name: 'a recorded pre-promotion run before the switch',
      bg: {
        activeSelector: 'v1',
        prePromotionAnalysisRunStatus: { name: 'api-v2-2-pre', status: 'Running' },
      },
      wanted: ['prePromotion:api-v2-2-pre'],
    },
    {
      name: 'a retried one keeps its collision suffix',
      bg: { activeSelector: 'v1', prePromotionAnalysisRunStatus: { name: 'api-v2-2-pre.1' } },
      wanted: ['prePromotion:api-v2-2-pre.1'],
    },
    {
      name: 'a run recorded for another revision is not wanted',
      bg: { activeSelector: 'v1', prePromotionAnalysisRunStatus: { name: 'api-v9-1-pre' } },
      wanted: [],
    },
    {
      name: 'after the switch: the post-promotion run only',
      bg: {
        activeSelector: 'v2',
        prePromotionAnalysisRunStatus: { name: 'api-v2-2-pre', status: 'Successful' },
        postPromotionAnalysisRunStatus: { name: 'api-v2-2-post' },
      },
      wanted: ['postPromotion:api-v2-2-post'],
    },
    {
      name: 'aborted: none',
      bg: { activeSelector: 'v1', prePromotionAnalysisRunStatus: { name: 'api-v2-2-pre' } },
      extra: { abort: true },
      wanted: [],
    },
    {
      name: 'promoted: none',
      bg: { activeSelector: 'v2', postPromotionAnalysisRunStatus: { name: 'api-v2-2-post' } },
      extra: { stableRS: 'v2' },
      wanted: [],
    },
  ];
  it.each(rows)('$name', ({ bg, extra, wanted }) => {
    const runs = wantedAnalysisRuns(rollout(bg, extra), 'v2', 2);
    expect(runs.map((r) => `${r.role}:${r.name}`)).toEqual(wanted);
  });
});

describe('names', () => {
  it.each([
    ['background', undefined, 'ro-abc-4'],
    ['step', 3, 'ro-abc-4-3'],
    ['prePromotion', undefined, 'ro-abc-4-pre'],
    ['postPromotion', undefined, 'ro-abc-4-post'],
  ] as const)('%s run: %s', (role, stepIndex, name) => {
    expect(analysisRunName('ro', 'abc', 4, role, stepIndex)).toBe(name);
  });

  it.each([
    [undefined, 'ro-abc-4-pre'],
    ['ro-abc-4-pre', 'ro-abc-4-pre.1'],
    ['ro-abc-4-pre.1', 'ro-abc-4-pre.2'],
    ['ro-xyz-4-pre', 'ro-abc-4-pre'],
  ])('after %s the next run is %s', (previous, next) => {
    expect(nextAnalysisRunName('ro-abc-4-pre', previous)).toBe(next);
  });

  it('reads only templates with a templateName; none means no analysis', () => {
    expect(readRolloutAnalysis({ templates: [{ templateName: 'a' }, { name: 'b' }] })).toEqual({
      templates: [{ templateName: 'a' }],
    });
    expect(readRolloutAnalysis({ templates: [{ name: 'b' }] })).toBeUndefined();
    expect(readRolloutAnalysis('nope')).toBeUndefined();
  });
});
