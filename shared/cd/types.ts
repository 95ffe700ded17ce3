/**
 * Argo CD's kinds as their JSON reads (pkg/apis/application/v1alpha1/types.go): the Application,
 * its spec, status and `operation`; the AppProject and ApplicationSet types are defined next to
 * their rules (project.ts, appset/types.ts) and re-exported here, so `shared/cd/types.js` is the
 * one place to import any Argo CD type from.
 *
 * Field names are Argo's JSON names; every field Argo marks `omitempty` is optional. Times are
 * RFC 3339 strings, as metav1.Time marshals. Unknown to Argo here: nothing. What the CRD allows
 * but these types leave loose (a Helm `valuesObject`, a plugin's parameters) is `Json`.
 */
import type { KubeObject, ObjectMeta } from '../core/objects.js';
import type { Json } from '../core/types.js';
import type { IgnoreDifferencesRule } from './diff/ignore-differences.js';
import type { HealthStatusCode } from './health/status.js';
import type { ApplicationDestination } from './project.js';

export type {
  AppProject,
  AppProjectSpec,
  ApplicationDestination,
  ClusterResourceRestrictionItem,
  DestinationServiceAccount,
  GroupKind,
  JWTToken,
  ProjectRole,
  SyncWindow,
} from './project.js';
export type {
  ApplicationSet,
  ApplicationSetGenerator,
  ApplicationSetSpec,
  ApplicationSetSyncPolicy,
  ApplicationSetTemplate,
  ApplicationSetTemplateMeta,
  ApplicationsSyncPolicy,
  ClusterGenerator,
  GitGenerator,
  LabelSelector,
  ListGenerator,
  MatrixGenerator,
  MergeGenerator,
} from './appset/types.js';
export type { HealthStatusCode } from './health/status.js';
export type { IgnoreDifferencesRule } from './diff/ignore-differences.js';

// ---------------------------------------------------------------------------------------------
// Sources

export interface HelmParameter {
  name?: string;
  value?: string;
  /** Pass the value with `--set-string` rather than `--set`. */
  forceString?: boolean;
}

export interface HelmFileParameter {
  name?: string;
  path?: string;
}

export interface ApplicationSourceHelm {
  valueFiles?: string[];
  parameters?: HelmParameter[];
  releaseName?: string;
  /** A YAML document; `valuesObject` wins when both are set. */
  values?: string;
  valuesObject?: Json;
  fileParameters?: HelmFileParameter[];
  version?: string;
  passCredentials?: boolean;
  ignoreMissingValueFiles?: boolean;
  skipCrds?: boolean;
  skipTests?: boolean;
  skipSchemaValidation?: boolean;
  namespace?: string;
  kubeVersion?: string;
  apiVersions?: string[];
}

export interface KustomizeReplica {
  name: string;
  /** int-or-string */
  count: number | string;
}

export interface ApplicationSourceKustomize {
  namePrefix?: string;
  nameSuffix?: string;
  /** `image:tag`, `image=other:tag` or `image@digest` overrides. */
  images?: string[];
  commonLabels?: Record<string, string>;
  commonAnnotations?: Record<string, string>;
  commonAnnotationsEnvsubst?: boolean;
  forceCommonLabels?: boolean;
  forceCommonAnnotations?: boolean;
  labelWithoutSelector?: boolean;
  labelIncludeTemplates?: boolean;
  namespace?: string;
  version?: string;
  replicas?: KustomizeReplica[];
  patches?: Json[];
  components?: string[];
  ignoreMissingComponents?: boolean;
  kubeVersion?: string;
  apiVersions?: string[];
}

export interface ApplicationSourceDirectory {
  recurse?: boolean;
  /** Globs of files to exclude / include, `{a,b}` for several. */
  exclude?: string;
  include?: string;
  jsonnet?: Json;
  disableExtensionFilter?: boolean;
}

export interface ApplicationSourcePlugin {
  name?: string;
  env?: { name: string; value: string }[];
  parameters?: Json[];
}

/** One source: `spec.source`, an entry of `spec.sources`, or what an operation overrides. */
export interface ApplicationSource {
  repoURL: string;
  path?: string;
  /** Git: a branch, tag or commit (HEAD when empty). Helm: a chart version or semver range. */
  targetRevision?: string;
  chart?: string;
  /** Names this source for `$ref/...` value files of the other sources. */
  ref?: string;
  name?: string;
  tagPrefix?: string;
  helm?: ApplicationSourceHelm;
  kustomize?: ApplicationSourceKustomize;
  directory?: ApplicationSourceDirectory;
  plugin?: ApplicationSourcePlugin;
}

/** Argo's ApplicationSourceType: what rendered the manifests. */
export type ApplicationSourceType = 'Helm' | 'Kustomize' | 'Directory' | 'Plugin';

export interface SourceHydrator {
  drySource: { repoURL: string; targetRevision: string; path: string };
  syncSource: { targetBranch: string; path: string; repoURL?: string };
  hydrateTo?: { targetBranch: string };
}

// ---------------------------------------------------------------------------------------------
// Spec

export interface SyncPolicyAutomated {
  /** Delete resources no longer in the source (default false). */
  prune?: boolean;
  /** Revert changes made in the cluster (default false). */
  selfHeal?: boolean;
  /** Allow a sync that leaves the application with no resources (default false). */
  allowEmpty?: boolean;
  /** false turns automation off while keeping the settings (unset means on). */
  enabled?: boolean;
}

export interface Backoff {
  /** A Go duration (`5s`, `2m`) or a bare number of seconds; default 5s. */
  duration?: string;
  /** Multiplies the duration after each failed attempt; default 2. */
  factor?: number;
  /** Caps the wait; default 3m. */
  maxDuration?: string;
}

export interface RetryStrategy {
  /** Attempts after the first; 0 never retries, a negative number retries forever. */
  limit?: number;
  backoff?: Backoff;
  /** Retry with the newest revision instead of the one the operation started with. */
  refresh?: boolean;
}

export interface ManagedNamespaceMetadata {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface SyncPolicy {
  automated?: SyncPolicyAutomated;
  /** `Name=value` options, e.g. `CreateNamespace=true` (see sync/options.ts). */
  syncOptions?: string[];
  retry?: RetryStrategy;
  managedNamespaceMetadata?: ManagedNamespaceMetadata;
}

export interface Info {
  name: string;
  value: string;
}

export interface ApplicationSpec {
  /** `''` means the `default` project. */
  project: string;
  source?: ApplicationSource;
  /** When non-empty it wins: `source` is then ignored. */
  sources?: ApplicationSource[];
  sourceHydrator?: SourceHydrator;
  destination: ApplicationDestination;
  syncPolicy?: SyncPolicy;
  ignoreDifferences?: IgnoreDifferencesRule[];
  info?: Info[];
  /** History entries kept in status.history; default 10. */
  revisionHistoryLimit?: number;
}

// ---------------------------------------------------------------------------------------------
// Operation

export interface OperationInitiator {
  username?: string;
  /** Started by the controller (automated sync, self-heal, retry). */
  automated?: boolean;
}

export interface SyncOperationResource {
  group?: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface SyncStrategy {
  apply?: { force?: boolean };
  hook?: { force?: boolean };
}

export interface SyncOperation {
  revision?: string;
  revisions?: string[];
  prune?: boolean;
  dryRun?: boolean;
  syncStrategy?: SyncStrategy;
  /** Selective sync: only these resources. */
  resources?: SyncOperationResource[];
  /** A rollback's source (or sources), overriding the spec's. */
  source?: ApplicationSource;
  sources?: ApplicationSource[];
  manifests?: string[];
  syncOptions?: string[];
  /** Argo's JSON name for SelfHealAttemptsCount. */
  autoHealAttemptsCount?: number;
}

export interface Operation {
  sync?: SyncOperation;
  initiatedBy?: OperationInitiator;
  info?: Info[];
  retry?: RetryStrategy;
}

// ---------------------------------------------------------------------------------------------
// Status

export type SyncStatusCode = 'Unknown' | 'Synced' | 'OutOfSync';
export type OperationPhase = 'Running' | 'Terminating' | 'Failed' | 'Error' | 'Succeeded';
export type ResultCode = 'Synced' | 'SyncFailed' | 'Pruned' | 'PruneSkipped';
export type HookType =
  'PreSync' | 'Sync' | 'PostSync' | 'SyncFail' | 'Skip' | 'PreDelete' | 'PostDelete';
export type SyncPhase = 'PreSync' | 'Sync' | 'PostSync' | 'SyncFail';

export interface HealthStatus {
  status?: HealthStatusCode;
  message?: string;
  lastTransitionTime?: string;
}

export interface ComparedTo {
  source?: ApplicationSource;
  sources?: ApplicationSource[];
  destination: ApplicationDestination;
  ignoreDifferences?: IgnoreDifferencesRule[];
}

export interface SyncStatus {
  status: SyncStatusCode;
  comparedTo?: ComparedTo;
  revision?: string;
  revisions?: string[];
}

export interface ResourceStatus {
  group?: string;
  version?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  status?: SyncStatusCode;
  health?: HealthStatus;
  hook?: boolean;
  requiresPruning?: boolean;
  syncWave?: number;
  requiresDeletionConfirmation?: boolean;
}

export interface ResourceResult {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  status?: ResultCode;
  message?: string;
  hookType?: HookType;
  hookPhase?: OperationPhase;
  syncPhase?: SyncPhase;
  images?: string[];
}

export interface SyncOperationResult {
  resources?: ResourceResult[];
  revision: string;
  revisions?: string[];
  source?: ApplicationSource;
  sources?: ApplicationSource[];
  managedNamespaceMetadata?: ManagedNamespaceMetadata;
}

export interface OperationState {
  operation: Operation;
  phase: OperationPhase;
  message?: string;
  syncResult?: SyncOperationResult;
  startedAt: string;
  finishedAt?: string;
  retryCount?: number;
}

export interface RevisionHistory {
  id: number;
  revision?: string;
  revisions?: string[];
  deployedAt: string;
  deployStartedAt?: string;
  source?: ApplicationSource;
  sources?: ApplicationSource[];
  initiatedBy?: OperationInitiator;
}

export type ApplicationConditionType =
  | 'DeletionError'
  | 'InvalidSpecError'
  | 'ComparisonError'
  | 'SyncError'
  | 'UnknownError'
  | 'SharedResourceWarning'
  | 'RepeatedResourceWarning'
  | 'ExcludedResourceWarning'
  | 'OrphanedResourceWarning';

export interface ApplicationCondition {
  type: ApplicationConditionType;
  message: string;
  lastTransitionTime?: string;
}

export interface ApplicationSummary {
  externalURLs?: string[];
  images?: string[];
  isAppOfApps?: boolean;
}

export interface ApplicationStatus {
  resources?: ResourceStatus[];
  sync?: SyncStatus;
  health?: HealthStatus;
  history?: RevisionHistory[];
  conditions?: ApplicationCondition[];
  reconciledAt?: string;
  observedAt?: string;
  operationState?: OperationState;
  sourceType?: ApplicationSourceType;
  sourceTypes?: ApplicationSourceType[];
  summary?: ApplicationSummary;
  controllerNamespace?: string;
}

/**
 * Not a KubeObject subtype: KubeObject's index signature would demand every nested field be
 * `Json`. A validated object is read as one with `asApplication`.
 */
export interface Application {
  apiVersion: 'argoproj.io/v1alpha1';
  kind: 'Application';
  metadata: ObjectMeta;
  spec: ApplicationSpec;
  status?: ApplicationStatus;
  /** A requested operation; the controller clears it when the operation ends. */
  operation?: Operation;
}

/** Argo's defaults for fields left unset. */
export const DEFAULT_REVISION_HISTORY_LIMIT = 10;
export const DEFAULT_SYNC_RETRY_DURATION_SECONDS = 5;
export const DEFAULT_SYNC_RETRY_MAX_DURATION_SECONDS = 180;
export const DEFAULT_SYNC_RETRY_FACTOR = 2;
export const DEFAULT_PROJECT_NAME = 'default';

/**
 * An object that passed `validateObject` with the Application validator registered, read as an
 * Application. Nothing is checked here: call it only on validated objects.
 */
export function asApplication(object: KubeObject): Application {
  return object as unknown as Application;
}
