/**
 * Resource templates: objects of the cluster's kinds go to its API; argoproj.io kinds (a Workflow
 * creating Workflows) are routed to our control plane, and success conditions are re-checked on
 * a timer by the machine.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../shared/core/objects.js';
import { runWorkflows } from '../../cli/run.js';
import { corpusDocuments } from '../support/corpus.js';

function examples(file: string): KubeObject[] {
  return corpusDocuments('argo-workflows/examples')
    .filter((d) => (d.object as { kind?: string }).kind !== 'Workflow' || d.file === file)
    .map((d) => d.object as unknown as KubeObject);
}

describe('resource templates', () => {
  it(
    'workflow of workflows: children are created in the control plane and waited for',
    { timeout: 60_000 },
    async () => {
      let children: string[] = [];
      const outcome = await runWorkflows(examples('workflow-of-workflows.yaml'), {
        executor: 'sim',
        parameters: {},
        timeoutMs: 45_000,
        progress: () => {},
        inspect: async ({ runtime }) => {
          children = (await runtime.list('Workflow', { namespace: 'default' })).map((e) => e.key);
        },
      });
      const parent = outcome.workflows[0]!;
      expect((parent.status as { phase: string }).phase).toBe('Succeeded');
      const kids = children.filter((k) => /workflow-of-workflows-[12]-/.test(k));
      expect(kids).toHaveLength(2);
      // Names derive from the parent and the request, so a re-run cannot create a third.
      for (const k of kids)
        expect(k).toMatch(
          /^in-cluster\/Workflow\/default\/workflow-of-workflows-[12]-[a-z2-9]{5}$/,
        );
    },
  );

  it(
    'a Job created by a resource template is waited for until its success condition holds',
    { timeout: 60_000 },
    async () => {
      let impersonated: (string | undefined)[] = [];
      const outcome = await runWorkflows(examples('k8s-orchestration.yaml'), {
        executor: 'sim',
        parameters: {},
        timeoutMs: 45_000,
        progress: () => {},
        inspect: async ({ cluster }) => {
          impersonated = cluster
            .simulated!.requests.filter((r) => r.path.includes('/jobs'))
            .map((r) => r.impersonate);
        },
      });
      expect((outcome.workflows[0]!.status as { phase: string }).phase).toBe('Succeeded');
      // As the workflow's service account, as Argo's resource pod would act.
      expect(impersonated.length).toBeGreaterThan(0);
      expect(new Set(impersonated)).toEqual(new Set(['system:serviceaccount:default:default']));
    },
  );
});
