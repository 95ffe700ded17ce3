/**
 * Argo's `--node-field-selector` (resume, retry): comma-separated `field=value` terms over a
 * node's fields (name, displayName, templateName, id, phase...), all of which must match.
 */
import type { NodeStatus } from './nodes.js';

export function matchesNodeSelector(node: NodeStatus, selector: string): boolean {
  return selector.split(',').every((term) => {
    const [field, value] = term.split('=') as [string, string];
    const actual = (node as unknown as Record<string, unknown>)[field.trim()];
    return String(actual) === value?.trim();
  });
}
