/**
 * `argosls run`: loads every document of every file, preloads what Argo's e2e suite preloads
 * (ConfigMaps, Secrets, PVCs and other cluster objects onto the simulated cluster; WorkflowTemplates
 * and ClusterWorkflowTemplates into the control plane), then runs each Workflow on an in-process
 * embedded runtime until it ends. Progress goes to `progress`; the final Workflows are returned.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../shared/core/objects.js';
import type { Message } from '../shared/core/types.js';
import { CLUSTER_SCOPED_NAMESPACE, HOME_CLUSTER, formatKey } from '../shared/core/types.js';
import { isNamespaced } from '../shared/resources/catalog.js';
import { generateName } from '../shared/resources/names.js';
import { createPodExecutor } from '../shared/adapters/local/sim-cluster/executor.js';
import { startEmbedded } from '../shared/runtime/local/embedded.js';
import type { Embedded } from '../shared/runtime/local/embedded.js';
import { formatIssue, libraryOf, lintObject } from '../shared/workflows/lint.js';
import { isWorkflowDone } from '../shared/workflows/operator.js';
import type { WorkflowObject } from '../shared/workflows/types.js';

export interface RunOptions {
  /** none: pods only change phase (instant), for benchmarks. */
  executor: 'host' | 'sim' | 'none';
  /** `-p name=value`: overrides of the Workflows' `spec.arguments.parameters`. */
  parameters: Record<string, string>;
  /** Give up on a Workflow after this long (ms). */
  timeoutMs: number;
  /** Where state lives; a temporary directory (removed afterwards) by default. */
  dataDir?: string;
  progress: (line: string) => void;
  /** Called with the runtime and cluster before they stop (tests look at the pods). */
  inspect?: (embedded: Embedded) => Promise<void>;
}

export interface RunOutcome {
  workflows: WorkflowObject[];
  /** Workflows that could not be submitted (lint errors), with why. */
  rejected: { name: string; errors: string[] }[];
}

const ARGO_TEMPLATES = new Set(['WorkflowTemplate', 'ClusterWorkflowTemplate']);

export async function runWorkflows(
  documents: KubeObject[],
  options: RunOptions,
): Promise<RunOutcome> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'argosls-run-')));
  const executor =
    options.executor === 'none'
      ? undefined
      : await createPodExecutor({ mode: options.executor, scratchDir: join(dataDir, 'pods') });
  const embedded = await startEmbedded({
    dataDir,
    durability: 'none',
    simulated: {
      controllers: { podStartMs: 0, podRunMs: 0, tickMs: 10 },
      ...(executor ? { executor } : {}),
    },
  });
  const { runtime, cluster } = embedded;
  try {
    const library = libraryOf(documents);
    const workflows: KubeObject[] = [];
    const rejected: RunOutcome['rejected'] = [];
    const templates: Message[] = [];
    for (const doc of documents) {
      if (doc.apiVersion?.startsWith('argoproj.io/')) {
        if (ARGO_TEMPLATES.has(doc.kind)) {
          // A template Argo would refuse is not loaded: Workflows using it then fail to find it.
          const errors = lintObject(doc, library)
            .filter((i) => i.severity === 'error')
            .map(formatIssue);
          if (errors.length) {
            rejected.push({ name: `${doc.kind}/${doc.metadata.name}`, errors });
            options.progress(`${doc.kind} ${doc.metadata.name}: rejected: ${errors.join('; ')}`);
            continue;
          }
          templates.push(applyMessage(runtime.newMessageId(), doc, runtime.clock.now()));
        } else if (doc.kind === 'Workflow') workflows.push(structuredClone(doc));
        else
          options.progress(`skipped ${doc.kind} ${doc.metadata?.name ?? ''}: run takes Workflows`);
        continue;
      }
      try {
        await applyToCluster(cluster.kubernetes, doc);
      } catch (err) {
        options.progress(
          `skipped ${doc.kind} ${doc.metadata?.name ?? ''}: ${(err as Error).message}`,
        );
      }
    }
    if (templates.length) await runtime.submit(templates);
    const finishing: Promise<WorkflowObject>[] = [];
    for (const wf of workflows) {
      const errors = lintObject(wf, library)
        .filter((i) => i.severity === 'error')
        .map(formatIssue);
      const name =
        wf.metadata.name ?? generateName(String(wf.metadata.generateName ?? 'workflow-'));
      if (errors.length) {
        rejected.push({ name, errors });
        options.progress(`${name}: rejected: ${errors.join('; ')}`);
        continue;
      }
      wf.metadata.name = name;
      wf.metadata.namespace ??= 'default';
      overrideParameters(wf, options.parameters);
      const message = applyMessage(runtime.newMessageId(), wf, runtime.clock.now());
      await runtime.submit([message]);
      options.progress(`${name}: submitted`);
      // Watched from now on, not once all are submitted: a short one may end (and a ttlStrategy
      // delete it) while later ones are still being submitted.
      finishing.push(watch(runtime, message.key, name, options));
    }
    const finals = await Promise.all(finishing);
    if (options.inspect) await options.inspect(embedded);
    return { workflows: finals, rejected };
  } finally {
    await embedded.stop();
    await executor?.close();
    if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
  }
}

function applyMessage(id: string, object: KubeObject, at: number): Message {
  const namespace = isNamespaced(object.kind)
    ? (object.metadata.namespace ?? 'default')
    : CLUSTER_SCOPED_NAMESPACE;
  if (isNamespaced(object.kind)) object.metadata.namespace = namespace;
  const key = formatKey({
    cluster: HOME_CLUSTER,
    kind: object.kind,
    namespace,
    name: object.metadata.name!,
  });
  return { id, key, at, event: { type: 'Apply', object } };
}

async function applyToCluster(
  kube: import('../shared/core/kubernetes.js').Kubernetes,
  doc: KubeObject,
): Promise<void> {
  const object = structuredClone(doc);
  object.metadata.name ??= generateName(String(object.metadata.generateName ?? 'object-'));
  const info = await kube.discover(object.apiVersion, object.kind);
  if (info.namespaced) object.metadata.namespace ??= 'default';
  await kube.apply(object, { force: true });
}

function overrideParameters(wf: KubeObject, parameters: Record<string, string>): void {
  if (!Object.keys(parameters).length) return;
  const spec = (wf['spec'] ??= {}) as {
    arguments?: { parameters?: { name: string; value?: string }[] };
  };
  const list = ((spec.arguments ??= {}).parameters ??= []);
  for (const [name, value] of Object.entries(parameters)) {
    const existing = list.find((p) => p.name === name);
    if (existing) existing.value = value;
    else list.push({ name, value });
  }
}

async function watch(
  runtime: import('../shared/runtime/local/runtime.js').LocalRuntime,
  key: string,
  name: string,
  options: RunOptions,
): Promise<WorkflowObject> {
  const started = Date.now();
  let last = '';
  // The commit that ends the workflow is caught as it lands: a ttlStrategy may delete the
  // Workflow seconds later, before a poll of a busy runtime comes round.
  let ended: WorkflowObject | undefined;
  const stopListening = runtime.onCommit((notice) => {
    const phase = (notice.object?.['status'] as { phase?: string } | undefined)?.phase ?? '';
    if (notice.key !== key || ended || !isWorkflowDone(phase as '')) return;
    ended = notice.object as unknown as WorkflowObject;
    void runtime.get(key).then(({ object }) => {
      if (object) ended = object as unknown as WorkflowObject;
    });
  });
  try {
    for (;;) {
      // The full object while it exists; once deleted, what its ending commit showed.
      const wf = ((await runtime.get(key)).object ?? ended) as WorkflowObject | undefined;
      const status = (wf?.status ?? {}) as { phase?: string; progress?: string; message?: string };
      const line = `${name}: ${status.phase || 'Pending'} ${status.progress ?? ''}${status.message ? ` (${status.message})` : ''}`;
      if (line !== last) {
        options.progress(line);
        last = line;
      }
      if (wf && isWorkflowDone((status.phase ?? '') as '')) return wf;
      if (Date.now() - started > options.timeoutMs) {
        options.progress(`${name}: timed out after ${Math.round(options.timeoutMs / 1000)} s`);
        return wf as WorkflowObject;
      }
      await new Promise((ok) => setTimeout(ok, 50));
    }
  } finally {
    stopListening();
  }
}
