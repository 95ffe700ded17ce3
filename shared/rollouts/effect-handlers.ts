/**
 * The Rollout's and the AnalysisRun's effects: observe (the Rollout's ReplicaSets, the objects its
 * router edits, the Services it names), write (ReplicaSets, Service selectors, router objects, in
 * order, each idempotent: server-side apply, merge patches, deletes of what may already be gone),
 * start an AnalysisRun (its templates read from the control plane, merged as Argo merges them,
 * submitted under the effect id so a re-run submits a duplicate that is recognised), and take one
 * measurement through a metric provider.
 */
import type { EffectHandler } from '../core/effects.js';
import type { Kubernetes } from '../core/kubernetes.js';
import { KubernetesError } from '../core/kubernetes.js';
import type { KubeObject } from '../core/objects.js';
import type { ResourceReader } from '../core/ports.js';
import type { Json, JsonObject } from '../core/types.js';
import { CLUSTER_SCOPED_NAMESPACE, formatKey } from '../core/types.js';
import type { ControlPlaneAccess } from '../workflows/effect-handlers.js';
import type { ObservedReplicaSet } from './canary.js';
import type { AnalysisArg, MeasureInput, MeasureResult } from './analysis-run.js';
import { AnalysisEffects, encodeFloats } from './analysis-run.js';
import type { Metric } from './analysis.js';
import type { ObserveInput, ObserveResult, ReleaseInput, StartAnalysisInput } from './rollout.js';
import { releaseWrites, RolloutEffects, SCALE_DOWN_DEADLINE_ANNOTATION } from './rollout.js';
import {
  DESIRED_REPLICAS_ANNOTATION,
  OWNER_LABEL,
  POD_TEMPLATE_HASH_LABEL,
  REVISION_ANNOTATION,
} from './replicaset.js';
import type { RouterWrite } from './traffic/index.js';
import { MANAGED_BY_ROLLOUTS_ANNOTATION, refKey } from './traffic/index.js';
import type { ProviderOptions } from './providers/index.js';
import { providerFor, resolveArgs, substituteArgs } from './providers/index.js';

export interface RolloutEffectDeps {
  clusters: { forCluster(name: string): Promise<Kubernetes> };
  /** Reads AnalysisTemplates and ClusterAnalysisTemplates from the control plane. */
  resources: ResourceReader;
  /** Submits the AnalysisRuns (argoproj.io kinds live in the control plane). */
  controlPlane?: ControlPlaneAccess;
  /** Epoch ms; providers stamp measurements with it. */
  now?: () => number;
  /** Deployment-wide provider settings (default Prometheus address, job namespace...). */
  providers?: ProviderOptions;
}

/** Provider settings from Argo Rollouts' own environment variables. */
export function providerOptionsFromEnv(env: NodeJS.ProcessEnv): ProviderOptions {
  return {
    ...(env['ARGO_ROLLOUTS_PROMETHEUS_ADDRESS']
      ? { prometheusAddress: env['ARGO_ROLLOUTS_PROMETHEUS_ADDRESS'] }
      : {}),
    ...(env['ARGO_ROLLOUTS_ANALYSIS_JOB_NAMESPACE']
      ? { job: { namespace: env['ARGO_ROLLOUTS_ANALYSIS_JOB_NAMESPACE'] } }
      : {}),
  };
}

export function rolloutEffectHandlers(deps: RolloutEffectDeps): EffectHandler[] {
  return [
    {
      kind: RolloutEffects.Observe,
      run: async (effect) => {
        const input = effect.input as unknown as ObserveInput;
        const kube = await deps.clusters.forCluster(input.cluster);
        return (await observe(kube, input)) as unknown as Json;
      },
    },
    {
      kind: RolloutEffects.Write,
      run: async (effect) => {
        const input = effect.input as unknown as {
          tag: string;
          cluster: string;
          writes: RouterWrite[];
        };
        const kube = await deps.clusters.forCluster(input.cluster);
        for (const write of input.writes) await applyWrite(kube, write);
        return { tag: input.tag };
      },
    },
    {
      kind: RolloutEffects.Release,
      run: async (effect) => {
        const input = effect.input as unknown as ReleaseInput;
        const kube = await deps.clusters.forCluster(input.cluster);
        const observed = await observe(kube, input);
        for (const write of releaseWrites(input.routed, observed)) await applyWrite(kube, write);
        return { tag: input.tag };
      },
    },
    {
      kind: RolloutEffects.StartAnalysis,
      run: async (effect) => {
        const input = effect.input as unknown as StartAnalysisInput;
        if (!deps.controlPlane) throw new Error('no control plane to submit AnalysisRuns to');
        const run = await buildAnalysisRun(deps.resources, input);
        const key = formatKey({
          cluster: input.cluster,
          kind: 'AnalysisRun',
          namespace: input.namespace,
          name: input.request.name,
        });
        await deps.controlPlane.submit(key, { type: 'Apply', object: run }, effect.id);
        return { tag: input.tag, name: input.request.name };
      },
    },
    {
      kind: AnalysisEffects.Measure,
      run: async (effect) => {
        const input = effect.input as unknown as MeasureInput;
        return (await measure(deps, input)) as unknown as Json;
      },
    },
  ];
}

async function observe(kube: Kubernetes, input: ObserveInput): Promise<ObserveResult> {
  const sets = await kube.list('apps/v1', 'ReplicaSet', {
    namespace: input.namespace,
    labelSelector: `${OWNER_LABEL}=${input.rollout}`,
  });
  const objects: Record<string, KubeObject | null> = {};
  for (const ref of input.reads) objects[refKey(ref)] = (await kube.get(ref)) ?? null;
  const missingServices: string[] = [];
  const services: ObserveResult['services'] = {};
  for (const name of input.services) {
    const service = await kube.get({
      apiVersion: 'v1',
      kind: 'Service',
      namespace: input.namespace,
      name,
    });
    if (!service) {
      missingServices.push(name);
      continue;
    }
    const selector = ((service.spec ?? {}) as { selector?: Record<string, string> }).selector;
    const annotations = (service.metadata.annotations ?? {}) as Record<string, string>;
    services[name] = {
      ...(selector?.[POD_TEMPLATE_HASH_LABEL]
        ? { selectorHash: selector[POD_TEMPLATE_HASH_LABEL] }
        : {}),
      managed: MANAGED_BY_ROLLOUTS_ANNOTATION in annotations,
    };
  }
  return {
    tag: input.tag,
    replicaSets: sets.filter((rs) => !rs.metadata['deletionTimestamp']).map(observedReplicaSet),
    objects,
    missingServices,
    services,
  };
}

/** The numbers and marks of a ReplicaSet the strategies read. */
export function observedReplicaSet(rs: KubeObject): ObservedReplicaSet {
  const spec = (rs.spec ?? {}) as { replicas?: number };
  const status = (rs.status ?? {}) as {
    replicas?: number;
    availableReplicas?: number;
    readyReplicas?: number;
  };
  const labels = (rs.metadata.labels ?? {}) as Record<string, string>;
  const annotations = (rs.metadata.annotations ?? {}) as Record<string, string>;
  const deadline = annotations[SCALE_DOWN_DEADLINE_ANNOTATION];
  const deadlineMs = deadline ? Date.parse(deadline) : NaN;
  const desiredText = annotations[DESIRED_REPLICAS_ANNOTATION];
  const desired = desiredText === undefined ? NaN : Number(desiredText);
  return {
    name: rs.metadata.name,
    podTemplateHash: labels[POD_TEMPLATE_HASH_LABEL] ?? '',
    revision: Number(annotations[REVISION_ANNOTATION] ?? 0) || 0,
    replicas: spec.replicas ?? 1,
    availableReplicas: status.availableReplicas ?? 0,
    readyReplicas: status.readyReplicas ?? 0,
    currentReplicas: status.replicas ?? 0,
    ...(Number.isFinite(deadlineMs) ? { scaleDownDeadline: deadlineMs } : {}),
    ...(Number.isInteger(desired) ? { desiredReplicas: desired } : {}),
  };
}

async function applyWrite(kube: Kubernetes, write: RouterWrite): Promise<void> {
  switch (write.op) {
    case 'apply':
      await kube.apply(write.object!, { force: true });
      return;
    case 'patch':
      await kube.patch(write.ref, write.patch, write.patchType ?? 'merge');
      return;
    case 'delete':
      await kube.delete(write.ref, { propagationPolicy: 'Background' });
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// AnalysisRuns from templates

interface TemplateSpec {
  args?: AnalysisArg[];
  metrics?: Metric[];
  dryRun?: { metricName: string }[];
  measurementRetention?: { metricName: string; limit: number }[];
}

/**
 * analysisutil.NewAnalysisRunFromTemplates: the templates' metrics (a name used twice is an
 * error), their args merged by name (a rollout arg's value wins over a template default), dryRun
 * and measurementRetention concatenated.
 */
export async function buildAnalysisRun(
  resources: ResourceReader,
  input: StartAnalysisInput,
): Promise<KubeObject> {
  const metrics: Metric[] = [];
  const args = new Map<string, AnalysisArg>();
  const dryRun: { metricName: string }[] = [];
  const retention: { metricName: string; limit: number }[] = [];
  for (const ref of input.request.templates) {
    const kind = ref.clusterScope ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate';
    const key = formatKey({
      cluster: input.cluster,
      kind,
      namespace: ref.clusterScope ? CLUSTER_SCOPED_NAMESPACE : input.namespace,
      name: ref.templateName,
    });
    const template = await resources.get(key);
    if (!template) {
      throw new Error(
        `${kind} "${ref.templateName}" not found${ref.clusterScope ? '' : ` in namespace "${input.namespace}"`}`,
      );
    }
    const spec = (template.spec ?? {}) as TemplateSpec;
    for (const metric of spec.metrics ?? []) {
      if (metrics.some((m) => m.name === metric.name))
        throw new Error(
          `two metrics named "${metric.name}" in the templates of ${input.request.name}`,
        );
      metrics.push(metric);
    }
    for (const arg of spec.args ?? []) {
      const known = args.get(arg.name);
      // Two templates that give the same arg different values cannot both be honoured.
      if (known?.value !== undefined && arg.value !== undefined && known.value !== arg.value)
        throw new Error(`arg "${arg.name}" has two different values in the templates`);
      args.set(arg.name, { ...known, ...arg });
    }
    dryRun.push(...(spec.dryRun ?? []));
    retention.push(...(spec.measurementRetention ?? []));
  }
  for (const arg of input.request.args) {
    if (!args.has(arg.name)) continue;
    args.set(arg.name, {
      name: arg.name,
      ...(arg.value !== undefined ? { value: arg.value } : {}),
      ...(arg.valueFrom ? { valueFrom: arg.valueFrom } : {}),
    });
  }
  for (const arg of args.values()) {
    if (arg.value === undefined && !arg.valueFrom)
      throw new Error(
        `args.${arg.name} was not resolved: give it a value in the Rollout's analysis args`,
      );
  }
  dryRun.push(...(input.request.dryRun ?? []));
  retention.push(...(input.request.measurementRetention ?? []));
  const spec: JsonObject = {
    metrics: metrics as unknown as Json,
    args: [...args.values()] as unknown as Json,
    ...(dryRun.length ? { dryRun: dryRun as unknown as Json } : {}),
    ...(retention.length ? { measurementRetention: retention as unknown as Json } : {}),
  };
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisRun',
    metadata: {
      name: input.request.name,
      namespace: input.namespace,
      labels: input.labels,
      annotations: input.annotations,
    },
    spec,
  };
}

// ---------------------------------------------------------------------------------------------
// Measurements

async function measure(deps: RolloutEffectDeps, input: MeasureInput): Promise<MeasureResult> {
  const kube = await deps.clusters.forCluster(input.cluster);
  const ctx = {
    kubernetes: kube,
    namespace: input.namespace,
    analysisRun: input.run,
    now: deps.now ?? Date.now,
  };
  let metric: Metric;
  try {
    const values = await resolveArgs(input.args, kube, input.namespace);
    metric = substituteArgs(input.metric, values);
  } catch (err) {
    if (err instanceof KubernetesError && err.code !== 'NotFound') throw err;
    return { tag: input.tag, phase: 'Error', message: (err as Error).message };
  }
  let provider;
  try {
    provider = providerFor(metric, deps.providers);
  } catch (err) {
    return { tag: input.tag, phase: 'Error', message: (err as Error).message };
  }
  const outcome =
    input.action === 'run'
      ? await provider.run(metric, ctx, input.measurementId)
      : input.action === 'resume' && provider.resume
        ? await provider.resume(metric, ctx, input.inFlight!)
        : input.action === 'terminate' && provider.terminate
          ? await provider.terminate(metric, ctx, input.inFlight!)
          : { phase: 'Successful' as const, message: 'metric terminated' };
  const { result, ...rest } = outcome;
  return JSON.parse(
    JSON.stringify({
      tag: input.tag,
      ...rest,
      ...(result !== undefined ? { result: encodeFloats(result) } : {}),
    }),
  ) as MeasureResult;
}
