/**
 * Argo CD's ApplicationSet (argoproj.io/v1alpha1) as the generators and the renderer read it.
 * Field names are Argo's; everything is plain JSON so a manifest parsed from YAML fits as is.
 */
import type { KubeObject, ObjectMeta } from '../../core/objects.js';
import type { Json, JsonObject } from '../../core/types.js';

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface ApplicationSetTemplateMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
}

export interface ApplicationSetTemplate {
  metadata?: ApplicationSetTemplateMeta;
  spec?: JsonObject;
}

export interface ListGenerator {
  elements?: JsonObject[];
  /** A YAML list of elements; appended after `elements` as Argo does. */
  elementsYaml?: string;
  template?: ApplicationSetTemplate;
}

export interface ClusterGenerator {
  selector?: LabelSelector;
  values?: Record<string, string>;
  /** All matching clusters as one parameter set `{ clusters: [...] }`. */
  flatList?: boolean;
  template?: ApplicationSetTemplate;
}

export interface GitPathItem {
  path: string;
  exclude?: boolean;
}

export interface GitGenerator {
  repoURL: string;
  revision: string;
  directories?: GitPathItem[];
  files?: GitPathItem[];
  pathParamPrefix?: string;
  values?: Record<string, string>;
  requeueAfterSeconds?: number;
  template?: ApplicationSetTemplate;
}

export interface MatrixGenerator {
  generators: ApplicationSetGenerator[];
  template?: ApplicationSetTemplate;
}

export interface MergeGenerator {
  generators: ApplicationSetGenerator[];
  mergeKeys: string[];
  template?: ApplicationSetTemplate;
}

/** One entry of `spec.generators` (or of a matrix / merge's `generators`). */
export interface ApplicationSetGenerator {
  list?: ListGenerator;
  clusters?: ClusterGenerator;
  git?: GitGenerator;
  matrix?: MatrixGenerator;
  merge?: MergeGenerator;
  /** Post-filter over each parameter set (flattened), as Argo's generator `selector`. */
  selector?: LabelSelector;
  // Generators Argo has that reach outside the control plane (SCM APIs, CRDs, plugins): rejected.
  scmProvider?: Json;
  pullRequest?: Json;
  clusterDecisionResource?: Json;
  plugin?: Json;
}

export const APPLICATIONS_SYNC_POLICIES = [
  'create-only',
  'create-update',
  'create-delete',
  'sync',
] as const;
export type ApplicationsSyncPolicy = (typeof APPLICATIONS_SYNC_POLICIES)[number];

export interface ApplicationSetSyncPolicy {
  /** Generated Applications get no resources finalizer, so deleting one leaves its resources. */
  preserveResourcesOnDeletion?: boolean;
  applicationsSync?: ApplicationsSyncPolicy;
}

export interface ApplicationSetSpec {
  goTemplate?: boolean;
  goTemplateOptions?: string[];
  generators: ApplicationSetGenerator[];
  template: ApplicationSetTemplate;
  syncPolicy?: ApplicationSetSyncPolicy;
  /** A YAML/JSON strategic-merge patch, templated with each parameter set, applied after rendering. */
  templatePatch?: string;
  preservedFields?: { annotations?: string[]; labels?: string[] };
}

export interface ApplicationSet {
  apiVersion: string;
  kind: 'ApplicationSet';
  metadata: ObjectMeta;
  spec: ApplicationSetSpec;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  /** Absent when the ApplicationSet has no uid (our control plane does not require one). */
  uid?: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface Application extends KubeObject {
  apiVersion: 'argoproj.io/v1alpha1';
  kind: 'Application';
  spec: JsonObject;
}

/**
 * One parameter set: flat string values (`{ 'values.env': 'prod' }`) without goTemplate, nested
 * JSON with goTemplate, exactly as Argo hands them to the template.
 */
export type Params = { [key: string]: Json };

/** A cluster registered with the control plane (Argo CD's cluster Secret, as the generator sees it). */
export interface RegisteredCluster {
  name: string;
  server: string;
  /** The Secret's labels (the cluster generator's selector matches these). */
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  project?: string;
}

/** Read access to a repository at a revision; the only I/O the git generator needs. */
export interface GitTree {
  /** Every file path (relative to the repository root, `/`-separated) at the revision. */
  listFiles(repoURL: string, revision: string): Promise<string[]>;
  readFile(repoURL: string, revision: string, path: string): Promise<string>;
}

export interface GeneratorInputs {
  clusters?: RegisteredCluster[];
  git?: GitTree;
  /**
   * Argo's git files generator matches `files[].path` as a git pathspec by default (`*` also
   * crosses `/`); with the repo-server's new globbing enabled it uses doublestar (`**` for any
   * depth, `*` within one segment).
   */
  gitFileGlobbing?: 'pathspec' | 'doublestar';
  /** Hidden directories (`.github`) are skipped by the directory generator unless this is set. */
  includeHiddenDirectories?: boolean;
}

export const IN_CLUSTER_NAME = 'in-cluster';
export const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';
export const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';
export const PRE_DELETE_FINALIZER = 'pre-delete-finalizer.argocd.argoproj.io';
export const POST_DELETE_FINALIZER = 'post-delete-finalizer.argocd.argoproj.io';

/** An ApplicationSet could not be turned into Applications; the message names the field. */
export class AppSetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AppSetError';
  }
}
