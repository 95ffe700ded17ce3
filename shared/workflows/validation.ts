/**
 * Workflow kinds checked when applied through the API: `argo lint` with unknown fields as
 * warnings (kubectl's behaviour for unknown fields) and every other problem an error by field
 * path. References to other templates are checked when the workflow runs.
 */
import type { KindValidator } from '../resources/validate-object.js';
import { kindValidators } from '../resources/validate-object.js';
import { lintObject, OPAQUE_LIBRARY } from './lint.js';
import { WORKFLOW_KINDS } from './types.js';

export const validateWorkflowKind: KindValidator = (object) => {
  const issues = lintObject(object, OPAQUE_LIBRARY, { strict: false });
  return {
    errors: issues
      .filter((i) => i.severity === 'error')
      .map((i) => ({ path: i.path, message: i.message })),
    warnings: issues.filter((i) => i.severity === 'warning').map((i) => `${i.path}: ${i.message}`),
  };
};

export function registerWorkflowValidators(): void {
  for (const kind of WORKFLOW_KINDS) kindValidators.set(kind, validateWorkflowKind);
}
