/**
 * Argo Rollouts kinds checked when applied: first against the CRD's field schema (unknown fields
 * are warnings naming the path, as kubectl prints them; wrong types and missing required fields
 * errors), then Argo's own rules for the kind (rollout-validation.ts, analysis-validation.ts,
 * experiment-validation.ts), every error by field path. What needs other objects (the Services,
 * Ingresses and AnalysisTemplates a Rollout names) is checked when the Rollout runs.
 */
import type { KubeObject } from '../core/objects.js';
import type { KindValidator } from '../resources/validate-object.js';
import { kindValidators } from '../resources/validate-object.js';
import type { AnalysisKind } from './analysis-validation.js';
import { checkAnalysisSpec } from './analysis-validation.js';
import { checkExperimentSpec } from './experiment-validation.js';
import type { Obj } from './field-checks.js';
import { Checker, isObj } from './field-checks.js';
import { checkRollout } from './rollout-validation.js';
import { checkRolloutSchema } from './schema.js';

function kindValidator(kind: string, check: (c: Checker, spec: Obj) => void): KindValidator {
  return (object: KubeObject) => {
    const c = new Checker();
    const spec = (object as { spec?: unknown }).spec;
    if (!isObj(spec)) {
      c.error('spec', `required: a ${kind} is its spec`);
      return c.result;
    }
    for (const issue of checkRolloutSchema(kind, spec)) {
      if (issue.severity === 'error') c.error(issue.path, issue.message);
      else c.warn(issue.path, issue.message);
    }
    check(c, spec);
    return c.result;
  };
}

const analysisValidator = (kind: AnalysisKind): KindValidator =>
  kindValidator(kind, (c, spec) => checkAnalysisSpec(c, kind, spec));

export const validateRollout = kindValidator('Rollout', checkRollout);
export const validateAnalysisTemplate = analysisValidator('AnalysisTemplate');
export const validateClusterAnalysisTemplate = analysisValidator('ClusterAnalysisTemplate');
export const validateAnalysisRun = analysisValidator('AnalysisRun');
export const validateExperiment = kindValidator('Experiment', checkExperimentSpec);

export const ROLLOUT_VALIDATORS: Readonly<Record<string, KindValidator>> = {
  Rollout: validateRollout,
  AnalysisTemplate: validateAnalysisTemplate,
  ClusterAnalysisTemplate: validateClusterAnalysisTemplate,
  AnalysisRun: validateAnalysisRun,
  Experiment: validateExperiment,
};

export function registerRolloutValidators(): void {
  for (const [kind, validator] of Object.entries(ROLLOUT_VALIDATORS))
    kindValidators.set(kind, validator);
}
