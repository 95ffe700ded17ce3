/**
 * The seed manifests our users start from, run on the embedded runtime and the simulated cluster
 * (sim executor: the pods' commands are stand-ins that write their declared outputs, through the
 * same outputs wrapper as on EKS).
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../shared/core/objects.js';
import type { NodeStatus } from '../../shared/workflows/nodes.js';
import { runWorkflows } from '../../cli/run.js';
import type { RunOptions } from '../../cli/run.js';
import { seedDocuments } from '../support/corpus.js';

const namespace = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name },
});

function nodesOf(wf: { status?: unknown }): NodeStatus[] {
  return Object.values(
    ((wf['status'] ?? {}) as { nodes?: Record<string, NodeStatus> }).nodes ?? {},
  );
}

const options = (inspect?: RunOptions['inspect']): RunOptions => ({
  executor: 'sim',
  parameters: {},
  timeoutMs: 60_000,
  progress: () => {},
  ...(inspect ? { inspect } : {}),
});

describe('seed workflow.yaml (data pipeline DAG) on the simulated cluster', () => {
  it(
    'runs extract -> validate -> transform -> load, passing parameters and artifacts',
    { timeout: 60_000 },
    async () => {
      const seed = seedDocuments('workflow.yaml')[0] as unknown as KubeObject;
      let pods: KubeObject[] = [];
      let claims: KubeObject[] = [];
      const outcome = await runWorkflows(
        [namespace('argo'), seed],
        options(async ({ cluster }) => {
          pods = await cluster.kubernetes.list('v1', 'Pod', { namespace: 'argo' });
          claims = await cluster.kubernetes.list('v1', 'PersistentVolumeClaim', {
            namespace: 'argo',
          });
        }),
      );
      const wf = outcome.workflows[0]!;
      expect((wf['status'] as { phase: string }).phase).toBe('Succeeded');
      const name = wf.metadata.name!;
      // validate has a retryStrategy: its pod is the Retry node's first attempt, `validate(0)`.
      const tasks = new Map(
        nodesOf(wf)
          .filter((n) => n.type === 'Pod')
          .map((n) => [n.displayName.replace(/\(\d+\)$/, ''), n]),
      );
      expect(nodesOf(wf).find((n) => n.displayName === 'validate')?.type).toBe('Retry');
      expect([...tasks.keys()].sort()).toEqual(['extract', 'load', 'transform', 'validate']);
      // Argo's progress: pods done of pods.
      expect((wf['status'] as { progress: string }).progress).toBe('4/4');

      // DAG order: each pod was created after the one it depends on (resourceVersion is monotonic).
      const created = new Map(
        pods.map((p) => [
          p.metadata.annotations?.['workflows.argoproj.io/node-name'],
          Number(p.metadata.resourceVersion),
        ]),
      );
      const podNode = (task: string) => `${name}.${task === 'validate' ? 'validate(0)' : task}`;
      const at = (task: string) => created.get(podNode(task))!;
      expect(at('extract')).toBeLessThan(at('validate'));
      expect(at('validate')).toBeLessThan(at('transform'));
      expect(at('transform')).toBeLessThan(at('load'));

      // Parameters reached the containers' arguments.
      const podOf = (task: string) =>
        pods.find(
          (p) => p.metadata.annotations?.['workflows.argoproj.io/node-name'] === podNode(task),
        )!;
      const argsOf = (task: string) =>
        JSON.stringify(
          (podOf(task)['spec'] as { containers: { command: string[] }[] }).containers[0]!.command,
        );
      expect(argsOf('extract')).toContain('--source=s3://data-lake/raw');
      expect(argsOf('extract')).toContain('--date=2024-01-15');
      expect(argsOf('load')).toContain('--destination=s3://data-lake/processed');

      // Artifacts: extract's raw-data (stored at the key the template names) feeds validate and
      // transform; transform's processed-data feeds load.
      const raw = tasks.get('extract')!.outputs!.artifacts!.find((a) => a.name === 'raw-data')!;
      expect(raw.s3).toEqual({ key: `${name}/raw-data` });
      expect(tasks.get('validate')!.inputs!.artifacts![0]).toMatchObject({
        name: 'data',
        path: '/tmp/input',
        s3: { key: `${name}/raw-data` },
      });
      expect(tasks.get('transform')!.inputs!.artifacts![0]).toMatchObject({
        s3: { key: `${name}/raw-data` },
      });
      const processed = tasks
        .get('transform')!
        .outputs!.artifacts!.find((a) => a.name === 'processed-data')!;
      expect(tasks.get('load')!.inputs!.artifacts![0]).toMatchObject({
        name: 'data',
        s3: processed.s3,
      });
      const env = (task: string) =>
        (podOf(task)['spec'] as { containers: { env?: { name: string; value?: string }[] }[] })
          .containers[0]!.env ?? [];
      expect(env('load').find((e) => e.name === 'ARGOSLS_IN_0_KIND')?.value).toBe('tgz');

      // The pod runs under the workflow's service account; the claim template became a PVC.
      expect((podOf('extract')['spec'] as { serviceAccountName?: string }).serviceAccountName).toBe(
        'argo-workflow',
      );
      expect(claims.map((c) => c.metadata.name)).toEqual([`${name}-work-volume`]);
    },
  );
});

describe('seed workflowtemplate.yaml (CI pipeline)', () => {
  const workflow = (): KubeObject =>
    ({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Workflow',
      metadata: { generateName: 'ci-', namespace: 'argo' },
      spec: {
        workflowTemplateRef: { name: 'ci-pipeline' },
        arguments: {
          parameters: [
            { name: 'repo', value: 'https://github.com/example/app.git' },
            { name: 'image', value: 'myregistry/app:abc1234' },
          ],
        },
      },
    }) as unknown as KubeObject;

  it(
    'is rejected by run: it mounts a volume "workspace" it never declares (by field path)',
    { timeout: 60_000 },
    async () => {
      const template = seedDocuments('workflowtemplate.yaml')[0] as unknown as KubeObject;
      const outcome = await runWorkflows([namespace('argo'), template, workflow()], options());
      expect(outcome.rejected[0]!.name).toBe('WorkflowTemplate/ci-pipeline');
      expect(outcome.rejected[0]!.errors[0]).toBe(
        'spec.templates[1].container.volumeMounts[0].name: volume "workspace" is not declared: add it to spec.volumes, spec.volumeClaimTemplates or the template\'s volumes',
      );
      // The Workflow that uses it then errors: its template does not exist.
      expect((outcome.workflows[0]!['status'] as { phase: string; message: string }).phase).toBe(
        'Error',
      );
      expect((outcome.workflows[0]!['status'] as { message: string }).message).toContain(
        'WorkflowTemplate "ci-pipeline" not found',
      );
    },
  );

  it(
    'with the volume declared, runs clone, test, build and scan in order',
    { timeout: 60_000 },
    async () => {
      const template = seedDocuments('workflowtemplate.yaml')[0] as unknown as KubeObject;
      (template['spec'] as { volumes?: unknown[] }).volumes = [{ name: 'workspace', emptyDir: {} }];
      let pods: KubeObject[] = [];
      const outcome = await runWorkflows(
        [namespace('argo'), template, workflow()],
        options(async ({ cluster }) => {
          pods = await cluster.kubernetes.list('v1', 'Pod', { namespace: 'argo' });
        }),
      );
      expect(outcome.rejected).toEqual([]);
      const wf = outcome.workflows[0]!;
      expect((wf['status'] as { phase: string }).phase).toBe('Succeeded');
      const order = [...pods]
        .sort((a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion))
        .map((p) => p.metadata.annotations?.['workflows.argoproj.io/node-name']?.split('.').pop());
      expect(order).toEqual(['clone', 'test', 'build', 'scan']);
      const clone = pods.find((p) =>
        p.metadata.annotations?.['workflows.argoproj.io/node-name']?.endsWith('.clone'),
      )!;
      const args = JSON.stringify(
        (clone['spec'] as { containers: { args?: string[]; command?: string[] }[] }).containers[0],
      );
      expect(args).toContain(
        'git clone --branch main https://github.com/example/app.git /workspace',
      );
      const scan = pods.find((p) =>
        p.metadata.annotations?.['workflows.argoproj.io/node-name']?.endsWith('.scan'),
      )!;
      expect(JSON.stringify(scan['spec'])).toContain('myregistry/app:abc1234');
    },
  );
});
