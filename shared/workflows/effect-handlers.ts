/**
 * The workflow machine's effects: prepare (fetch referenced templates and ConfigMaps), create
 * pods (input artifacts handed to the wrapper), poll pods (one label-selector LIST per workflow,
 * outputs read from the main container's log and artifacts stored), delete pods, resource
 * templates and PVCs. Each is idempotent on its inputs: pod and object names are deterministic.
 */
import type { EffectHandler } from '../core/effects.js';
import { isTransient, TransientError } from '../core/effects.js';
import type { CallOptions, Kubernetes, ObjectRef } from '../core/kubernetes.js';
import { KubernetesError } from '../core/kubernetes.js';
import type { KubeObject } from '../core/objects.js';
import type { ArtifactStore, ResourceReader } from '../core/ports.js';
import type { Json, JsonObject } from '../core/types.js';
import { CLUSTER_SCOPED_NAMESPACE, formatKey, parseKey } from '../core/types.js';
import { isNamespaced } from '../resources/catalog.js';
import { createHash } from 'node:crypto';
import { parseYamlDocuments } from '../resources/yaml.js';
import { matchesLabelSelector } from './resource-conditions.js';
import type { InputArtifactRequest } from './pods.js';
import type { TarEntry } from './tar.js';
import { isGzip, readTarGz, writeTarGz } from './tar.js';
import { evaluateExpr } from '../expr/expr-lang.js';
import { ANNOTATIONS, LABELS, outputNames, parseOutputsBlock } from './pods.js';
import type { PodObservation, PrepareResult } from './reducer.js';
import { POLL_BATCH, WorkflowEffects } from './reducer.js';
import type { Library } from './state.js';
import type { ResourceTemplate, WorkflowSpec } from './types.js';

/** Submitting to and reading from the control plane (argoproj.io kinds in resource templates). */
export interface ControlPlaneAccess {
  submit(
    key: string,
    event: { type: string; [field: string]: unknown },
    messageId: string,
  ): Promise<void>;
  get(key: string): Promise<KubeObject | null>;
}

export interface WorkflowEffectDeps {
  clusters: { forCluster(name: string): Promise<Kubernetes> };
  artifacts: ArtifactStore;
  resources: ResourceReader;
  controlPlane?: ControlPlaneAccess;
}

/** Linux caps one environment string at 128 KiB; base64 grows data by a third. */
export const MAX_INLINE_ARTIFACT_BYTES = 96 * 1024;

const podRef = (namespace: string, name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  namespace,
  name,
});

/** How long one delivery of a pods.clear effect waits for graceful deletion to finish. */
const CLEAR_PODS_WAIT_MS = 30_000;

export function workflowEffectHandlers(deps: WorkflowEffectDeps): EffectHandler[] {
  return [
    {
      kind: WorkflowEffects.Prepare,
      run: (effect) =>
        prepare(
          deps,
          parseKey(effect.key).cluster,
          effect.input as { namespace: string; spec: WorkflowSpec },
        ),
    },
    {
      kind: WorkflowEffects.CreatePod,
      // Only a failure matters to the machine.
      silent: true,
      async run(effect) {
        const input = effect.input as unknown as {
          cluster: string;
          pod: JsonObject;
          inputArtifacts: InputArtifactRequest[];
        };
        const pod = structuredClone(input.pod);
        try {
          await addInputArtifacts(deps, pod, input.inputArtifacts);
          const kube = await deps.clusters.forCluster(input.cluster);
          await kube.create(pod as unknown as KubeObject);
        } catch (err) {
          if (err instanceof KubernetesError && err.code === 'AlreadyExists')
            return { podName: podNameOf(pod) };
          // The machine finds the node by the pod name at the start of the reason.
          if (isTransient(err)) {
            throw new TransientError(`pod ${podNameOf(pod)}: ${(err as Error).message}`, {
              cause: err,
            });
          }
          throw new Error(`pod ${podNameOf(pod)}: ${(err as Error).message}`);
        }
        return { podName: podNameOf(pod) };
      },
    },
    {
      kind: WorkflowEffects.PollPods,
      async run(effect) {
        const input = effect.input as unknown as PollInput;
        return (await poll(deps, input)) as unknown as Json;
      },
    },
    {
      kind: WorkflowEffects.LabelCompleted,
      // Only a failure matters to the machine.
      silent: true,
      async run(effect) {
        const input = effect.input as { cluster: string; namespace: string; podNames: string[] };
        const kube = await deps.clusters.forCluster(input.cluster);
        for (const name of input.podNames) {
          try {
            await kube.patch(
              podRef(input.namespace, name),
              { metadata: { labels: { [LABELS.completed]: 'true' } } },
              'merge',
            );
          } catch (err) {
            // A pod deleted meanwhile (pod GC, shutdown) needs no label.
            if (!(err instanceof KubernetesError && err.code === 'NotFound')) throw err;
          }
        }
        return null;
      },
    },
    {
      kind: WorkflowEffects.DeletePods,
      // Only a failure matters to the machine.
      silent: true,
      async run(effect) {
        const input = effect.input as { cluster: string; namespace: string; podNames: string[] };
        const kube = await deps.clusters.forCluster(input.cluster);
        await Promise.all(input.podNames.map((name) => kube.delete(podRef(input.namespace, name))));
        return null;
      },
    },
    {
      kind: WorkflowEffects.ClearPods,
      async run(effect) {
        const input = effect.input as { cluster: string; namespace: string; podNames: string[] };
        const kube = await deps.clusters.forCluster(input.cluster);
        const ref = (name: string) => podRef(input.namespace, name);
        await Promise.all(input.podNames.map((name) => kube.delete(ref(name))));
        // Deleting is graceful on a real cluster: the name is free only once the pod is gone.
        for (let wait = 0; wait < CLEAR_PODS_WAIT_MS; wait += 500) {
          const left = await Promise.all(input.podNames.map((name) => kube.get(ref(name))));
          if (left.every((p) => p === undefined)) return null;
          await new Promise((r) => setTimeout(r, 500));
        }
        throw new TransientError(`pods of ${input.namespace} still terminating`);
      },
    },
    {
      kind: WorkflowEffects.CreatePvcs,
      // Only a failure matters to the machine.
      silent: true,
      async run(effect) {
        const input = effect.input as { cluster: string; claims: JsonObject[] };
        const kube = await deps.clusters.forCluster(input.cluster);
        for (const claim of input.claims) {
          try {
            await kube.create(claim as unknown as KubeObject);
          } catch (err) {
            if (!(err instanceof KubernetesError && err.code === 'AlreadyExists')) throw err;
          }
        }
        return null;
      },
    },
    {
      kind: WorkflowEffects.Http,
      run: (effect, ctx) => httpRequest(effect.input as unknown as HttpInput, ctx.secret),
    },
    {
      kind: WorkflowEffects.Resource,
      run: (effect) => resourceAction(deps, effect.input as unknown as ResourceInput, effect.id),
    },
  ];
}

function podNameOf(pod: JsonObject): string {
  return String((pod['metadata'] as JsonObject)['name']);
}

async function prepare(
  deps: WorkflowEffectDeps,
  cluster: string,
  input: { namespace: string; spec: WorkflowSpec },
): Promise<Json> {
  const library: Library = { workflowTemplates: {}, clusterWorkflowTemplates: {}, configMaps: {} };
  const result: PrepareResult = { library };
  const seen = new Set<string>();
  const queue: WorkflowSpec[] = [input.spec];
  const fetch = async (clusterScope: boolean, name: string): Promise<WorkflowSpec | undefined> => {
    const key = clusterScope
      ? `${cluster}/ClusterWorkflowTemplate/_/${name}`
      : `${cluster}/WorkflowTemplate/${input.namespace}/${name}`;
    if (seen.has(key))
      return clusterScope
        ? library.clusterWorkflowTemplates[name]
        : library.workflowTemplates[`${input.namespace}/${name}`];
    seen.add(key);
    const object = await deps.resources.get(key);
    if (!object) return undefined;
    const spec = object['spec'] as WorkflowSpec;
    if (clusterScope) library.clusterWorkflowTemplates[name] = spec;
    else library.workflowTemplates[`${input.namespace}/${name}`] = spec;
    queue.push(spec);
    return spec;
  };
  if (input.spec.workflowTemplateRef) {
    const ref = input.spec.workflowTemplateRef;
    const spec = await fetch(Boolean(ref.clusterScope), ref.name);
    if (!spec)
      return {
        ...result,
        error: `${ref.clusterScope ? 'ClusterWorkflowTemplate' : 'WorkflowTemplate'} "${ref.name}" not found in namespace ${input.namespace}`,
      } as unknown as Json;
    result.workflowTemplateSpec = spec;
  }
  const configMaps = new Set<string>();
  while (queue.length) {
    const spec = queue.shift()!;
    for (const ref of collect(spec, 'templateRef') as { name: string; clusterScope?: boolean }[]) {
      if (!ref?.name) continue;
      const found = await fetch(Boolean(ref.clusterScope), ref.name);
      if (!found)
        return {
          ...result,
          error: `${ref.clusterScope ? 'ClusterWorkflowTemplate' : 'WorkflowTemplate'} "${ref.name}" not found in namespace ${input.namespace}`,
        } as unknown as Json;
    }
    for (const ref of collect(spec, 'configMapKeyRef') as { name: string }[])
      if (ref?.name) configMaps.add(ref.name);
  }
  if (configMaps.size) {
    const kube = await deps.clusters.forCluster(cluster);
    for (const name of configMaps) {
      const cm = await kube.get({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: input.namespace,
        name,
      });
      library.configMaps[`${input.namespace}/${name}`] = cm
        ? ((cm['data'] ?? {}) as Record<string, string>)
        : null;
    }
  }
  return result as unknown as Json;
}

function collect(value: unknown, field: string, out: unknown[] = []): unknown[] {
  if (Array.isArray(value)) for (const v of value) collect(v, field, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === field) out.push(v);
      else collect(v, field, out);
    }
  }
  return out;
}

async function addInputArtifacts(
  deps: WorkflowEffectDeps,
  pod: JsonObject,
  inputs: InputArtifactRequest[],
): Promise<void> {
  if (!inputs.length) return;
  const containers = (pod['spec'] as JsonObject)['containers'] as JsonObject[];
  const main = containers.find((c) => c['name'] === 'main')!;
  const env = (main['env'] ??= []) as JsonObject[];
  for (const a of inputs) {
    const prefix = `ARGOSLS_IN_${a.index}`;
    env.push({ name: `${prefix}_PATH`, value: a.path });
    if (a.raw !== undefined) {
      env.push({ name: `${prefix}_KIND`, value: 'raw' }, { name: `${prefix}_RAW`, value: a.raw });
    } else if (a.url) {
      env.push({ name: `${prefix}_KIND`, value: 'url' }, { name: `${prefix}_URL`, value: a.url });
    } else if (a.key) {
      const data =
        (await deps.artifacts.get(a.key)) ?? (await directoryArchive(deps.artifacts, a.key));
      if (!data)
        throw new Error(
          `input artifact ${a.name}: no artifact at key ${a.key} in the artifact repository`,
        );
      if (data.length > MAX_INLINE_ARTIFACT_BYTES) {
        throw new Error(
          `input artifact ${a.name} is ${data.length} bytes (compressed): the pod wrapper takes at most ${MAX_INLINE_ARTIFACT_BYTES}`,
        );
      }
      env.push(
        // A plain object (stored without an archive) is the file itself.
        { name: `${prefix}_KIND`, value: isGzip(data) ? 'tgz' : 'file' },
        { name: `${prefix}_TGZ`, value: data.toString('base64') },
      );
      if (a.subPath) env.push({ name: `${prefix}_SUBPATH`, value: a.subPath });
    }
  }
}

interface PollInput {
  cluster: string;
  namespace: string;
  workflow: string;
  /** Pods the machine still believes Pending (capped): their start is reported. */
  pending: string[];
}

/**
 * One label-selector LIST of the workflow's pods not yet labelled completed: ended ones are
 * reported (with their outputs), and started ones among `pending`. At most POLL_BATCH per
 * result (`more` says there is more), so one report fits one log item.
 */
async function poll(
  deps: WorkflowEffectDeps,
  input: PollInput,
): Promise<{ pods: PodObservation[]; more: boolean }> {
  const kube = await deps.clusters.forCluster(input.cluster);
  const listed = await kube.list('v1', 'Pod', {
    namespace: input.namespace,
    // Our pods are created `completed=false` (Argo's own selector says `!=true`): an equality
    // term lets a server with label indexes (the simulated one) skip the ended pods.
    labelSelector: `${LABELS.workflow}=${input.workflow},${LABELS.completed}=false`,
  });
  const pending = new Set(input.pending);
  const observations: PodObservation[] = [];
  let more = false;
  for (const pod of listed) {
    if (observations.length >= POLL_BATCH) {
      more = true;
      break;
    }
    const podName = String(pod.metadata.name);
    const status = (pod['status'] ?? {}) as {
      phase?: string;
      message?: string;
      hostIP?: string;
      startTime?: string;
      containerStatuses?: {
        name: string;
        state?: {
          terminated?: {
            exitCode: number;
            reason?: string;
            message?: string;
            startedAt?: string;
            finishedAt?: string;
          };
        };
      }[];
    };
    const phase = (status.phase ?? 'Pending') as PodObservation['phase'];
    const nodeName = ((pod['spec'] ?? {}) as { nodeName?: string }).nodeName;
    if (phase === 'Pending' || phase === 'Running') {
      if (phase === 'Running' && pending.has(podName)) {
        observations.push({ podName, phase, ...(nodeName ? { hostNodeName: nodeName } : {}) });
      }
      continue;
    }
    const main = status.containerStatuses?.find((c) => c.name === 'main')?.state?.terminated;
    const observation: PodObservation = { podName, phase };
    if (nodeName) observation.hostNodeName = nodeName;
    if (main) {
      observation.exitCode = main.exitCode;
      if (main.finishedAt) observation.finishedAt = main.finishedAt;
      if (phase === 'Failed') {
        observation.message =
          main.reason === 'OOMKilled'
            ? 'OOMKilled (exit code 137)'
            : `Error (exit code ${main.exitCode})`;
      }
    } else if (phase === 'Failed') observation.message = status.message ?? 'pod failed';
    const annotations = (pod.metadata.annotations ?? {}) as Record<string, string>;
    const mode = annotations[ANNOTATIONS.outputs];
    if (mode === 'true') await readOutputs(deps, kube, input, pod, observation);
    else if (mode === 'log') await readLogAsResult(kube, input.namespace, podName, observation);
    observations.push(observation);
  }
  return { pods: observations, more };
}

async function readOutputs(
  deps: WorkflowEffectDeps,
  kube: Kubernetes,
  input: { namespace: string; workflow: string },
  pod: KubeObject,
  observation: PodObservation,
): Promise<void> {
  const podName = String(pod.metadata.name);
  let log: string;
  try {
    log = await kube.podLogs(input.namespace, podName, { container: 'main' });
  } catch (err) {
    if (err instanceof KubernetesError && err.retryable)
      throw new TransientError(`logs of ${podName}: ${err.message}`);
    observation.outputsError = `could not read the outputs of pod ${podName}: ${(err as Error).message}`;
    return;
  }
  const parsed = parseOutputsBlock(log);
  if (!parsed.found) {
    observation.outputsError = `pod ${podName} printed no outputs block: its command did not run under the outputs wrapper (no sh in the image?)`;
    return;
  }
  const names = outputNames(pod as unknown as JsonObject);
  const outputs: NonNullable<PodObservation['outputs']> = { parameters: {}, artifacts: {} };
  if (parsed.result !== undefined) outputs.result = parsed.result.replace(/\n$/, '');
  for (const [i, value] of Object.entries(parsed.params))
    outputs.parameters[names.params[Number(i)]!] = value;
  for (const [i, data] of Object.entries(parsed.artifacts)) {
    const name = names.artifacts[Number(i)]!;
    const index = Number(i);
    const key = names.keys[index] ?? `${input.workflow}/${podName}/${name}.tgz`;
    if (names.unarchived.has(index))
      await putUnarchived(deps.artifacts, key, names.paths[index] ?? '', data);
    else await deps.artifacts.put(key, data);
    outputs.artifacts[name] = { key };
  }
  observation.outputs = outputs;
}

interface ResourceInput {
  tag: string;
  /** Only evaluate the conditions again (the action ran already). */
  check?: boolean;
  /** The workflow's service account, impersonated for cluster objects. */
  serviceAccountName?: string;
  cluster: string;
  namespace: string;
  workflow: string;
  resource: ResourceTemplate;
  outputs: {
    parameters?: { name: string; valueFrom?: { jsonPath?: string; jqFilter?: string } }[];
  } | null;
}

/** What a resource template acts on: the cluster's API, or our control plane for argoproj.io. */
interface ObjectAccess {
  create(object: KubeObject): Promise<KubeObject | undefined>;
  apply(object: KubeObject): Promise<KubeObject | undefined>;
  patch(
    ref: ObjectRef,
    patch: unknown,
    type: 'json' | 'merge' | 'strategic',
  ): Promise<KubeObject | undefined>;
  delete(ref: ObjectRef): Promise<void>;
  get(ref: ObjectRef): Promise<KubeObject | undefined>;
}

/**
 * The cluster's API, as the workflow's service account: Argo runs resource templates in a pod
 * under that account, so a manifest author gets no more than it may do (DESIGN.md).
 */
function clusterAccess(kube: Kubernetes, as: CallOptions): ObjectAccess {
  return {
    async create(object) {
      try {
        return await kube.create(object, as);
      } catch (err) {
        if (err instanceof KubernetesError && err.code === 'AlreadyExists')
          return kube.get(refOf(object), as);
        throw err;
      }
    },
    apply: (object) => kube.apply(object, { ...as, force: true }),
    patch: (ref, patch, type) => kube.patch(ref, patch, type, as),
    delete: async (ref) => {
      await kube.delete(ref, as);
    },
    get: (ref) => kube.get(ref, as),
  };
}

/**
 * argoproj.io kinds are ours: a Workflow a resource template creates (workflow of workflows) is
 * submitted to the control plane, never to the cluster's API (DESIGN.md). Message ids derive
 * from the effect id, so a re-run submits the same message and changes nothing twice.
 */
function controlPlaneAccess(
  cp: ControlPlaneAccess,
  cluster: string,
  messageId: string,
): ObjectAccess {
  const keyOf = (ref: ObjectRef) =>
    formatKey({
      cluster,
      kind: ref.kind,
      namespace: isNamespaced(ref.kind) ? (ref.namespace ?? 'default') : CLUSTER_SCOPED_NAMESPACE,
      name: ref.name,
    });
  const read = async (ref: ObjectRef) => (await cp.get(keyOf(ref))) ?? undefined;
  return {
    async create(object) {
      await cp.submit(keyOf(refOf(object)), { type: 'Apply', object }, `${messageId}/create`);
      return read(refOf(object));
    },
    async apply(object) {
      await cp.submit(keyOf(refOf(object)), { type: 'Apply', object }, `${messageId}/apply`);
      return read(refOf(object));
    },
    async patch(ref, patch, type) {
      if (type === 'strategic') type = 'merge';
      await cp.submit(keyOf(ref), { type: 'Patch', patchType: type, patch }, `${messageId}/patch`);
      return read(ref);
    },
    async delete(ref) {
      await cp.submit(keyOf(ref), { type: 'Delete' }, `${messageId}/delete`);
    },
    get: read,
  };
}

function refOf(object: KubeObject): ObjectRef {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    namespace: String(object.metadata.namespace ?? ''),
    name: String(object.metadata.name),
  };
}

/** kubectl's `patch <kind> <name>` flags, for patches whose manifest is only the patch. */
function refFromFlags(flags: string[] | undefined, namespace: string): ObjectRef | undefined {
  const args = (flags ?? []).filter((f) => !f.startsWith('-'));
  const [kindArg, nameArg] = args[0]?.includes('/') ? args[0].split('/') : [args[0], args[1]];
  if (!kindArg || !nameArg) return undefined;
  const kinds: Record<string, [string, string]> = {
    pod: ['v1', 'Pod'],
    pods: ['v1', 'Pod'],
    configmap: ['v1', 'ConfigMap'],
    workflow: ['argoproj.io/v1alpha1', 'Workflow'],
    workflows: ['argoproj.io/v1alpha1', 'Workflow'],
    wf: ['argoproj.io/v1alpha1', 'Workflow'],
  };
  const known = kinds[kindArg.toLowerCase()];
  if (!known) return undefined;
  return { apiVersion: known[0], kind: known[1], namespace, name: nameArg };
}

/** Argo's resource template: kubectl create/apply/delete/patch/get, then the conditions. */
async function resourceAction(
  deps: WorkflowEffectDeps,
  input: ResourceInput,
  effectId: string,
): Promise<Json> {
  try {
    return await act(deps, input, effectId);
  } catch (err) {
    // Only what is worth another try is redelivered; anything else fails the node, not the effect.
    if (isTransient(err)) throw err;
    return { tag: input.tag, phase: 'Error', message: (err as Error).message };
  }
}

async function act(
  deps: WorkflowEffectDeps,
  input: ResourceInput,
  effectId: string,
): Promise<Json> {
  const r = input.resource;
  const jsonPatch = r.action === 'patch' && r.mergeStrategy === 'json';
  const docs = r.manifest ? parseYamlDocuments(r.manifest) : [];
  const manifest = jsonPatch ? undefined : (docs[0] as KubeObject | undefined);
  if (manifest) {
    const meta = (manifest.metadata ??= {} as KubeObject['metadata']);
    meta.namespace ??= input.namespace;
    // Deterministic, so a re-run finds what the first run created.
    if (!meta.name && meta.generateName)
      meta.name = `${String(meta.generateName)}${shortHash(`${input.workflow}/${input.tag}`)}`;
    meta.labels = {
      ...(meta.labels as Record<string, string> | undefined),
      [LABELS.workflow]: input.workflow,
    };
  }
  // A patch may be only the patch body, its target named by kubectl flags.
  const ref =
    manifest?.apiVersion && manifest.kind
      ? refOf(manifest)
      : refFromFlags(r.flags, input.namespace);
  if (!ref)
    return {
      tag: input.tag,
      phase: 'Error',
      message:
        'resource template: no object to act on (manifest, or flags naming a kind and a name)',
    };
  const ours = ref.apiVersion.startsWith('argoproj.io/');
  if (ours && !deps.controlPlane)
    return {
      tag: input.tag,
      phase: 'Error',
      message: `${ref.kind} resources need the control plane, which this runtime does not offer effects`,
    };
  const target = ours
    ? controlPlaneAccess(deps.controlPlane!, input.cluster, effectId)
    : clusterAccess(await deps.clusters.forCluster(input.cluster), {
        impersonate: {
          serviceAccount: input.serviceAccountName ?? 'default',
          namespace: input.namespace,
        },
      });
  let object: KubeObject | undefined;
  if (!input.check) {
    switch (r.action) {
      case 'create':
        object = await target.create(manifest!);
        break;
      case 'apply':
      case 'replace':
        object = await target.apply(manifest!);
        break;
      case 'patch': {
        const type =
          r.mergeStrategy === 'json' ? 'json' : r.mergeStrategy === 'merge' ? 'merge' : 'strategic';
        object = await target.patch(ref, jsonPatch ? docs[0] : manifest, type);
        break;
      }
      case 'delete':
        await target.delete(ref);
        return { tag: input.tag, phase: 'Succeeded' };
      case 'get':
        object = await target.get(ref);
        if (!object)
          return { tag: input.tag, phase: 'Failed', message: `${ref.kind} ${ref.name} not found` };
        break;
    }
  }
  if (r.successCondition || r.failureCondition) {
    const current = (await target.get(ref)) ?? object;
    if (!current) return { tag: input.tag, pending: true, ref: ref as unknown as Json };
    if (
      r.failureCondition &&
      matchesLabelSelector(current as unknown as JsonObject, r.failureCondition)
    ) {
      return {
        tag: input.tag,
        phase: 'Failed',
        message: `failure condition '${r.failureCondition}' matched`,
      };
    }
    // Not there yet: the machine asks again on a timer (waiting here would hold a worker).
    if (
      r.successCondition &&
      !matchesLabelSelector(current as unknown as JsonObject, r.successCondition)
    ) {
      return { tag: input.tag, pending: true, ref: ref as unknown as Json };
    }
    object = current;
  }
  const parameters: Record<string, string> = {};
  for (const p of input.outputs?.parameters ?? []) {
    const path = p.valueFrom?.jsonPath;
    if (path)
      parameters[p.name] = stringifyValue(jsonPathValue(object as unknown as JsonObject, path));
  }
  return { tag: input.tag, phase: 'Succeeded', outputs: { parameters } };
}

function shortHash(text: string): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const digest = createHash('sha256').update(text).digest();
  return [...digest.subarray(0, 5)].map((b) => alphabet[b % alphabet.length]).join('');
}

function stringifyValue(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v ?? '');
}

/** kubectl's `{.metadata.name}` jsonpath subset. */
function jsonPathValue(object: JsonObject, path: string): unknown {
  const clean = path.replace(/^\{|\}$/g, '').replace(/^\./, '');
  let v: unknown = object;
  for (const part of clean.split('.').filter(Boolean))
    v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  return v;
}

/** Argo's `archive: none`: a file is stored as itself, a directory as one object per file. */
async function putUnarchived(
  store: ArtifactStore,
  key: string,
  path: string,
  archive: Buffer,
): Promise<void> {
  const top = path.replace(/\/+$/, '').split('/').pop() ?? '';
  const entries = readTarGz(archive);
  const single = entries.length === 1 && entries[0]!.path === top;
  if (single) return store.put(key, entries[0]!.data);
  const base = key.endsWith('/') ? key : `${key}/`;
  for (const e of entries) {
    const rest = e.path.startsWith(`${top}/`) ? e.path.slice(top.length + 1) : e.path;
    await store.put(`${base}${rest}`, e.data);
  }
}

/** A key that names a "directory" of objects, packed as one archive of a directory. */
async function directoryArchive(store: ArtifactStore, key: string): Promise<Buffer | undefined> {
  const base = key.endsWith('/') ? key : `${key}/`;
  const keys = await store.list(base);
  if (keys.length === 0) return undefined;
  const entries: TarEntry[] = [];
  for (const k of keys)
    entries.push({ path: `dir/${k.slice(base.length)}`, data: (await store.get(k))! });
  return writeTarGz(entries);
}

interface HttpInput {
  tag: string;
  namespace: string;
  http: {
    url: string;
    method?: string;
    headers?: {
      name: string;
      value?: string;
      valueFrom?: { secretKeyRef?: { name: string; key: string } };
    }[];
    body?: string;
    timeoutSeconds?: number;
    successCondition?: string;
  };
}

/**
 * Argo's HTTP template: one request; the body is `outputs.result`; success is
 * `successCondition` (expr over `response.statusCode`, `response.body`, `response.headers`) or a
 * 2xx status. Header values from secrets are resolved here only, never logged.
 */
async function httpRequest(
  input: HttpInput,
  secret: (ref: { name: string; key: string }) => Promise<string>,
): Promise<Json> {
  const h = input.http;
  const headers: Record<string, string> = {};
  for (const header of h.headers ?? []) {
    headers[header.name] = header.valueFrom?.secretKeyRef
      ? await secret(header.valueFrom.secretKeyRef)
      : (header.value ?? '');
  }
  let response: Response;
  try {
    response = await fetch(h.url, {
      method: h.method ?? 'GET',
      headers,
      ...(h.body !== undefined ? { body: h.body } : {}),
      signal: AbortSignal.timeout((h.timeoutSeconds ?? 30) * 1000),
    });
  } catch (err) {
    return {
      tag: input.tag,
      phase: 'Failed',
      message: `${h.method ?? 'GET'} ${h.url}: ${(err as Error).message}`,
    };
  }
  const body = await response.text();
  const env = {
    response: { statusCode: response.status, body, headers: Object.fromEntries(response.headers) },
  };
  let ok: unknown;
  try {
    ok = h.successCondition
      ? evaluateExpr(h.successCondition, env)
      : response.status >= 200 && response.status < 300;
  } catch (err) {
    return {
      tag: input.tag,
      phase: 'Error',
      message: `successCondition ${h.successCondition}: ${(err as Error).message}`,
    };
  }
  if (ok !== true) {
    const why = h.successCondition
      ? `successCondition '${h.successCondition}' evaluated false`
      : `status code ${response.status}`;
    return { tag: input.tag, phase: 'Failed', message: why, outputs: { result: body } };
  }
  return { tag: input.tag, phase: 'Succeeded', outputs: { result: body } };
}

/** `result` of a container that could not be wrapped: its whole log (stdout and stderr). */
async function readLogAsResult(
  kube: Kubernetes,
  namespace: string,
  podName: string,
  observation: PodObservation,
): Promise<void> {
  try {
    const log = await kube.podLogs(namespace, podName, { container: 'main' });
    observation.outputs = { parameters: {}, artifacts: {}, result: log.replace(/\n$/, '') };
  } catch (err) {
    if (err instanceof KubernetesError && err.retryable)
      throw new TransientError(`logs of ${podName}: ${err.message}`);
    observation.outputsError = `could not read the log of pod ${podName}: ${(err as Error).message}`;
  }
}
