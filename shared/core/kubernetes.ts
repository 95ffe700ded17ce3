/**
 * The Kubernetes port: what effect workers need from a cluster (EKS, a kubeconfig context, or
 * the simulated cluster). Domain code never sees the client library, only this and its errors.
 */
import type { KubeObject } from './objects.js';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  /** Omitted for cluster-scoped kinds. */
  namespace?: string;
}

/** Who a call acts as: the service account Argo would have used (DESIGN.md, "Kubernetes on EKS"). */
export type Impersonation =
  { serviceAccount: string; namespace: string } | { user: string; groups?: string[] };

export interface CallOptions {
  impersonate?: Impersonation;
}

export type KubePatchType = 'json' | 'merge' | 'strategic';

export type PropagationPolicy = 'Foreground' | 'Background' | 'Orphan';

export interface ListOptions extends CallOptions {
  /** Omit for all namespaces. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface ResourceInfo {
  /** The plural resource name in URLs (`deployments`). */
  resource: string;
  namespaced: boolean;
}

export interface ProxyResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** A running watch: it re-establishes itself when the server ends it, until stopped. */
export interface WatchHandle {
  stop(): void;
}

export interface Kubernetes {
  /** Server-side apply, field manager `argo-serverless` unless told otherwise. */
  apply(
    object: KubeObject,
    options?: CallOptions & { force?: boolean; fieldManager?: string },
  ): Promise<KubeObject>;
  create(object: KubeObject, options?: CallOptions): Promise<KubeObject>;
  /** undefined when it does not exist. */
  get(ref: ObjectRef, options?: CallOptions): Promise<KubeObject | undefined>;
  list(apiVersion: string, kind: string, options?: ListOptions): Promise<KubeObject[]>;
  /** The patch type is always explicit: strategic merge exists only for built-in kinds. */
  patch(
    ref: ObjectRef,
    patch: unknown,
    type: KubePatchType,
    options?: CallOptions,
  ): Promise<KubeObject>;
  /** false when it was already gone (deleting is idempotent). */
  delete(
    ref: ObjectRef,
    options?: CallOptions & { propagationPolicy?: PropagationPolicy },
  ): Promise<boolean>;
  podLogs(
    namespace: string,
    pod: string,
    options?: CallOptions & { container?: string; tailLines?: number },
  ): Promise<string>;
  discover(apiVersion: string, kind: string): Promise<ResourceInfo>;
  /**
   * Streams changes of one kind (a hint to act sooner, never the only way to learn of a change:
   * events are lost while a watch reconnects). Optional: adapters without streams leave it out.
   */
  watch?(
    apiVersion: string,
    kind: string,
    options: ListOptions,
    onEvent: (type: WatchEventType, object: KubeObject) => void,
  ): Promise<WatchHandle>;
  /** A request to an in-cluster Service through the API server's service proxy. */
  proxy(
    service: { namespace: string; name: string; port: number | string },
    path: string,
    init?: { method?: string; headers?: Record<string, string>; body?: string },
  ): Promise<ProxyResponse>;
}

export type KubernetesErrorCode =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'Forbidden'
  | 'TooManyRequests'
  | 'Unavailable'
  | 'Unknown';

export class KubernetesError extends Error {
  constructor(
    readonly code: KubernetesErrorCode,
    readonly status: number,
    message: string,
    /** Seconds the server asked us to wait (429 / 503 Retry-After). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'KubernetesError';
  }

  /** Throttling and server trouble are worth retrying; the rest will not get better. */
  get retryable(): boolean {
    return this.code === 'TooManyRequests' || this.code === 'Unavailable';
  }

  static fromStatus(status: number, message: string, retryAfterSeconds?: number): KubernetesError {
    const byStatus: Record<number, KubernetesErrorCode> = {
      400: 'Invalid',
      403: 'Forbidden',
      404: 'NotFound',
      409: 'Conflict',
      415: 'Invalid',
      422: 'Invalid',
      429: 'TooManyRequests',
    };
    const code = byStatus[status] ?? (status >= 500 ? 'Unavailable' : 'Unknown');
    // The API server answers 409 for both; the Status reason tells them apart.
    const refined = code === 'Conflict' && /already exists/i.test(message) ? 'AlreadyExists' : code;
    return new KubernetesError(refined, status, message, retryAfterSeconds);
  }
}
