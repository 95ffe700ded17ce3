/**
 * The Rollout's and the AnalysisRun's machines: their pure reducers (rollout.ts, analysis-run.ts)
 * as XState machines. AnalysisTemplates, ClusterAnalysisTemplates and Experiments are stored
 * without a machine (templates are read when a run starts).
 */
import { reducerKind } from '../core/reducer-machine.js';
import { CoreEffects } from '../core/effects.js';
import type { RolloutEvent, RolloutState } from './rollout.js';
import { initialRolloutState, reduceRollout, RolloutEffects, rolloutStatus } from './rollout.js';
import type { AnalysisRunEvent, AnalysisRunState } from './analysis-run.js';
import {
  AnalysisEffects,
  analysisRunStatus,
  initialAnalysisRunState,
  reduceAnalysisRun,
} from './analysis-run.js';

export const rolloutKind = reducerKind<RolloutState, RolloutEvent>({
  kind: 'Rollout',
  id: 'rollout',
  effectKinds: [CoreEffects.SendMessage, CoreEffects.SetTimer, ...Object.values(RolloutEffects)],
  initial: (input) => initialRolloutState(input.key, input.object),
  reduce: reduceRollout,
  status: rolloutStatus,
});

export const analysisRunKind = reducerKind<AnalysisRunState, AnalysisRunEvent>({
  kind: 'AnalysisRun',
  id: 'analysis-run',
  effectKinds: [CoreEffects.SendMessage, CoreEffects.SetTimer, ...Object.values(AnalysisEffects)],
  initial: (input) => initialAnalysisRunState(input.key, input.object),
  reduce: reduceAnalysisRun,
  status: analysisRunStatus,
});
