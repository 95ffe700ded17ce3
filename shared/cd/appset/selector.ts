/**
 * metav1.LabelSelector over a flat string map. Argo matches generator post-filters without
 * Kubernetes' label-value rules (so a selector may name a cluster URL); so do we.
 */
import { selectorMatches } from '../../rollouts/field-checks.js';
import { AppSetError, type LabelSelector } from './types.js';

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

export function isEmptySelector(selector: LabelSelector | undefined): boolean {
  return (
    !selector ||
    (Object.keys(selector.matchLabels ?? {}).length === 0 &&
      (selector.matchExpressions ?? []).length === 0)
  );
}

/** Throws naming the field when the selector cannot be evaluated, as Argo's parse does. */
export function checkSelector(selector: LabelSelector, at: string): void {
  (selector.matchExpressions ?? []).forEach((e, i) => {
    const where = `${at}.matchExpressions[${i}]`;
    if (!OPERATORS.has(e.operator))
      throw new AppSetError(
        `${where}.operator: "${e.operator}" is not a valid label selector operator (In, NotIn, Exists, DoesNotExist)`,
      );
    const n = (e.values ?? []).length;
    if ((e.operator === 'In' || e.operator === 'NotIn') && n === 0)
      throw new AppSetError(`${where}.values: must be non-empty for operator ${e.operator}`);
    if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && n > 0)
      throw new AppSetError(`${where}.values: must be empty for operator ${e.operator}`);
  });
}

export function labelsMatch(
  selector: LabelSelector,
  labels: Record<string, string>,
  at: string,
): boolean {
  checkSelector(selector, at);
  return selectorMatches(selector as Record<string, unknown>, labels);
}
