/**
 * A simulated Kubernetes API server for the embedded runtime and the tests: enough of the API for
 * @kubernetes/client-node's generic object API (discovery, CRUD, patch types, server-side apply,
 * delete with finalizers and owner-reference garbage collection, pod logs, the service proxy)
 * with fault injection. In memory; one process. Controllers (kubelet, ReplicaSet, Deployment,
 * Job) are not simulated yet.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { Json, JsonObject } from '../../../core/types.js';
import { jsonPatch, mergePatch, sameJson } from '../../../core/objects.js';
import {
  matchesLabels,
  parseLabelSelector,
  SelectorError,
} from '../../../resources/label-selector.js';
import type { Requirement } from '../../../resources/label-selector.js';
import type { ServedResource } from './resources.js';
import type { PodExecutor } from './executor.js';
import { BUILT_IN_RESOURCES, groupVersion, resourcesOfCrd } from './resources.js';
import { strategicMerge } from './strategic-merge.js';
import { Controllers, defaultControllerOptions } from './controllers.js';
import type { ControllerOptions } from './controllers.js';

export const PROXY_ANNOTATION = 'sim.argo-serverless.dev/proxy-to';
export const LOGS_ANNOTATION = 'sim.argo-serverless.dev/logs';

interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  resource: ServedResource;
  object: Obj;
  rv: number;
}

export type Obj = JsonObject & { metadata: JsonObject & { name: string; namespace?: string } };

export interface FaultRule {
  method?: string;
  /** Matched against the request path. */
  path?: RegExp;
  status: 403 | 409 | 429 | 500 | 503;
  /** How many requests to fail (default: every one). */
  times?: number;
  retryAfterSeconds?: number;
}

export interface SimCluster {
  url: string;
  faults: { add(rule: FaultRule): void; clear(): void };
  /** Requests served (the newest 10,000 to 20,000), for assertions on retries. */
  requests: {
    method: string;
    path: string;
    status: number;
    impersonate?: string;
    authorization?: string;
  }[];
  /** TCP connections accepted so far (clients are expected to keep them alive). */
  readonly connections: number;
  writeKubeconfig(path: string, options?: { context?: string }): Promise<void>;
  /** The simulated kubelet, ReplicaSet and Deployment controllers (tick() runs one pass). */
  controllers: Controllers;
  stop(): Promise<void>;
}

const MAX_REQUESTS_KEPT = 20_000;

class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startSimCluster(
  options: {
    port?: number;
    host?: string;
    controllers?: Partial<ControllerOptions>;
    /** Changes kept for watches to resume from; older resourceVersions get 410 Expired. */
    watchHistory?: number;
    /** Runs pods' commands (see executor.ts); without one, pods only change phase. */
    executor?: PodExecutor;
  } = {},
): Promise<SimCluster> {
  const state = new ClusterState(options.watchHistory);
  const controllers = new Controllers(
    state,
    { ...defaultControllerOptions, ...options.controllers },
    Date.now,
    options.executor,
  );
  controllers.start();
  const faults: (FaultRule & { used: number })[] = [];
  const requests: SimCluster['requests'] = [];
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const fault = faults.find(
      (f) =>
        (!f.method || f.method === req.method) &&
        (!f.path || f.path.test(path)) &&
        (f.times === undefined || f.used < f.times),
    );
    const impersonate = req.headers['impersonate-user'];
    const authorization = req.headers.authorization;
    res.on('finish', () => {
      // Bounded: a benchmark sends hundreds of thousands of requests.
      if (requests.length >= MAX_REQUESTS_KEPT) requests.splice(0, requests.length / 2);
      requests.push({
        method: req.method ?? 'GET',
        path,
        status: res.statusCode,
        ...(typeof impersonate === 'string' ? { impersonate } : {}),
        ...(authorization ? { authorization } : {}),
      });
    });
    if (fault) {
      fault.used++;
      if (fault.retryAfterSeconds !== undefined)
        res.setHeader('Retry-After', String(fault.retryAfterSeconds));
      return sendStatus(
        res,
        new ApiError(fault.status, 'InjectedFault', `injected fault ${fault.status}`),
      );
    }
    handle(state, req, res).catch((err: unknown) => {
      if (err instanceof ApiError) return sendStatus(res, err);
      sendStatus(res, new ApiError(500, 'InternalError', String(err)));
    });
  });
  let connections = 0;
  server.on('connection', () => connections++);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    url,
    get connections() {
      return connections;
    },
    faults: {
      add: (rule) => faults.push({ ...rule, used: 0 }),
      clear: () => void faults.splice(0),
    },
    requests,
    async writeKubeconfig(path, { context = 'sim' } = {}) {
      const config = {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: context, cluster: { server: url } }],
        users: [{ name: context, user: { token: 'sim' } }],
        contexts: [
          { name: context, context: { cluster: context, user: context, namespace: 'default' } },
        ],
        'current-context': context,
      };
      await writeFile(path, JSON.stringify(config, null, 2));
    },
    controllers,
    async stop() {
      controllers.stop();
      await controllers.killRuns();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export class ClusterState {
  private revision = 0;
  resources: ServedResource[] = [...BUILT_IN_RESOURCES];
  readonly objects = new Map<string, Obj>();
  /** Recent changes, for watches (bounded: an older resourceVersion is "Expired", 410). */
  readonly events: WatchEvent[] = [];
  readonly watchers = new Set<(event: WatchEvent) => void>();
  /** The objects again, by kind (the controllers list a kind on every tick). */
  private readonly byKind = new Map<string, Map<string, Obj>>();

  /** Object keys by kind and label pair (`Pod\0k=v`): a list by label need not scan them all. */
  private readonly byLabel = new Map<string, Set<string>>();

  /**
   * Pods not yet Succeeded or Failed: the kubelet's work list. A workflow leaves thousands of
   * ended pods behind, and visiting them all on every tick made the simulator quadratic.
   */
  private readonly unfinishedPods = new Map<string, Obj>();

  private store(key: string, obj: Obj): void {
    const previous = this.objects.get(key);
    if (previous) this.unindexLabels(key, previous);
    this.objects.set(key, obj);
    let kind = this.byKind.get(String(obj.kind));
    if (!kind) this.byKind.set(String(obj.kind), (kind = new Map()));
    kind.set(key, obj);
    if (obj.kind === 'Pod') {
      const phase = (obj['status'] as { phase?: string } | undefined)?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') this.unfinishedPods.delete(key);
      else this.unfinishedPods.set(key, obj);
    }
    for (const pair of labelPairs(obj)) {
      let keys = this.byLabel.get(pair);
      if (!keys) this.byLabel.set(pair, (keys = new Set()));
      keys.add(key);
    }
  }

  private unindexLabels(key: string, obj: Obj): void {
    for (const pair of labelPairs(obj)) {
      const keys = this.byLabel.get(pair);
      keys?.delete(key);
      if (keys?.size === 0) this.byLabel.delete(pair);
    }
  }

  /**
   * Candidates for a label selector: the objects of the smallest label-pair index its `k=v` /
   * `k in (...)` terms name, or undefined when it has none (the caller filters them all).
   */
  withLabels(kind: string, requirements: Requirement[]): Obj[] | undefined {
    let best: string[] | undefined;
    for (const req of requirements) {
      if (req.op !== 'in') continue;
      const keys = req.values.flatMap((v) => [
        ...(this.byLabel.get(`${kind}\u0000${req.key}=${v}`) ?? []),
      ]);
      if (!best || keys.length < best.length) best = keys;
    }
    return best?.map((k) => this.objects.get(k)!).filter(Boolean);
  }

  /** Container logs the pod executor captured, by `namespace/pod`. */
  readonly logs = new Map<string, string>();
  /** Which resource each stored object belongs to (for the garbage collector). */
  private readonly resourceOf = new Map<string, ServedResource>();

  constructor(private readonly historySize = 10_000) {
    for (const name of ['default', 'kube-system', 'kube-public']) {
      this.create(this.find('', 'v1', 'namespaces')!, undefined, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name },
      });
    }
  }

  /** The built-in resource of a kind (controllers use it). */
  builtIn(kind: string): ServedResource {
    const r = this.resources.find((x) => x.builtIn && x.kind === kind);
    if (!r) throw new Error(`no built-in kind ${kind}`);
    return r;
  }

  find(group: string, version: string, name: string): ServedResource | undefined {
    return this.resources.find(
      (r) => r.group === group && r.version === version && r.name === name,
    );
  }

  key(r: ServedResource, namespace: string | undefined, name: string): string {
    return `${groupVersion(r)}/${r.name}/${namespace ?? ''}/${name}`;
  }

  currentVersion(): string {
    return String(this.revision);
  }

  private emit(type: WatchEvent['type'], r: ServedResource, object: Obj): void {
    const event: WatchEvent = {
      type,
      resource: r,
      object: structuredClone(object),
      rv: this.revision,
    };
    this.events.push(event);
    if (this.events.length > this.historySize)
      this.events.splice(0, this.events.length - this.historySize);
    for (const w of this.watchers) w(event);
  }

  nextVersion(): string {
    return String(++this.revision);
  }

  get(r: ServedResource, namespace: string | undefined, name: string): Obj {
    const obj = this.objects.get(this.key(r, namespace, name));
    if (!obj) throw notFound(r, name);
    return obj;
  }

  /** Objects of a built-in kind, from an index kept with the objects (controllers tick often). */
  listKind(kind: string): Obj[] {
    return [...(this.byKind.get(kind)?.values() ?? [])];
  }

  /** Pods that have not ended (Succeeded / Failed), deleting ones included. */
  listUnfinishedPods(): Obj[] {
    return [...this.unfinishedPods.values()];
  }

  /** Uids of the pods that exist and are not being deleted. */
  livePodUids(): Set<string> {
    const uids = new Set<string>();
    for (const p of this.byKind.get('Pod')?.values() ?? [])
      if (!p.metadata['deletionTimestamp']) uids.add(String(p.metadata['uid']));
    return uids;
  }

  list(r: ServedResource, namespace: string | undefined): Obj[] {
    const prefix = `${groupVersion(r)}/${r.name}/`;
    return [...this.objects.entries()]
      .filter(
        ([k, o]) =>
          k.startsWith(prefix) && (namespace === undefined || o.metadata.namespace === namespace),
      )
      .map(([, o]) => o);
  }

  create(r: ServedResource, namespace: string | undefined, body: JsonObject): Obj {
    const obj = structuredClone(body) as Obj;
    obj.metadata = { ...(obj.metadata ?? {}) } as Obj['metadata'];
    if (!obj.metadata.name && typeof obj.metadata['generateName'] === 'string') {
      obj.metadata.name = obj.metadata['generateName'] + randomUUID().slice(0, 5);
    }
    if (!obj.metadata.name) throw new ApiError(422, 'Invalid', 'metadata.name: Required value');
    if (r.namespaced) {
      const ns = namespace ?? (obj.metadata.namespace as string | undefined) ?? 'default';
      if (!this.objects.has(this.key(this.find('', 'v1', 'namespaces')!, undefined, ns))) {
        throw new ApiError(404, 'NotFound', `namespaces "${ns}" not found`);
      }
      obj.metadata.namespace = ns;
    } else {
      delete obj.metadata.namespace;
    }
    const key = this.key(r, obj.metadata.namespace, obj.metadata.name);
    if (this.objects.has(key)) {
      throw new ApiError(
        409,
        'AlreadyExists',
        `${r.name}.${r.group || 'core'} "${obj.metadata.name}" already exists`,
      );
    }
    obj.apiVersion = groupVersion(r);
    obj.kind = r.kind;
    Object.assign(obj.metadata, {
      uid: randomUUID(),
      resourceVersion: this.nextVersion(),
      generation: 1,
      creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    });
    this.store(key, obj);
    this.resourceOf.set(key, r);
    this.emit('ADDED', r, obj);
    if (r.kind === 'CustomResourceDefinition') this.resources.push(...resourcesOfCrd(obj));
    return obj;
  }

  /** Replaces the user part of an object (spec and all but server metadata; status kept). */
  update(r: ServedResource, current: Obj, next: JsonObject, subresource?: string): Obj {
    const requested = (next['metadata'] as JsonObject | undefined)?.['resourceVersion'];
    if (requested !== undefined && requested !== current.metadata['resourceVersion']) {
      throw new ApiError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${r.name} "${current.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    const updated = structuredClone(current) as Obj;
    if (subresource === 'status') {
      updated['status'] = (next['status'] ?? null) as Json;
    } else {
      for (const k of Object.keys(updated))
        if (k !== 'metadata' && k !== 'status') delete updated[k];
      for (const [k, v] of Object.entries(next))
        if (k !== 'metadata' && k !== 'status') updated[k] = v as Json;
      const meta = (next['metadata'] ?? {}) as JsonObject;
      for (const f of ['labels', 'annotations', 'finalizers', 'ownerReferences'] as const) {
        if (meta[f] === undefined) delete updated.metadata[f];
        else updated.metadata[f] = meta[f]!;
      }
      const strip = (o: Obj) =>
        Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'metadata' && k !== 'status'));
      if (!sameJson(strip(current), strip(updated))) {
        updated.metadata['generation'] = Number(current.metadata['generation'] ?? 1) + 1;
      }
    }
    updated.apiVersion = groupVersion(r);
    updated.kind = r.kind;
    if (sameJson(updated, current)) return current;
    if (
      updated.metadata['deletionTimestamp'] &&
      ((updated.metadata['finalizers'] as Json[] | undefined) ?? []).length === 0
    ) {
      this.remove(r, updated, 'Background');
      return updated;
    }
    updated.metadata['resourceVersion'] = this.nextVersion();
    this.store(this.key(r, updated.metadata.namespace, updated.metadata.name), updated);
    this.emit('MODIFIED', r, updated);
    return updated;
  }

  delete(r: ServedResource, obj: Obj, propagation: string): Obj {
    const finalizers = (obj.metadata['finalizers'] as Json[] | undefined) ?? [];
    if (finalizers.length > 0) {
      if (obj.metadata['deletionTimestamp']) return obj;
      const marked = structuredClone(obj);
      marked.metadata['deletionTimestamp'] = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      marked.metadata['resourceVersion'] = this.nextVersion();
      this.store(this.key(r, obj.metadata.namespace, obj.metadata.name), marked);
      this.emit('MODIFIED', r, marked);
      return marked;
    }
    this.remove(r, obj, propagation);
    return obj;
  }

  /** Removes an object and, unless orphaned, the objects it owns (the garbage collector). */
  private remove(r: ServedResource, obj: Obj, propagation: string): void {
    const key = this.key(r, obj.metadata.namespace, obj.metadata.name);
    this.unindexLabels(key, this.objects.get(key) ?? obj);
    this.objects.delete(key);
    this.byKind.get(String(obj.kind))?.delete(key);
    this.unfinishedPods.delete(key);
    this.resourceOf.delete(key);
    this.nextVersion();
    this.emit('DELETED', r, obj);
    if (propagation === 'Orphan') return;
    const uid = obj.metadata['uid'];
    for (const [otherKey, other] of [...this.objects.entries()]) {
      const owners = (other.metadata['ownerReferences'] as { uid?: string }[] | undefined) ?? [];
      const served = this.resourceOf.get(otherKey);
      if (served && owners.some((o) => o.uid === uid)) this.delete(served, other, 'Background');
    }
  }
}

async function handle(
  state: ClusterState,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sim');
  const method = req.method ?? 'GET';
  const path = url.pathname.replace(/\/+$/, '');
  if (path === '/version') {
    return sendJson(res, 200, {
      major: '1',
      minor: '33',
      gitVersion: 'v1.33.0-sim',
      platform: 'linux/amd64',
    });
  }
  if (path === '/api')
    return sendJson(res, 200, {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [],
    });
  if (path === '/apis') return sendJson(res, 200, groupList(state));
  const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/(.*))?$/.exec(path);
  if (!m)
    throw new ApiError(
      404,
      'NotFound',
      `the server could not find the requested resource (${path})`,
    );
  const group = m[2] ?? '';
  const version = m[1] ?? m[3]!;
  const rest = (m[4] ?? '').split('/').filter(Boolean).map(decodeURIComponent);
  if (rest.length === 0) {
    if (method !== 'GET') throw new ApiError(405, 'MethodNotAllowed', 'method not allowed');
    return sendJson(res, 200, resourceList(state, group, version));
  }
  let namespace: string | undefined;
  let parts = rest;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    parts = rest.slice(2);
  }
  const [resourceName, name, subresource, ...subpath] = parts as [
    string,
    string | undefined,
    string | undefined,
    ...string[],
  ];
  const r = state.find(group, version, resourceName);
  if (!r)
    throw new ApiError(
      404,
      'NotFound',
      `the server could not find the requested resource (${resourceName})`,
    );
  if (r.namespaced === false) namespace = undefined;
  if (r.kind === 'Pod' && subresource === 'log' && name)
    return podLog(state, res, r, namespace, name, url);
  if (r.kind === 'Service' && subresource === 'proxy' && name)
    return proxy(state, req, res, r, namespace, name, subpath, url);
  if (
    subresource === 'scale' &&
    name &&
    (r.kind === 'Deployment' || r.kind === 'ReplicaSet' || r.kind === 'StatefulSet')
  ) {
    return scaleSubresource(state, req, res, r, namespace, name, method);
  }
  if (subresource && subresource !== 'status')
    throw new ApiError(404, 'NotFound', `subresource ${subresource} is not simulated`);

  if (!name) {
    const watching = ['1', 'true'].includes(url.searchParams.get('watch') ?? '');
    if (method === 'GET' && watching) return watch(state, req, res, r, namespace, url);
    if (method === 'GET') return sendJson(res, 200, listOf(state, r, namespace, url));
    if (method === 'POST')
      return sendJson(res, 201, state.create(r, namespace, await readJson(req)));
    throw new ApiError(405, 'MethodNotAllowed', `${method} on a collection`);
  }
  switch (method) {
    case 'GET':
      return sendJson(res, 200, state.get(r, namespace, name));
    case 'PUT':
      return sendJson(
        res,
        200,
        state.update(r, state.get(r, namespace, name), await readJson(req), subresource),
      );
    case 'PATCH':
      return sendJson(res, 200, await patch(state, req, r, namespace, name, url, subresource));
    case 'DELETE': {
      const body = await readBody(req);
      const propagation =
        (body
          ? (JSON.parse(body) as { propagationPolicy?: string }).propagationPolicy
          : undefined) ??
        url.searchParams.get('propagationPolicy') ??
        'Background';
      const obj = state.delete(r, state.get(r, namespace, name), propagation);
      return sendJson(res, 200, obj);
    }
    default:
      throw new ApiError(405, 'MethodNotAllowed', `${method} is not allowed`);
  }
}

async function patch(
  state: ClusterState,
  req: IncomingMessage,
  r: ServedResource,
  namespace: string | undefined,
  name: string,
  url: URL,
  subresource: string | undefined,
): Promise<Obj> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
  const body = await readBody(req);
  if (type === 'application/apply-patch+yaml') {
    // Simplified server-side apply: create if missing, else merge the applied fields onto the
    // object (no field ownership, so fields dropped from the applied config are not removed).
    const applied = JSON.parse(body) as JsonObject;
    const key = state.key(r, namespace, name);
    if (!state.objects.has(key)) return state.create(r, namespace, applied);
    const current = state.objects.get(key)!;
    return state.update(
      r,
      current,
      mergePatch(current as Json, withoutResourceVersion(applied)) as JsonObject,
      subresource,
    );
  }
  const current = state.get(r, namespace, name);
  const patchBody = JSON.parse(body) as Json;
  let next: Json;
  try {
    if (type === 'application/json-patch+json') next = jsonPatch(current as Json, patchBody);
    else if (type === 'application/merge-patch+json') next = mergePatch(current as Json, patchBody);
    else if (type === 'application/strategic-merge-patch+json') {
      if (!r.builtIn)
        throw new ApiError(
          415,
          'UnsupportedMediaType',
          `strategic merge patch is not supported for custom resource ${r.kind}`,
        );
      next = strategicMerge(current as Json, patchBody);
    } else
      throw new ApiError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format: ${type}`,
      );
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError(422, 'Invalid', `the patch could not be applied: ${(err as Error).message}`);
  }
  void url;
  return state.update(r, current, next as JsonObject, subresource);
}

/** autoscaling/v1 Scale over spec.replicas (what `kubectl scale` and HPAs use). */
async function scaleSubresource(
  state: ClusterState,
  req: IncomingMessage,
  res: ServerResponse,
  r: ServedResource,
  namespace: string | undefined,
  name: string,
  method: string,
) {
  let obj = state.get(r, namespace, name);
  if (method === 'PUT' || method === 'PATCH') {
    const body = JSON.parse(await readBody(req)) as { spec?: { replicas?: number } };
    const replicas = body.spec?.replicas;
    if (typeof replicas !== 'number')
      throw new ApiError(422, 'Invalid', 'spec.replicas: Required value');
    obj = state.update(r, obj, {
      ...obj,
      spec: { ...((obj['spec'] ?? {}) as JsonObject), replicas },
    });
  } else if (method !== 'GET') {
    throw new ApiError(405, 'MethodNotAllowed', `${method} is not allowed on scale`);
  }
  const spec = (obj['spec'] ?? {}) as {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> };
  };
  const selector = Object.entries(spec.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  sendJson(res, 200, {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name,
      namespace,
      resourceVersion: obj.metadata['resourceVersion'],
      uid: obj.metadata['uid'],
    },
    spec: { replicas: spec.replicas ?? 1 },
    status: { replicas: Number(((obj['status'] ?? {}) as JsonObject)['replicas'] ?? 0), selector },
  });
}

function withoutResourceVersion(o: JsonObject): JsonObject {
  const meta = { ...((o['metadata'] ?? {}) as JsonObject) };
  delete meta['resourceVersion'];
  return { ...o, metadata: meta };
}

/**
 * A watch: headers flushed at once (informers hang otherwise), then one JSON line per event.
 * Without a resourceVersion it starts with the current objects as ADDED; with one older than the
 * retained history it answers an ERROR event with a 410 Expired Status, as the API server does.
 */
function watch(
  state: ClusterState,
  req: IncomingMessage,
  res: ServerResponse,
  r: ServedResource,
  namespace: string | undefined,
  url: URL,
) {
  const matches = selectorFilter(url);
  const sameResource = (e: WatchEvent) =>
    e.resource.name === r.name && e.resource.group === r.group && e.resource.version === r.version;
  const visible = (o: Obj) =>
    (namespace === undefined || o.metadata.namespace === namespace) && matches(o);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  const send = (type: string, object: unknown) =>
    res.write(JSON.stringify({ type, object }) + '\n');
  const from = url.searchParams.get('resourceVersion');
  if (!from || from === '0') {
    for (const o of state.list(r, namespace).filter(matches)) send('ADDED', o);
  } else {
    const rv = Number(from);
    const oldest = state.events[0]?.rv ?? Number(state.currentVersion()) + 1;
    if (rv < oldest - 1) {
      send('ERROR', {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'Expired',
        code: 410,
        message: `too old resource version: ${rv} (${oldest - 1})`,
      });
      res.end();
      return;
    }
    for (const e of state.events)
      if (e.rv > rv && sameResource(e) && visible(e.object)) send(e.type, e.object);
  }
  const listener = (e: WatchEvent) => {
    if (sameResource(e) && visible(e.object)) send(e.type, e.object);
  };
  state.watchers.add(listener);
  const timeout = Number(url.searchParams.get('timeoutSeconds') ?? 0);
  const timer = timeout > 0 ? setTimeout(() => void res.end(), timeout * 1000) : undefined;
  const close = () => {
    clearTimeout(timer);
    state.watchers.delete(listener);
  };
  req.on('close', close);
  res.on('close', close);
}

function listOf(state: ClusterState, r: ServedResource, namespace: string | undefined, url: URL) {
  const filter = selectorFilter(url);
  const selector = url.searchParams.get('labelSelector');
  const candidates = selector
    ? state
        .withLabels(r.kind, parseLabelSelector(selector))
        ?.filter(
          (o) =>
            o.apiVersion === groupVersion(r) &&
            (namespace === undefined || o.metadata.namespace === namespace),
        )
    : undefined;
  return {
    apiVersion: groupVersion(r),
    kind: `${r.kind}List`,
    metadata: { resourceVersion: state.currentVersion() },
    items: (candidates ?? state.list(r, namespace)).filter(filter),
  };
}

function labelPairs(obj: Obj): string[] {
  const labels = (obj.metadata['labels'] ?? {}) as Record<string, string>;
  return Object.entries(labels).map(([k, v]) => `${String(obj.kind)}\u0000${k}=${v}`);
}

/** The label and field selectors of a list or watch request, as a predicate. */
function selectorFilter(url: URL): (o: Obj) => boolean {
  const checks: ((o: Obj) => boolean)[] = [];
  const labelSelector = url.searchParams.get('labelSelector');
  if (labelSelector) {
    try {
      const requirements = parseLabelSelector(labelSelector);
      checks.push((o) =>
        matchesLabels(requirements, o.metadata['labels'] as Record<string, string> | undefined),
      );
    } catch (err) {
      if (err instanceof SelectorError) throw new ApiError(400, 'BadRequest', err.message);
      throw err;
    }
  }
  for (const clause of (url.searchParams.get('fieldSelector') ?? '').split(',').filter(Boolean)) {
    const fm = /^([^!=]+)(==|=|!=)(.*)$/.exec(clause);
    if (!fm) throw new ApiError(400, 'BadRequest', `invalid field selector "${clause}"`);
    const [, field, op, value] = fm as unknown as [string, string, string, string];
    checks.push((o) => {
      const actual = field
        .split('.')
        .reduce<Json | undefined>(
          (v, k) => (v && typeof v === 'object' && !Array.isArray(v) ? v[k] : undefined),
          o as Json,
        );
      return op === '!=' ? actual !== value : actual === value;
    });
  }
  return (o) => checks.every((check) => check(o));
}

function podLog(
  state: ClusterState,
  res: ServerResponse,
  r: ServedResource,
  namespace: string | undefined,
  name: string,
  url: URL,
) {
  const pod = state.get(r, namespace, name);
  const annotations = (pod.metadata['annotations'] ?? {}) as Record<string, string>;
  let text =
    state.logs.get(`${namespace ?? 'default'}/${name}`) ?? annotations[LOGS_ANNOTATION] ?? '';
  const tail = Number(url.searchParams.get('tailLines'));
  if (Number.isInteger(tail) && tail > 0)
    text = text.split('\n').filter(Boolean).slice(-tail).join('\n') + '\n';
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end(text);
}

/** Forwards to the address a Service's annotation names: how tests stand in for cluster DNS. */
async function proxy(
  state: ClusterState,
  req: IncomingMessage,
  res: ServerResponse,
  r: ServedResource,
  namespace: string | undefined,
  nameAndPort: string,
  subpath: string[],
  url: URL,
) {
  const service = state.get(r, namespace, nameAndPort.split(':')[0]!);
  const target = ((service.metadata['annotations'] ?? {}) as Record<string, string>)[
    PROXY_ANNOTATION
  ];
  if (!target)
    throw new ApiError(
      503,
      'ServiceUnavailable',
      `no endpoints available for service "${nameAndPort}"`,
    );
  const body = await readBody(req);
  const to = new URL(`/${subpath.join('/')}${url.search}`, target);
  await new Promise<void>((resolve, reject) => {
    const upstream = httpRequest(
      to,
      {
        method: req.method ?? 'GET',
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, {
          'Content-Type': up.headers['content-type'] ?? 'text/plain',
        });
        up.pipe(res);
        up.on('end', resolve);
      },
    );
    upstream.on('error', reject);
    upstream.end(body || undefined);
  });
}

function groupList(state: ClusterState) {
  const groups = new Map<string, Set<string>>();
  for (const r of state.resources) {
    if (!r.group) continue;
    const versions = groups.get(r.group) ?? new Set<string>();
    versions.add(r.version);
    groups.set(r.group, versions);
  }
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups].map(([name, versions]) => {
      const list = [...versions].map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
      return { name, versions: list, preferredVersion: list[0] };
    }),
  };
}

function resourceList(state: ClusterState, group: string, version: string) {
  const served = state.resources.filter((r) => r.group === group && r.version === version);
  if (served.length === 0)
    throw new ApiError(404, 'NotFound', `no API group version ${group}/${version}`);
  const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
  const resources = served.flatMap((r) => [
    {
      name: r.name,
      singularName: r.singularName,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs,
      shortNames: r.shortNames,
    },
    {
      name: `${r.name}/status`,
      singularName: '',
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: ['get', 'patch', 'update'],
    },
    ...(r.kind === 'Pod'
      ? [{ name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] }]
      : []),
    ...(['Deployment', 'ReplicaSet', 'StatefulSet'].includes(r.kind)
      ? [
          {
            name: `${r.name}/scale`,
            singularName: '',
            namespaced: true,
            group: 'autoscaling',
            version: 'v1',
            kind: 'Scale',
            verbs: ['get', 'patch', 'update'],
          },
        ]
      : []),
  ]);
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources,
  };
}

function notFound(r: ServedResource, name: string): ApiError {
  return new ApiError(
    404,
    'NotFound',
    `${r.name}${r.group ? `.${r.group}` : ''} "${name}" not found`,
  );
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function readJson(req: IncomingMessage): Promise<JsonObject> {
  const body = await readBody(req);
  try {
    return JSON.parse(body) as JsonObject;
  } catch (err) {
    throw new ApiError(400, 'BadRequest', `invalid JSON body: ${(err as Error).message}`);
  }
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(text);
}

function sendStatus(res: ServerResponse, err: ApiError): void {
  if (res.headersSent) return void res.end();
  sendJson(res, err.code, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: err.message,
    reason: err.reason,
    code: err.code,
  });
}
