/**
 * The parts of Argo Workflows' API our code reads, typed loosely enough for users' YAML
 * (parameter values may be numbers or booleans in YAML; Argo reads them as strings).
 */
import type { JsonObject } from '../core/types.js';

export type Scalar = string | number | boolean;

export interface ValueFrom {
  path?: string;
  jsonPath?: string;
  jqFilter?: string;
  parameter?: string;
  expression?: string;
  default?: Scalar;
  supplied?: JsonObject;
  event?: string;
  configMapKeyRef?: { name: string; key: string; optional?: boolean };
}

export interface Parameter {
  name: string;
  value?: Scalar;
  default?: Scalar;
  enum?: Scalar[];
  valueFrom?: ValueFrom;
  globalName?: string;
  description?: string;
}

export interface Artifact {
  name: string;
  path?: string;
  from?: string;
  fromExpression?: string;
  optional?: boolean;
  globalName?: string;
  mode?: number;
  archive?: { none?: JsonObject; tar?: JsonObject; zip?: JsonObject };
  raw?: { data: string };
  s3?: JsonObject;
  http?: { url: string; headers?: { name: string; value: string }[] };
  git?: JsonObject;
  gcs?: JsonObject;
  artifactory?: JsonObject;
  azure?: JsonObject;
  hdfs?: JsonObject;
  oss?: JsonObject;
  plugin?: JsonObject;
  subPath?: string;
  recurseMode?: boolean;
  archiveLogs?: boolean;
  deleted?: boolean;
}

export interface Arguments {
  parameters?: Parameter[];
  artifacts?: Artifact[];
}

export interface Inputs {
  parameters?: Parameter[];
  artifacts?: Artifact[];
}

export interface Outputs {
  parameters?: Parameter[];
  artifacts?: Artifact[];
  result?: string;
  exitCode?: string;
}

export interface TemplateRef {
  name: string;
  template: string;
  clusterScope?: boolean;
}

export interface ContinueOn {
  error?: boolean;
  failed?: boolean;
}

export interface Sequence {
  count?: Scalar;
  start?: Scalar;
  end?: Scalar;
  format?: string;
}

export interface LifecycleHook {
  template?: string;
  templateRef?: TemplateRef;
  arguments?: Arguments;
  expression?: string;
}

/** What steps and DAG tasks share: a call of a template. */
export interface TemplateCall {
  name: string;
  template?: string;
  templateRef?: TemplateRef;
  inline?: Template;
  arguments?: Arguments;
  when?: string;
  withItems?: unknown[];
  withParam?: string;
  withSequence?: Sequence;
  continueOn?: ContinueOn;
  onExit?: string;
  hooks?: Record<string, LifecycleHook>;
}

export type WorkflowStep = TemplateCall;

export interface DAGTask extends TemplateCall {
  dependencies?: string[];
  depends?: string;
}

export interface RetryStrategy {
  limit?: Scalar;
  retryPolicy?: 'Always' | 'OnFailure' | 'OnError' | 'OnTransientError';
  backoff?: { duration?: Scalar; factor?: Scalar; maxDuration?: string; cap?: string };
  expression?: string;
  affinity?: JsonObject;
}

export interface ContainerSpec {
  name?: string;
  image?: string;
  command?: string[];
  args?: Scalar[];
  env?: { name: string; value?: string; valueFrom?: JsonObject }[];
  workingDir?: string;
  volumeMounts?: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
  resources?: JsonObject;
  [field: string]: unknown;
}

export interface ScriptSpec extends ContainerSpec {
  source: string;
}

export interface ResourceTemplate {
  action: 'get' | 'create' | 'apply' | 'delete' | 'replace' | 'patch';
  manifest?: string;
  manifestFrom?: { artifact: { name: string } };
  mergeStrategy?: 'strategic' | 'merge' | 'json';
  successCondition?: string;
  failureCondition?: string;
  setOwnerReference?: boolean;
  flags?: string[];
}

export interface Template {
  name: string;
  inputs?: Inputs;
  outputs?: Outputs;
  container?: ContainerSpec;
  script?: ScriptSpec;
  resource?: ResourceTemplate;
  steps?: WorkflowStep[][];
  dag?: { tasks: DAGTask[]; target?: string; failFast?: boolean };
  suspend?: { duration?: Scalar };
  containerSet?: {
    containers: ContainerSpec[];
    volumeMounts?: ContainerSpec['volumeMounts'];
    retryStrategy?: RetryStrategy;
  };
  http?: JsonObject;
  data?: JsonObject;
  plugin?: JsonObject;
  volumes?: { name: string; [field: string]: unknown }[];
  initContainers?: ContainerSpec[];
  sidecars?: ContainerSpec[];
  retryStrategy?: RetryStrategy;
  activeDeadlineSeconds?: Scalar;
  timeout?: string;
  parallelism?: number;
  failFast?: boolean;
  daemon?: boolean;
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  nodeSelector?: Record<string, string>;
  serviceAccountName?: string;
  podSpecPatch?: string;
  memoize?: JsonObject;
  synchronization?: JsonObject;
  archiveLocation?: JsonObject;
  [field: string]: unknown;
}

export interface WorkflowSpec {
  entrypoint?: string;
  templates?: Template[];
  arguments?: Arguments;
  serviceAccountName?: string;
  volumes?: { name: string; [field: string]: unknown }[];
  volumeClaimTemplates?: { metadata: { name: string }; spec?: JsonObject }[];
  onExit?: string;
  parallelism?: number;
  suspend?: boolean;
  shutdown?: 'Terminate' | 'Stop' | '';
  activeDeadlineSeconds?: number;
  workflowTemplateRef?: { name: string; clusterScope?: boolean };
  templateDefaults?: Partial<Template>;
  podGC?: { strategy?: string; labelSelector?: JsonObject; deleteDelayDuration?: string };
  ttlStrategy?: {
    secondsAfterCompletion?: number;
    secondsAfterSuccess?: number;
    secondsAfterFailure?: number;
  };
  retryStrategy?: RetryStrategy;
  hooks?: Record<string, LifecycleHook>;
  podMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  workflowMetadata?: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    labelsFrom?: Record<string, { expression: string }>;
  };
  nodeSelector?: Record<string, string>;
  artifactRepositoryRef?: { configMap?: string; key?: string };
  [field: string]: unknown;
}

export interface WorkflowObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name?: string;
    generateName?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    uid?: string;
    creationTimestamp?: string;
  };
  spec: WorkflowSpec;
  status?: JsonObject;
}

export interface CronWorkflowSpec {
  schedule?: string;
  schedules?: string[];
  timezone?: string;
  concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace';
  startingDeadlineSeconds?: number;
  suspend?: boolean;
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
  when?: string;
  stopStrategy?: { expression?: string; condition?: string };
  workflowSpec: WorkflowSpec;
  workflowMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
}

/** The one kind of work a template does. */
export type TemplateType =
  | 'Container'
  | 'Script'
  | 'Resource'
  | 'Steps'
  | 'DAG'
  | 'Suspend'
  | 'ContainerSet'
  | 'HTTP'
  | 'Data'
  | 'Plugin';

export function templateTypes(t: Template): TemplateType[] {
  const types: TemplateType[] = [];
  if (t.container) types.push('Container');
  if (t.script) types.push('Script');
  if (t.resource) types.push('Resource');
  if (t.steps) types.push('Steps');
  if (t.dag) types.push('DAG');
  if (t.suspend) types.push('Suspend');
  if (t.containerSet) types.push('ContainerSet');
  if (t.http) types.push('HTTP');
  if (t.data) types.push('Data');
  if (t.plugin) types.push('Plugin');
  return types;
}

export const WORKFLOW_KINDS = [
  'Workflow',
  'WorkflowTemplate',
  'ClusterWorkflowTemplate',
  'CronWorkflow',
];

/** Argo reads parameter values as strings whatever YAML scalar they were written as. */
export function scalarString(v: Scalar | undefined | null): string | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : String(v);
}
