/**
 * The job provider (metricproviders/job): a measurement is a batch/v1 Job; it succeeds when the
 * Job completes and fails when the Job fails. Names, labels and annotations are Argo's, so tools
 * that look for analysis Jobs find ours. One difference on purpose: no ownerReference to the
 * AnalysisRun, which lives in our control plane and not on the cluster (the garbage collector
 * would delete the Job at once, DESIGN.md); the uid label ties the Job to its run instead, and
 * terminate / the run's clean-up delete it.
 */
import type { KubeObject } from '../../core/objects.js';
import type { JsonObject } from '../../core/types.js';
import { KubernetesError } from '../../core/kubernetes.js';
import type { Measurement, Metric } from '../analysis.js';
import type { MeasureOutcome, MetricProvider, ProviderContext } from './provider.js';
import { errorOutcome } from './provider.js';

/** Measurement metadata keys (JobNameKey, JobNamespaceKey). */
export const JOB_NAME_KEY = 'job-name';
export const JOB_NAMESPACE_KEY = 'job-namespace';
/** The Job's annotations and label, as Argo sets them. */
export const ANALYSIS_RUN_NAME_ANNOTATION = 'analysisrun.argoproj.io/name';
export const ANALYSIS_RUN_NAMESPACE_ANNOTATION = 'analysisrun.argoproj.io/namespace';
export const ANALYSIS_RUN_METRIC_ANNOTATION = 'analysisrun.argoproj.io/metric-name';
export const ANALYSIS_RUN_UID_LABEL = 'analysisrun.argoproj.io/uid';

/** defaults.Kubernetes_DNS_Limit: the job controller copies the name into a pod label. */
const NAME_LIMIT = 63;

/** Pod waiting reasons that never get better on their own (terminalWaitingReasons). */
const TERMINAL_WAITING_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName']);

export interface JobProviderOptions {
  /** ARGO_ROLLOUTS_ANALYSIS_JOB_NAMESPACE: run every analysis Job in this namespace. */
  namespace?: string;
}

export interface JobMetric {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: JsonObject & { template?: JsonObject & { metadata?: JsonObject } };
}

export class JobProvider implements MetricProvider {
  readonly type = 'job' as const;

  constructor(private readonly options: JobProviderOptions = {}) {}

  async run(metric: Metric, ctx: ProviderContext, measurementId: string): Promise<MeasureOutcome> {
    let job: KubeObject;
    try {
      job = metricJob(metric, ctx, measurementId, this.options.namespace);
    } catch (error) {
      return errorOutcome(error);
    }
    const ref = jobRef(job.metadata.name, job.metadata.namespace!);
    let created: KubeObject;
    try {
      created = await ctx.kubernetes.create(job);
    } catch (error) {
      if (!(error instanceof KubernetesError && error.code === 'AlreadyExists')) {
        return errorOutcome(error);
      }
      // The same effect ran before (a retry): adopt the Job if it is this run's.
      const existing = await ctx.kubernetes.get(ref).catch(() => undefined);
      if (!existing || !sameRun(existing, job)) return errorOutcome(error);
      created = existing;
    }
    return {
      phase: 'Running',
      metadata: {
        [JOB_NAME_KEY]: created.metadata.name,
        [JOB_NAMESPACE_KEY]: created.metadata.namespace ?? ref.namespace,
      },
      // Argo resumes at once, to catch Jobs that are over quickly.
      resumeAfterMs: 0,
    };
  }

  async resume(
    metric: Metric,
    ctx: ProviderContext,
    inFlight: Measurement,
  ): Promise<MeasureOutcome> {
    const metadata = inFlight.metadata ?? {};
    try {
      const ref = inFlightJob(inFlight, ctx.namespace);
      const job = await ctx.kubernetes.get(ref);
      if (!job) {
        throw new Error(`job.batch "${ref.name}" not found in namespace "${ref.namespace}"`);
      }
      const status = (job.status ?? {}) as { conditions?: { type?: string; status?: string }[] };
      let phase: 'Successful' | 'Failed' | undefined;
      // Argo looks at the condition types only; the last one listed wins.
      for (const condition of status.conditions ?? []) {
        if (condition.type === 'Complete') phase = 'Successful';
        if (condition.type === 'Failed') phase = 'Failed';
      }
      if (phase) return { phase, metadata };
      const stuck = await terminalPodError(ctx, job, ref.namespace);
      if (stuck) return { phase: 'Inconclusive', message: stuck, metadata };
      const elapsedSeconds = Math.max(0, (ctx.now() - (inFlight.startedAt ?? ctx.now())) / 1000);
      // Argo waits longer the longer the Job has run: sqrt(2 * elapsed) seconds.
      return {
        phase: 'Running',
        metadata,
        resumeAfterMs: Math.round(Math.sqrt(2 * elapsedSeconds) * 1000),
      };
    } catch (error) {
      return errorOutcome(error, metadata);
    }
  }

  async terminate(
    metric: Metric,
    ctx: ProviderContext,
    inFlight: Measurement,
  ): Promise<MeasureOutcome> {
    const metadata = inFlight.metadata ?? {};
    try {
      const ref = inFlightJob(inFlight, ctx.namespace);
      // Foreground: the Job's pods go first, as in Argo; already gone is fine.
      await ctx.kubernetes.delete(ref, { propagationPolicy: 'Foreground' });
      return { phase: 'Inconclusive', metadata };
    } catch (error) {
      return errorOutcome(error, metadata);
    }
  }
}

/**
 * newJobName: `<run uid>.<metric>.<n>`, the metric name cut so the whole fits 63 characters.
 * Argo's n is the measurement's number (count + errors + 1); ours comes from `measurementId`:
 * its trailing number when it is `<n>` or `<metric>-<n>`, else the id itself.
 */
export function jobName(
  run: { name: string; uid?: string },
  metricName: string,
  measurementId: string,
): string {
  const owner = run.uid || run.name;
  const n = measurementIdSuffix(metricName, measurementId);
  const name = `${owner}.${metricName}.${n}`;
  if (name.length <= NAME_LIMIT) return name;
  const keep = metricName.length - (name.length - NAME_LIMIT);
  if (keep < 1) {
    throw new Error(
      `analysis Job name "${name}" is longer than ${NAME_LIMIT} characters even with the ` +
        `metric name cut: use a shorter measurement id`,
    );
  }
  return `${owner}.${metricName.slice(0, keep)}.${n}`;
}

function measurementIdSuffix(metricName: string, measurementId: string): string {
  if (/^\d+$/.test(measurementId)) return measurementId;
  const prefix = `${metricName}-`;
  if (measurementId.startsWith(prefix) && /^\d+$/.test(measurementId.slice(prefix.length)))
    return measurementId.slice(prefix.length);
  return measurementId;
}

/** newMetricJob. */
export function metricJob(
  metric: Metric,
  ctx: Pick<ProviderContext, 'namespace' | 'analysisRun'>,
  measurementId: string,
  jobNamespace?: string,
): KubeObject {
  const spec = metric.provider?.['job'] as JobMetric | undefined;
  if (!spec?.spec) {
    throw new Error(`metric '${metric.name}': provider.job.spec is required (a batch/v1 JobSpec)`);
  }
  const run = ctx.analysisRun;
  const uid = run.uid ?? '';
  const template = structuredClone(spec.spec.template ?? {});
  const templateMetadata = (template.metadata ?? {}) as JsonObject;
  // Argo's pod informer selects analysis pods by this label.
  template.metadata = {
    ...templateMetadata,
    labels: {
      ...((templateMetadata['labels'] ?? {}) as JsonObject),
      [ANALYSIS_RUN_UID_LABEL]: uid,
    },
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName(run, metric.name, measurementId),
      namespace: jobNamespace || ctx.namespace,
      labels: { ...(spec.metadata?.labels ?? {}), [ANALYSIS_RUN_UID_LABEL]: uid },
      annotations: {
        ...(spec.metadata?.annotations ?? {}),
        [ANALYSIS_RUN_NAME_ANNOTATION]: run.name,
        [ANALYSIS_RUN_NAMESPACE_ANNOTATION]: ctx.namespace,
        [ANALYSIS_RUN_METRIC_ANNOTATION]: metric.name,
      },
    },
    spec: { ...structuredClone(spec.spec), template },
  };
}

/** Argo compares the run uid (from the owner reference or, without one, this label). */
function sameRun(existing: KubeObject, wanted: KubeObject): boolean {
  const label = (o: KubeObject) => o.metadata.labels?.[ANALYSIS_RUN_UID_LABEL];
  const annotation = (o: KubeObject, key: string) => o.metadata.annotations?.[key];
  return (
    label(existing) === label(wanted) &&
    annotation(existing, ANALYSIS_RUN_NAME_ANNOTATION) ===
      annotation(wanted, ANALYSIS_RUN_NAME_ANNOTATION) &&
    annotation(existing, ANALYSIS_RUN_NAMESPACE_ANNOTATION) ===
      annotation(wanted, ANALYSIS_RUN_NAMESPACE_ANNOTATION)
  );
}

const jobRef = (name: string, namespace: string) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  name,
  namespace,
});

/** getJobNamespacedName: the Job the measurement's metadata names. */
function inFlightJob(inFlight: Measurement, runNamespace: string) {
  const name = inFlight.metadata?.[JOB_NAME_KEY];
  if (!name) throw new Error('job metadata reference missing');
  return jobRef(name, inFlight.metadata?.[JOB_NAMESPACE_KEY] || runNamespace);
}

/** processJobPods: a pod stuck on an image it cannot pull will not make progress. */
async function terminalPodError(
  ctx: ProviderContext,
  job: KubeObject,
  namespace: string,
): Promise<string | undefined> {
  const spec = (job.spec ?? {}) as { selector?: { matchLabels?: Record<string, string> } };
  const matchLabels = spec.selector?.matchLabels;
  // A real API server sets the selector (controller-uid); without one, the job-name label.
  const labelSelector = matchLabels
    ? Object.entries(matchLabels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')
    : `job-name=${job.metadata.name}`;
  const pods = await ctx.kubernetes.list('v1', 'Pod', { namespace, labelSelector });
  type ContainerStatus = {
    name?: string;
    state?: { waiting?: { reason?: string; message?: string } };
  };
  for (const pod of pods) {
    const status = (pod.status ?? {}) as {
      initContainerStatuses?: ContainerStatus[];
      containerStatuses?: ContainerStatus[];
    };
    for (const cs of [
      ...(status.initContainerStatuses ?? []),
      ...(status.containerStatuses ?? []),
    ]) {
      const waiting = cs.state?.waiting;
      if (waiting?.reason && TERMINAL_WAITING_REASONS.has(waiting.reason)) {
        return (
          `Pod ${pod.metadata.name}, container ${cs.name ?? ''} has terminal error ` +
          `(${waiting.reason}): ${waiting.message ?? ''}\n`
        );
      }
    }
  }
  return undefined;
}
