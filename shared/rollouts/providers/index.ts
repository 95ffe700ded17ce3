/** Argo Rollouts' metric providers: the interface, the factory, and the arg resolution. */
export * from './provider.js';
export { ArgsError, resolveArgs, substituteArgs, substituteString } from './args.js';
export type { AnalysisArgument, ResolveArgsOptions } from './args.js';
export { PrometheusProvider, RESOLVED_PROMETHEUS_QUERY } from './prometheus.js';
export { WebProvider } from './web.js';
export {
  JobProvider,
  ANALYSIS_RUN_METRIC_ANNOTATION,
  ANALYSIS_RUN_NAME_ANNOTATION,
  ANALYSIS_RUN_NAMESPACE_ANNOTATION,
  ANALYSIS_RUN_UID_LABEL,
  JOB_NAME_KEY,
  JOB_NAMESPACE_KEY,
} from './job.js';
export { CloudWatchProvider } from './cloudwatch.js';
