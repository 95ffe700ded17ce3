/**
 * DAG task dependencies as Argo reads them: `depends` expressions (`A && (B.Failed || C)`) and
 * the older `dependencies` list, which Argo rewrites into a `depends` expression where a bare
 * task name means `(A.Succeeded || A.Skipped || A.Daemoned)` plus `|| A.Failed` / `A.Errored`
 * when task A says `continueOn` for them.
 */
import type { DAGTask } from './types.js';

export const TASK_RESULTS = [
  'Succeeded',
  'Failed',
  'Errored',
  'Skipped',
  'Omitted',
  'Daemoned',
  'AnySucceeded',
  'AllFailed',
] as const;
export type TaskResult = (typeof TASK_RESULTS)[number];

// Argo's own patterns: `name.Result` or a bare `name` (names may hold dashes).
const TASK_REF = /([a-zA-Z0-9][-a-zA-Z0-9]*?\.[A-Z][a-zA-Z]+)|([a-zA-Z0-9][-a-zA-Z0-9]*)/g;

export interface DependsLogic {
  /** Task names the task waits for. */
  dependencies: string[];
  /** The expression with bare names expanded, ready to evaluate. */
  logic: string;
  /** Result names that are not Argo's (e.g. `A.Done`), for validation. */
  invalidResults: { task: string; result: string }[];
}

export function dependsLogic(
  task: DAGTask,
  taskByName: ReadonlyMap<string, DAGTask>,
): DependsLogic {
  const source = task.depends
    ? task.depends
    : (task.dependencies ?? []).map((d) => expandBare(d, taskByName.get(d))).join(' && ');
  const dependencies = new Set<string>();
  const invalidResults: DependsLogic['invalidResults'] = [];
  const logic = source.replace(
    TASK_REF,
    (match, withResult: string | undefined, bare: string | undefined) => {
      if (withResult) {
        const dot = withResult.lastIndexOf('.');
        const name = withResult.slice(0, dot);
        const result = withResult.slice(dot + 1);
        if (!(TASK_RESULTS as readonly string[]).includes(result))
          invalidResults.push({ task: name, result });
        dependencies.add(name);
        return withResult;
      }
      if (bare === undefined) return match;
      dependencies.add(bare);
      return expandBare(bare, taskByName.get(bare));
    },
  );
  return { dependencies: [...dependencies], logic, invalidResults };
}

function expandBare(name: string, task: DAGTask | undefined): string {
  const parts = [`${name}.Succeeded`, `${name}.Skipped`, `${name}.Daemoned`];
  if (task?.continueOn?.error) parts.push(`${name}.Errored`);
  if (task?.continueOn?.failed) parts.push(`${name}.Failed`);
  return `(${parts.join(' || ')})`;
}

/** What a dependency's node offers to `depends` expressions. */
export type TaskResults = Record<TaskResult, boolean>;
