/**
 * Trigger conditions (`"dep1 && (dep2 || dep3)"`): a govaluate expression over dependency names,
 * each true when its slot holds an event. As Argo does, dashes in names are escaped before
 * parsing, and a trigger without conditions waits for every dependency of the Sensor.
 */
import { evaluateGovaluate } from '../expr/govaluate.js';

export function conditionsOf(conditions: string | undefined, dependencyNames: string[]): string {
  return conditions?.trim() ? conditions : dependencyNames.join(' && ');
}

/** True when the conditions hold for the dependencies whose slots are filled. */
export function conditionsMet(
  conditions: string,
  dependencyNames: string[],
  filled: ReadonlySet<string>,
): boolean {
  const params: Record<string, boolean> = {};
  for (const name of dependencyNames) params[name] = filled.has(name);
  return evaluateGovaluate(conditions.replaceAll('-', '\\-'), params) === true;
}

/**
 * Argo fires an OR-only trigger on each event alone, without keeping it in a slot: an event
 * waits for others only when the conditions join dependencies with `&&`.
 */
export function requiresAnd(conditions: string): boolean {
  return conditions.includes('&&');
}
