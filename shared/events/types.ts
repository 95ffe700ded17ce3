/**
 * Argo Events' vocabulary: the event a source emits (CloudEvents context + data, as Argo's
 * `v1alpha1.Event`), and the parts of the EventSource and Sensor specs we run. Field names are
 * Argo's, so Sensors written for Argo read the same data.
 */
import type { Json } from '../core/types.js';

/** Argo's event context (CloudEvents 1.0 attributes). */
export interface EventContext {
  id: string;
  /** The EventSource's name. */
  source: string;
  specversion: '1.0';
  /** The event source type (`webhook`, `github`, `s3`, ...). */
  type: string;
  /** The event's name within its EventSource (the dependency's `eventName`). */
  subject: string;
  /** RFC 3339. */
  time: string;
  datacontenttype: string;
}

export interface ArgoEvent {
  context: EventContext;
  /** The data as JSON (Argo keeps bytes; every source we run emits JSON). */
  data: Json;
}

export type LogicalOperator = 'and' | 'or';

export interface DataFilter {
  path: string;
  type: 'string' | 'number' | 'bool';
  value: string[];
  comparator?: '>=' | '>' | '=' | '!=' | '<' | '<=';
  template?: string;
}

export interface ExprFilter {
  expr: string;
  fields: { name: string; path: string }[];
}

export interface TimeFilter {
  start: string;
  stop: string;
  timezone?: string;
}

export interface EventDependencyFilter {
  time?: TimeFilter;
  context?: Partial<Pick<EventContext, 'type' | 'subject' | 'source' | 'datacontenttype'>>;
  data?: DataFilter[];
  exprs?: ExprFilter[];
  dataLogicalOperator?: LogicalOperator;
  exprLogicalOperator?: LogicalOperator;
  script?: string;
}

export interface EventDependency {
  name: string;
  eventSourceName: string;
  eventName: string;
  filters?: EventDependencyFilter;
  filtersLogicalOperator?: LogicalOperator;
  transform?: { jq?: string; script?: string };
}

export interface TriggerParameterSource {
  dependencyName: string;
  contextKey?: string;
  contextTemplate?: string;
  dataKey?: string;
  dataTemplate?: string;
  value?: string;
  useRawData?: boolean;
}

export interface TriggerParameter {
  src: TriggerParameterSource;
  dest: string;
  operation?: 'overwrite' | 'append' | 'prepend' | '';
}

export interface ArtifactLocation {
  resource?: Json;
  inline?: string;
  configmap?: { name: string; key: string; namespace?: string };
  file?: { path: string };
  url?: { path: string; verifyCert?: boolean };
  git?: Json;
  s3?: Json;
}

export interface K8sTrigger {
  operation?: 'create' | 'update' | 'patch' | 'delete' | '';
  source: ArtifactLocation;
  parameters?: TriggerParameter[];
  patchStrategy?: string;
  liveObject?: boolean;
}

export interface ArgoWorkflowTrigger {
  operation?:
    'submit' | 'submit-from' | 'resubmit' | 'resume' | 'retry' | 'suspend' | 'terminate' | 'stop';
  source: ArtifactLocation;
  parameters?: TriggerParameter[];
  args?: string[];
}

export interface HttpTrigger {
  url: string;
  /** The field's old name (Argo Events < 1.0). */
  serverURL?: string;
  method?: string;
  payload?: TriggerParameter[];
  parameters?: TriggerParameter[];
  timeout?: number;
  headers?: Record<string, string>;
  secureHeaders?: { name: string; valueFrom: { secretKeyRef?: { name: string; key: string } } }[];
  basicAuth?: Json;
  tls?: Json;
}

export interface LogTrigger {
  intervalSeconds?: number;
}

export interface AwsLambdaTrigger {
  functionName: string;
  region?: string;
  payload: TriggerParameter[];
  parameters?: TriggerParameter[];
  invocationType?: 'RequestResponse' | 'Event' | 'DryRun';
  accessKey?: SecretSelector;
  secretKey?: SecretSelector;
  roleARN?: string;
}

export interface TriggerTemplate {
  name: string;
  conditions?: string;
  conditionsReset?: { byTime?: { cron: string; timezone?: string } }[];
  k8s?: K8sTrigger;
  argoWorkflow?: ArgoWorkflowTrigger;
  http?: HttpTrigger;
  log?: LogTrigger;
  awsLambda?: AwsLambdaTrigger;
  [other: string]: unknown;
}

export interface Backoff {
  duration?: string | number;
  factor?: string | number;
  jitter?: string | number;
  steps?: number;
}

export interface TriggerPolicy {
  k8s?: Json;
  status?: { allow?: number[] };
}

export interface Trigger {
  template: TriggerTemplate;
  parameters?: TriggerParameter[];
  policy?: TriggerPolicy;
  retryStrategy?: Backoff;
  rateLimit?: { unit?: 'Second' | 'Minute' | 'Hour'; requestsPerUnit?: number };
  atLeastOnce?: boolean;
  dlqTrigger?: Trigger;
}

export interface SensorSpec {
  dependencies: EventDependency[];
  triggers: Trigger[];
  template?: { serviceAccountName?: string; [k: string]: unknown };
  errorOnFailedRound?: boolean;
  eventBusName?: string;
  replicas?: number;
  revisionHistoryLimit?: number;
  loggingFields?: Record<string, string>;
}

/** The secret selector Argo uses in event source specs (`{name, key}`, Secret in the ES namespace). */
export interface SecretSelector {
  name: string;
  key: string;
  optional?: boolean;
}

/** A webhook context as Argo declares it (`webhook`, and the `webhook` block of github/gitlab). */
export interface WebhookContext {
  endpoint: string;
  method?: string;
  port: string;
  url?: string;
  authSecret?: SecretSelector;
  maxPayloadSize?: number;
  metadata?: Record<string, string>;
  serverCertSecret?: SecretSelector;
  serverKeySecret?: SecretSelector;
}
