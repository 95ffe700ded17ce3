/**
 * The Kubernetes port over @kubernetes/client-node 1.4: its KubeConfig does authentication and
 * TLS, its generic object API does discovery (cached per group/version). Requests and responses
 * stay plain JSON: the library's typed models would drop fields they do not know and turn
 * timestamps into Dates, which a diff must never see.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { KubernetesObjectApi, Watch } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../../core/objects.js';
import type {
  CallOptions,
  Impersonation,
  KubePatchType,
  Kubernetes,
  ListOptions,
  ObjectRef,
  PropagationPolicy,
  ProxyResponse,
  ResourceInfo,
  WatchEventType,
  WatchHandle,
} from '../../core/kubernetes.js';
import { KubernetesError } from '../../core/kubernetes.js';

export const FIELD_MANAGER = 'argo-serverless';

const PATCH_CONTENT_TYPES: Record<KubePatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface RawRequest {
  query?: Record<string, string | undefined>;
  headers?: Record<string, string>;
  body?: string;
  impersonate?: Impersonation;
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/**
 * client-node makes a new Agent without keep-alive for every request: a TCP connect (and a TLS
 * handshake against EKS) per call. Requests go through one keep-alive agent per distinct set of
 * TLS options instead; tokens travel in headers, so rotating them keeps the pool.
 */
const agents = new Map<string, http.Agent>();
const MAX_AGENTS = 32;

function pooledAgent(agent: unknown): unknown {
  // Proxy agents (subclasses) keep their own behaviour.
  const ctor = (agent as { constructor?: unknown } | undefined)?.constructor;
  if (ctor !== http.Agent && ctor !== https.Agent) return agent;
  const options = (agent as http.Agent & { options: Record<string, unknown> }).options;
  const tls = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'];
  const id = createHash('sha256')
    .update(JSON.stringify([ctor === https.Agent, ...tls.map((k) => options[k] ?? null)]))
    .digest('base64');
  let pooled = agents.get(id);
  if (!pooled) {
    if (agents.size >= MAX_AGENTS) agents.delete(agents.keys().next().value as string);
    const keepAlive = { ...options, keepAlive: true };
    pooled = ctor === https.Agent ? new https.Agent(keepAlive) : new http.Agent(keepAlive);
    agents.set(id, pooled);
  }
  return pooled;
}

/** Reaches the library's configured transport with our own paths and bodies. */
class RawApi extends KubernetesObjectApi {
  /** The library's discovery, cached per group/version. */
  discoverResource(apiVersion: string, kind: string) {
    return this.resource(apiVersion, kind);
  }

  async send(method: Method, path: string, request: RawRequest = {}): Promise<RawResponse> {
    const ctx = this.configuration.baseServer.makeRequestContext(path, method as never);
    for (const [k, v] of Object.entries(request.query ?? {}))
      if (v !== undefined) ctx.setQueryParam(k, v);
    ctx.setHeaderParam('Accept', 'application/json, */*;q=0.8');
    for (const [k, v] of Object.entries(request.headers ?? {})) ctx.setHeaderParam(k, v);
    for (const [k, v] of impersonationHeaders(request.impersonate)) ctx.setHeaderParam(k, v);
    if (request.body !== undefined) ctx.setBody(request.body);
    const auth = this.configuration.authMethods.default;
    if (auth?.applySecurityAuthentication) await auth.applySecurityAuthentication(ctx);
    ctx.setAgent(pooledAgent(ctx.getAgent()) as Parameters<typeof ctx.setAgent>[0]);
    const response = await this.configuration.httpApi.send(ctx).toPromise();
    return {
      status: response.httpStatusCode,
      headers: response.headers,
      text: await response.body.text(),
    };
  }
}

export class ClientNodeKubernetes implements Kubernetes {
  private readonly api: RawApi;

  constructor(private readonly kubeConfig: KubeConfig) {
    this.api = kubeConfig.makeApiClient(RawApi);
  }

  async discover(apiVersion: string, kind: string): Promise<ResourceInfo> {
    let found;
    try {
      found = await this.api.discoverResource(apiVersion, kind);
    } catch (err) {
      throw toKubernetesError(err, `discovery of ${apiVersion} ${kind}`);
    }
    if (!found)
      throw new KubernetesError(
        'NotFound',
        404,
        `the cluster serves no kind ${kind} in ${apiVersion}`,
      );
    return { resource: found.name, namespaced: found.namespaced };
  }

  async apply(
    object: KubeObject,
    options: CallOptions & { force?: boolean; fieldManager?: string } = {},
  ) {
    const path = await this.objectPath(refOf(object));
    const response = await this.call('PATCH', path, {
      query: {
        fieldManager: options.fieldManager ?? FIELD_MANAGER,
        force: options.force ? 'true' : undefined,
      },
      headers: { 'Content-Type': 'application/apply-patch+yaml' },
      // JSON is YAML: the API server takes it as the apply body.
      body: JSON.stringify(object),
      ...impersonating(options),
    });
    return JSON.parse(response.text) as KubeObject;
  }

  async create(object: KubeObject, options: CallOptions = {}) {
    const path = await this.collectionPath(
      object.apiVersion,
      object.kind,
      object.metadata.namespace,
    );
    const response = await this.call('POST', path, {
      query: { fieldManager: FIELD_MANAGER },
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(object),
      ...impersonating(options),
    });
    return JSON.parse(response.text) as KubeObject;
  }

  async get(ref: ObjectRef, options: CallOptions = {}): Promise<KubeObject | undefined> {
    try {
      const response = await this.call('GET', await this.objectPath(ref), impersonating(options));
      return JSON.parse(response.text) as KubeObject;
    } catch (err) {
      if (err instanceof KubernetesError && err.code === 'NotFound') return undefined;
      throw err;
    }
  }

  async watch(
    apiVersion: string,
    kind: string,
    options: ListOptions,
    onEvent: (type: WatchEventType, object: KubeObject) => void,
  ): Promise<WatchHandle> {
    const path = await this.collectionPath(apiVersion, kind, options.namespace);
    const watch = new Watch(this.kubeConfig);
    let stopped = false;
    let current: AbortController | undefined;
    const start = async (): Promise<void> => {
      if (stopped) return;
      current = await watch.watch(
        path,
        { labelSelector: options.labelSelector, fieldSelector: options.fieldSelector },
        (type, object: KubeObject) => {
          if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED')
            onEvent(type, { ...object, apiVersion, kind });
        },
        // The server ends watches (timeouts, restarts): start again, after a pause on errors.
        (err: unknown) => {
          if (!stopped) setTimeout(() => void start().catch(() => undefined), err ? 1_000 : 0);
        },
      );
    };
    await start();
    return {
      stop: () => {
        stopped = true;
        current?.abort();
      },
    };
  }

  async list(apiVersion: string, kind: string, options: ListOptions = {}): Promise<KubeObject[]> {
    const path = await this.collectionPath(apiVersion, kind, options.namespace);
    const items: KubeObject[] = [];
    let continueToken: string | undefined;
    do {
      const response = await this.call('GET', path, {
        query: {
          labelSelector: options.labelSelector,
          fieldSelector: options.fieldSelector,
          limit: '500',
          continue: continueToken,
        },
        ...impersonating(options),
      });
      const page = JSON.parse(response.text) as {
        items?: KubeObject[];
        metadata?: { continue?: string };
      };
      // Lists leave kind and apiVersion off their items.
      for (const item of page.items ?? []) items.push({ ...item, apiVersion, kind });
      continueToken = page.metadata?.continue || undefined;
    } while (continueToken);
    return items;
  }

  async patch(ref: ObjectRef, patch: unknown, type: KubePatchType, options: CallOptions = {}) {
    const response = await this.call('PATCH', await this.objectPath(ref), {
      query: { fieldManager: FIELD_MANAGER },
      headers: { 'Content-Type': PATCH_CONTENT_TYPES[type] },
      body: JSON.stringify(patch),
      ...impersonating(options),
    });
    return JSON.parse(response.text) as KubeObject;
  }

  async delete(
    ref: ObjectRef,
    options: CallOptions & { propagationPolicy?: PropagationPolicy } = {},
  ) {
    try {
      await this.call('DELETE', await this.objectPath(ref), {
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          ...(options.propagationPolicy ? { propagationPolicy: options.propagationPolicy } : {}),
        }),
        ...impersonating(options),
      });
      return true;
    } catch (err) {
      if (err instanceof KubernetesError && err.code === 'NotFound') return false;
      throw err;
    }
  }

  async podLogs(
    namespace: string,
    pod: string,
    options: CallOptions & { container?: string; tailLines?: number } = {},
  ): Promise<string> {
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`;
    const response = await this.call('GET', path, {
      query: {
        container: options.container,
        tailLines: options.tailLines === undefined ? undefined : String(options.tailLines),
      },
      ...impersonating(options),
    });
    return response.text;
  }

  async proxy(
    service: { namespace: string; name: string; port: number | string },
    path: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ): Promise<ProxyResponse> {
    const target =
      `/api/v1/namespaces/${encodeURIComponent(service.namespace)}/services/` +
      `${encodeURIComponent(`${service.name}:${service.port}`)}/proxy/${path.replace(/^\//, '')}`;
    const [pathname, search] = target.split('?') as [string, string | undefined];
    const query = Object.fromEntries(new URLSearchParams(search ?? ''));
    // The proxied service's own status is the answer: no KubernetesError for its 4xx/5xx.
    const response = await this.api.send((init.method ?? 'GET') as Method, pathname, {
      query,
      headers: init.headers ?? {},
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
    return { status: response.status, headers: response.headers, body: response.text };
  }

  private async call(method: Method, path: string, request: RawRequest = {}): Promise<RawResponse> {
    let response: RawResponse;
    try {
      response = await this.api.send(method, path, request);
    } catch (err) {
      throw toKubernetesError(err, `${method} ${path}`);
    }
    if (response.status >= 200 && response.status < 300) return response;
    const retryAfter = Number(response.headers['retry-after']);
    throw KubernetesError.fromStatus(
      response.status,
      `${method} ${path}: ${statusMessage(response)}`,
      Number.isFinite(retryAfter) ? retryAfter : undefined,
    );
  }

  private async objectPath(ref: ObjectRef): Promise<string> {
    const collection = await this.collectionPath(ref.apiVersion, ref.kind, ref.namespace);
    return `${collection}/${encodeURIComponent(ref.name)}`;
  }

  private async collectionPath(apiVersion: string, kind: string, namespace: string | undefined) {
    const { resource, namespaced } = await this.discover(apiVersion, kind);
    const root = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    return namespaced && namespace
      ? `${root}/namespaces/${encodeURIComponent(namespace)}/${resource}`
      : `${root}/${resource}`;
  }
}

function refOf(object: KubeObject): ObjectRef {
  const ref: ObjectRef = {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
  };
  if (object.metadata.namespace) ref.namespace = object.metadata.namespace;
  return ref;
}

function impersonating(options: CallOptions): Pick<RawRequest, 'impersonate'> {
  return options.impersonate ? { impersonate: options.impersonate } : {};
}

/** Service accounts are impersonated as their user with the groups the API server gives them. */
function impersonationHeaders(who: Impersonation | undefined): [string, string][] {
  if (!who) return [];
  if ('serviceAccount' in who) {
    return [
      ['Impersonate-User', `system:serviceaccount:${who.namespace}:${who.serviceAccount}`],
      ['Impersonate-Group', 'system:serviceaccounts'],
    ];
  }
  return [
    ['Impersonate-User', who.user],
    ...(who.groups ?? []).map((g): [string, string] => ['Impersonate-Group', g]),
  ];
}

function statusMessage(response: RawResponse): string {
  try {
    const status = JSON.parse(response.text) as { message?: string; reason?: string };
    return status.message ?? status.reason ?? `HTTP ${response.status}`;
  } catch {
    return response.text.slice(0, 200) || `HTTP ${response.status}`;
  }
}

function toKubernetesError(err: unknown, what: string): KubernetesError {
  if (err instanceof KubernetesError) return err;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'number') return KubernetesError.fromStatus(code, `${what}: ${String(err)}`);
  // Connection refused, reset, DNS: the cluster is unreachable for now.
  return new KubernetesError('Unavailable', 0, `${what}: ${(err as Error).message ?? String(err)}`);
}

/**
 * client-node refuses a plain-http server unless TLS verification is off; there is no TLS to
 * verify there (the simulated cluster). https servers keep their verification.
 */
export function allowPlainHttp(kc: KubeConfig): void {
  kc.clusters = kc.clusters.map((c) =>
    c.server.startsWith('http://') ? { ...c, skipTLSVerify: true } : c,
  );
}
