/**
 * Argo Rollouts' metric providers (metricproviders/) behind one interface, for the effect worker
 * that takes an AnalysisRun's measurements. A provider only observes: it queries a system (or
 * runs a Job) and says what it saw. Judging the result against successCondition /
 * failureCondition stays with analysis.ts (evaluateMeasurement), so the verdict is made where
 * the log records it; the job provider is the exception, as in Argo, where the Job's own outcome
 * is the verdict.
 *
 * Which phase each provider returns:
 * - prometheus, web, cloudwatch: `Successful` with `value` and `result` when the query answered
 *   (the caller evaluates the conditions on `result`), `Error` with a message otherwise.
 * - job: `Running` (with resumeAfterMs) while the Job runs, `Successful` when it completed,
 *   `Failed` when it failed (both final: Argo evaluates no condition on a job metric),
 *   `Inconclusive` when a pod can never start (ErrImagePull...) or the measurement was
 *   terminated, `Error` when the Job could not be created or read.
 */
import type { Kubernetes } from '../../core/kubernetes.js';
import type { Measurement, Metric } from '../analysis.js';
import { CloudWatchProvider, type CloudWatchProviderOptions } from './cloudwatch.js';
import { JobProvider, type JobProviderOptions } from './job.js';
import { PrometheusProvider } from './prometheus.js';
import { WebProvider } from './web.js';

export interface ProviderContext {
  /** The cluster the Rollout runs on (service proxy, Jobs, Secrets). */
  kubernetes: Kubernetes;
  /** The AnalysisRun's namespace. */
  namespace: string;
  analysisRun: { name: string; uid?: string };
  /** Epoch ms. */
  now(): number;
}

/** One measurement as the provider saw it. */
export interface MeasureOutcome {
  /**
   * Running = in flight (job); Error = the provider could not measure (message set);
   * Inconclusive only from the job provider (see the file comment).
   */
  phase: 'Running' | 'Successful' | 'Failed' | 'Inconclusive' | 'Error';
  /** The result as Argo stores it in measurement.value ("[0.99]" for a vector, "0.99" scalar). */
  value?: string;
  /** What successCondition / failureCondition see as `result`. */
  result?: unknown;
  message?: string;
  /** E.g. the resolved query (Argo's ResolvedPrometheusQuery), the job's name. */
  metadata?: Record<string, string>;
  /** For Running: when to resume. */
  resumeAfterMs?: number;
}

export interface MetricProvider {
  type: ProviderType;
  /**
   * Takes one measurement. `measurementId` is deterministic for the measurement: what the
   * provider creates is named after it, so running the same effect twice creates one Job.
   */
  run(metric: Metric, ctx: ProviderContext, measurementId: string): Promise<MeasureOutcome>;
  /** Looks again at a Running measurement. */
  resume?(metric: Metric, ctx: ProviderContext, inFlight: Measurement): Promise<MeasureOutcome>;
  /** Stops a Running measurement (the run is terminating). */
  terminate?(metric: Metric, ctx: ProviderContext, inFlight: Measurement): Promise<MeasureOutcome>;
}

export type ProviderType = 'prometheus' | 'web' | 'job' | 'cloudwatch';

/** What the deployment configures once, not per metric (Argo: controller flags and env). */
export interface ProviderOptions {
  /** ARGO_ROLLOUTS_PROMETHEUS_ADDRESS: used when a metric's prometheus.address is empty. */
  prometheusAddress?: string;
  job?: JobProviderOptions;
  cloudwatch?: CloudWatchProviderOptions;
}

/** A metric whose provider we do not implement, or that names none. */
export class UnsupportedProviderError extends Error {
  override name = 'UnsupportedProviderError';
}

/**
 * Argo's metricproviders.Type order: when a metric (wrongly) names several providers, the first
 * in this list wins, as in Argo. The JSON field names are Argo's.
 */
const PROVIDER_FIELDS = [
  'prometheus',
  'job',
  'kayenta',
  'web',
  'datadog',
  'wavefront',
  'newRelic',
  'cloudWatch',
  'graphite',
  'influxdb',
  'skywalking',
  'plugin',
] as const;

/** The provider field a metric uses (Argo's precedence), or undefined when it names none. */
export function providerField(metric: Metric): (typeof PROVIDER_FIELDS)[number] | undefined {
  const provider = metric.provider ?? {};
  return PROVIDER_FIELDS.find((f) => provider[f] !== undefined && provider[f] !== null);
}

/** metricproviders.NewProvider: the provider that measures `metric`. */
export function providerFor(metric: Metric, options: ProviderOptions = {}): MetricProvider {
  const field = providerField(metric);
  switch (field) {
    case 'prometheus':
      return new PrometheusProvider(options.prometheusAddress);
    case 'job':
      return new JobProvider(options.job);
    case 'web':
      return new WebProvider();
    case 'cloudWatch':
      return new CloudWatchProvider(options.cloudwatch);
    case undefined:
      // Argo's own words, with what to do.
      throw new UnsupportedProviderError(
        `no valid provider in metric '${metric.name}': set one of spec.metrics[].provider.` +
          `{prometheus, web, job, cloudWatch}`,
      );
    default:
      throw new UnsupportedProviderError(
        `metric '${metric.name}': provider '${field}' is not supported ` +
          `(supported: prometheus, web, job, cloudWatch)`,
      );
  }
}

/** metricutil.MarkMeasurementError: the provider could not measure. */
export function errorOutcome(error: unknown, metadata?: Record<string, string>): MeasureOutcome {
  const message = error instanceof Error ? error.message : String(error);
  return { phase: 'Error', message, ...(metadata && { metadata }) };
}
