/**
 * Argo's e2e expectation on its own examples: every Workflow without the
 * `workflows.argoproj.io/no-test` label Succeeds. We run them all with `argosls run --executor
 * host` semantics (every example file loaded, as Argo's suite preloads them) and hold the count.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../shared/core/objects.js';
import { runWorkflows } from '../../cli/run.js';
import { corpusDocuments } from '../support/corpus.js';

/** Raise it when more succeed; never lower it to make the suite pass. */
const SUCCEEDED_AT_LEAST = 94;

/**
 * Examples whose outcome is random by design, as in Argo's own e2e: retry-script exits 1 with
 * probability 2/3 and has 10 retries, so 1 run in 86 fails all 11 attempts. A failure of one of
 * these is run once more (with a fresh draw) before it counts; any other failure counts at once.
 */
const RANDOM_BY_DESIGN = new Set(['retry-script.yaml']);

describe('the Argo Workflows examples on the host executor', () => {
  it(
    `at least ${SUCCEEDED_AT_LEAST} of the testable examples Succeed`,
    { timeout: 240_000 },
    async () => {
      const docs = corpusDocuments('argo-workflows/examples');
      const objects: KubeObject[] = [];
      for (const d of docs) {
        const o = structuredClone(d.object) as unknown as KubeObject;
        if (o.kind === 'Workflow') {
          const labels = (o.metadata.labels ?? {}) as Record<string, string>;
          if (labels['workflows.argoproj.io/no-test'] !== undefined) continue;
          o.metadata.annotations = {
            ...(o.metadata.annotations as Record<string, string> | undefined),
            'corpus-file': d.file,
          };
        }
        objects.push(o);
      }
      const testable = objects.filter((o) => o.kind === 'Workflow').length;
      const outcome = await runWorkflows(objects, {
        executor: 'host',
        parameters: {},
        // Generous: 103 workflows share two cores with the rest of the suite.
        timeoutMs: 90_000,
        progress: () => {},
      });
      type Run = { status?: unknown; metadata: { annotations?: Record<string, string> } };
      const phase = (w: Run) => (w.status as { phase?: string } | undefined)?.phase;
      const file = (w: Run) => String(w.metadata.annotations?.['corpus-file'] ?? '');
      let failed = outcome.workflows.filter((w) => phase(w) !== 'Succeeded');
      const unlucky = failed.filter((w) => RANDOM_BY_DESIGN.has(file(w)));
      if (unlucky.length > 0) {
        const again = await runWorkflows(
          objects.filter(
            (o) => o.kind !== 'Workflow' || RANDOM_BY_DESIGN.has(file(o as unknown as Run)),
          ),
          { executor: 'host', parameters: {}, timeoutMs: 90_000, progress: () => {} },
        );
        const lucky = new Set(again.workflows.filter((w) => phase(w) === 'Succeeded').map(file));
        failed = failed.filter((w) => !lucky.has(file(w)));
      }
      const succeeded = outcome.workflows.length - failed.length;
      const report = failed.map((w) => {
        const status = (w.status ?? {}) as { phase?: string; message?: string };
        return `  ${w.metadata.annotations?.['corpus-file']}: ${status.phase || 'Pending'} ${status.message ?? ''}`.slice(
          0,
          240,
        );
      });
      console.log(
        `argo-workflows examples: ${succeeded} of ${testable} testable Workflows Succeeded (host executor)\n${report.join('\n')}`,
      );
      expect(outcome.rejected).toEqual([]);
      expect(testable).toBeGreaterThan(100);
      expect(succeeded).toBeGreaterThanOrEqual(SUCCEEDED_AT_LEAST);
    },
  );
});
