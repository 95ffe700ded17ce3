/**
 * The HTTP API of a control plane: apply, list, get, patch, delete and the event log of any
 * Kubernetes-style resource, with Kubernetes-style Status errors. Plain node:http; the routes only
 * translate requests into messages and read models (ControlPlane), never decide anything.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import type { ControlPlane } from '../runtime/control-plane.js';
import type { Log } from '../core/log.js';
import { silentLog } from '../core/log.js';
import type { KubeObject, PatchType } from '../core/objects.js';
import { jsonPatch, mergePatch } from '../core/objects.js';
import type { Message } from '../core/types.js';
import { CLUSTER_SCOPED_NAMESPACE, HOME_CLUSTER, formatKey } from '../core/types.js';
import type { MessageOutcome } from '../core/runner.js';
import { isNamespaced, resolveKind } from '../resources/catalog.js';
import { validateObject } from '../resources/validate-object.js';
import type { FieldError } from '../resources/validate-object.js';
import { matchesLabels, parseLabelSelector, SelectorError } from '../resources/label-selector.js';
import { BodyError, parseDocuments } from './documents.js';
import { generateName } from '../resources/names.js';
import type { Outbox } from '../core/ports.js';
import type { WebhookIngress } from '../events/ingress.js';
import type { IngressItem } from '../events/ingest.js';
import { RequestRejected } from '../events/sources/http-source.js';
import { SecretNotFoundError } from '../core/ports.js';
import type { SecretObject } from '../core/ports.js';
import type { Json, JsonObject } from '../core/types.js';
import { userIdentifier } from '../cd/rbac.js';
import type { Authenticator, Claims, StaticUser } from './authz.js';
import { AuthError, Authorizer, bearerAuthenticator } from './authz.js';
import type { Permission } from './permissions.js';
import {
  applyPermissions,
  keyPermission,
  objectPermission,
  patchPermissions,
  rbacName,
  rollbackPermission,
  secretFromObject,
  secretPermission,
} from './permissions.js';
import { TokenRequestError, createProjectToken } from './project-tokens.js';
import {
  GITHUB_SECRET_KEY,
  GITLAB_SECRET_KEY,
  readWebhook,
  shouldRefresh,
  WEBHOOK_SECRET_NAME,
} from '../cd/webhook.js';

export interface ApiServerOptions {
  controlPlane: ControlPlane;
  /**
   * `token`: the embedded runtime's bearer tokens (the admin token is Argo CD's `admin`; static
   * users; project role JWTs). `authenticate`: callers found another way (API Gateway's
   * authorizer). Both enforce Argo CD's RBAC on every route. `none`: no caller, no RBAC (Argo CD's
   * server.disable.auth), for loopback use only.
   */
  auth:
    | { token: string; users?: readonly StaticUser[] }
    | { authenticate: Authenticator }
    | { none: true };
  /** How long one read of the RBAC policy is reused (authz.ts); default 5 s. */
  policyCacheMs?: number;
  log?: Log;
  version: string;
  /** API Gateway's payload limit. */
  maxBodyBytes?: number;
  /** How long a write waits for its commit before answering 202. */
  defaultWaitMs?: number;
  /**
   * Argo Events' front door: `POST /webhooks/<namespace>/<eventsource>/<event>` (authenticated by
   * the event source's own secret, not the API token) and `POST /api/v1/ingress`, which puts a
   * raw message (an S3 notification, a Lambda Kafka payload) on the ingress queue.
   */
  events?: { webhooks: WebhookIngress; ingress: Outbox<IngressItem> };
}

class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

type Query = URLSearchParams;
type Ref = { kind: string; namespace: string; name: string };

export function createApiServer(options: ApiServerOptions): Server {
  const log = options.log ?? silentLog;
  const api = new Api(options);
  return createServer((req, res) => {
    api.handle(req, res).catch((err: unknown) => {
      if (err instanceof HttpError)
        return sendStatus(res, err.code, err.reason, err.message, err.details);
      if (err instanceof AuthError)
        return sendStatus(
          res,
          err.code,
          err.code === 401 ? 'Unauthorized' : 'Forbidden',
          err.message,
          err.details,
        );
      if (err instanceof TokenRequestError)
        return sendStatus(res, err.code, err.reason, err.message);
      log.error('request failed', { method: req.method, url: req.url, error: String(err) });
      sendStatus(
        res,
        500,
        'InternalError',
        'internal error: the request may or may not have been applied; see the logs',
      );
    });
  });
}

/** The caller's claims, or undefined when the server runs without auth (and without RBAC). */
type Caller = Claims | undefined;

class Api {
  private readonly cp: ControlPlane;
  private readonly authenticate: Authenticator | undefined;
  private readonly authz: Authorizer;

  constructor(private readonly options: ApiServerOptions) {
    this.cp = options.controlPlane;
    const auth = options.auth;
    this.authenticate =
      'token' in auth
        ? bearerAuthenticator({
            adminToken: auth.token,
            ...(auth.users ? { users: auth.users } : {}),
          })
        : 'authenticate' in auth
          ? auth.authenticate
          : undefined;
    this.authz = new Authorizer({
      controlPlane: this.cp,
      ...(options.policyCacheMs !== undefined ? { cacheMs: options.policyCacheMs } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    if (url.pathname === '/healthz') return sendText(res, 200, 'ok');
    if (url.pathname.startsWith('/webhooks/')) return this.webhook(req, res, url);
    // Argo CD's git webhook: authenticated by the webhook secret in argocd-secret, not the token.
    if (url.pathname === '/api/webhook') {
      if (method !== 'POST') throw methodNotAllowed(method, 'POST');
      return this.gitWebhook(req, res);
    }
    const caller = this.authenticate ? await this.authenticate(req, this.authz) : undefined;
    if (url.pathname === '/api/v1/ingress') {
      if (method !== 'POST') throw methodNotAllowed(method, 'POST');
      // Raw ingress feeds every event source: not an Argo CD resource, role:admin by default.
      await this.require(caller, [{ resource: 'ingress', action: 'create', object: 'raw' }]);
      return this.ingress(req, res);
    }
    if (url.pathname === '/version') return sendJson(res, 200, { version: this.options.version });
    if (url.pathname === '/api/v1/apply') {
      if (method !== 'POST') throw methodNotAllowed(method, 'POST');
      return this.apply(req, res, url.searchParams, caller);
    }
    const token = /^\/api\/v1\/projects\/([^/]+)\/roles\/([^/]+)\/token$/.exec(url.pathname);
    if (token) {
      if (method !== 'POST') throw methodNotAllowed(method, 'POST');
      return this.createToken(
        req,
        res,
        caller,
        decodeURIComponent(token[1]!),
        decodeURIComponent(token[2]!),
      );
    }
    const prefix = '/api/v1/resources/';
    if (!url.pathname.startsWith(prefix))
      throw new HttpError(404, 'NotFound', `no route ${url.pathname}`);
    const parts = url.pathname
      .slice(prefix.length)
      .split('/')
      .filter(Boolean)
      .map(decodeURIComponent);
    const kind = parts[0] ? (resolveKind(parts[0])?.kind ?? parts[0]) : undefined;
    const operation =
      parts.length === 4 &&
      kind === 'Application' &&
      (parts[3] === 'sync' || parts[3] === 'rollback')
        ? parts[3]
        : undefined;
    if (
      !kind ||
      parts.length === 2 ||
      parts.length > 4 ||
      (parts.length === 4 && parts[3] !== 'events' && !operation)
    ) {
      throw new HttpError(404, 'NotFound', `no route ${url.pathname}`);
    }
    if (parts.length === 1) {
      if (method !== 'GET') throw methodNotAllowed(method, 'GET');
      return this.list(res, kind, url.searchParams, caller);
    }
    const cluster = url.searchParams.get('cluster') ?? HOME_CLUSTER;
    const ref = { cluster, kind, namespace: parts[1]!, name: parts[2]! };
    const key = formatKey(ref);
    if (operation) {
      if (method !== 'POST') throw methodNotAllowed(method, 'POST');
      return this.operation(req, res, key, ref, operation, url.searchParams, caller);
    }
    if (parts.length === 4) {
      if (method !== 'GET') throw methodNotAllowed(method, 'GET');
      await this.requireExisting(caller, ref, (await this.cp.get(key)).object, 'get');
      return this.events(res, key, url.searchParams);
    }
    if (kind === 'Secret') return this.secret(res, method, parts[1]!, parts[2]!, caller);
    switch (method) {
      case 'GET':
        return this.get(res, key, ref, caller);
      case 'PATCH':
        return this.patch(req, res, key, ref, url.searchParams, caller);
      case 'DELETE':
        return this.delete(res, key, ref, url.searchParams, caller);
      default:
        throw methodNotAllowed(method, 'GET, PATCH, DELETE');
    }
  }

  /** A webhook delivery: the event source's route decides (signature, method, size). */
  private async webhook(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const events = this.options.events;
    const parts = url.pathname.slice('/webhooks/'.length).split('/').map(decodeURIComponent);
    if (!events || parts.length !== 3 || parts.some((p) => p === ''))
      throw new HttpError(
        404,
        'NotFound',
        `no route ${url.pathname}: use /webhooks/<namespace>/<eventsource>/<event>`,
      );
    const limit = this.options.maxBodyBytes ?? 10 * 1024 * 1024;
    const body = await readBody(req, limit);
    const outcome = await events.webhooks
      .handle(
        {
          cluster: url.searchParams.get('cluster') ?? HOME_CLUSTER,
          namespace: parts[0]!,
          eventSource: parts[1]!,
          eventName: parts[2]!,
        },
        { method: req.method ?? 'GET', headers: req.headers, body, query: url.searchParams },
      )
      .catch((err: unknown) => {
        if (err instanceof RequestRejected) return { status: err.status, message: err.message };
        throw err;
      });
    if (outcome.status === 202)
      return sendJson(res, 202, { result: 'accepted', message: outcome.message });
    const reasons: Record<number, string> = {
      400: 'BadRequest',
      401: 'Unauthorized',
      404: 'NotFound',
      405: 'MethodNotAllowed',
      413: 'RequestEntityTooLarge',
    };
    sendStatus(res, outcome.status, reasons[outcome.status] ?? 'Failure', outcome.message);
  }

  /**
   * Argo CD's `/api/webhook`: a GitHub or GitLab push refreshes the Applications whose source is
   * the pushed repository at the pushed branch (shared/cd/webhook.ts decides which).
   */
  private async gitWebhook(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, this.options.maxBodyBytes ?? 10 * 1024 * 1024);
    const secret = async (key: string): Promise<string | undefined> => {
      try {
        return await this.cp.secrets.get({ name: WEBHOOK_SECRET_NAME, namespace: 'argocd', key });
      } catch (err) {
        if (err instanceof SecretNotFoundError) return undefined;
        throw err;
      }
    };
    const outcome = readWebhook(req.headers, body, {
      github: await secret(GITHUB_SECRET_KEY),
      gitlab: await secret(GITLAB_SECRET_KEY),
    });
    if ('rejected' in outcome)
      throw new HttpError(
        outcome.status,
        outcome.status === 401 ? 'Unauthorized' : 'BadRequest',
        `webhook refused: ${outcome.rejected}`,
      );
    if ('ignored' in outcome)
      return sendJson(res, 200, { result: 'ignored', message: outcome.ignored });
    const apps = (await this.cp.list('Application')).filter(
      (e) => e.object && shouldRefresh(e.object as JsonObject, outcome.push),
    );
    const delivery = String(
      req.headers['x-github-delivery'] ?? req.headers['x-gitlab-event-uuid'] ?? '',
    );
    const messages: Message[] = apps.map((e) => ({
      id: delivery ? `webhook/${delivery}/${e.key}` : this.cp.newMessageId(),
      key: e.key,
      at: this.cp.clock.now(),
      event: { type: 'Refresh' },
    }));
    if (messages.length > 0) await this.cp.submit(messages, { waitMs: 0 });
    sendJson(res, 200, { result: 'refreshed', applications: apps.map((e) => e.key) });
  }

  /** A raw ingress message, as S3 or a Kafka mapping would put it on the ingress queue. */
  private async ingress(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const events = this.options.events;
    if (!events) throw new HttpError(404, 'NotFound', 'this control plane has no event ingress');
    const body = await readBody(req, 256 * 1024);
    try {
      JSON.parse(body);
    } catch (err) {
      throw new HttpError(400, 'BadRequest', `invalid JSON: ${(err as Error).message}`);
    }
    const id = createHash('sha256').update(body).digest('hex');
    await events.ingress.send([{ kind: 'raw', id, at: this.cp.clock.now(), body }]);
    sendJson(res, 202, { result: 'accepted', id });
  }

  /** Throws 403 unless the caller holds every permission (no caller: no RBAC). */
  private async require(caller: Caller, permissions: readonly Permission[]): Promise<void> {
    if (caller) await this.authz.require(caller, permissions);
  }

  /**
   * RBAC on an object that may not exist. When it does, its own permission. When it does not,
   * Argo's rule for Applications and ApplicationSets (whose project is unknown without the
   * object): 404 only to a caller who could `action` such a name in some project, 403
   * "permission denied" to everyone else, so that existence does not leak.
   */
  private async requireExisting(
    caller: Caller,
    ref: { kind: string; namespace: string; name: string },
    object: KubeObject | null,
    action: string,
  ): Promise<void> {
    if (!caller) return;
    if (object) return this.authz.require(caller, [objectPermission(object, action)]);
    if (ref.kind === 'Application' || ref.kind === 'ApplicationSet') {
      const resource = ref.kind === 'Application' ? 'applications' : 'applicationsets';
      const { projects } = await this.authz.policy();
      for (const project of new Set(['default', ...projects.keys()])) {
        const perm = { resource, action, object: rbacName(project, ref.namespace, ref.name) };
        if (await this.authz.allowed(caller, perm)) return;
      }
      throw new AuthError(403, 'permission denied', { subject: userIdentifier(caller) });
    }
    const perm =
      ref.kind === 'AppProject'
        ? { resource: 'projects', action, object: ref.name }
        : keyPermission(ref, action);
    return this.authz.require(caller, [perm]);
  }

  /** After a write of something the policy is built from, the next request reads it afresh. */
  private written(ref: { kind: string; namespace: string; name: string }): void {
    if (Authorizer.affectsPolicy(ref)) this.authz.invalidate();
  }

  private async apply(
    req: IncomingMessage,
    res: ServerResponse,
    query: Query,
    caller: Caller,
  ): Promise<void> {
    const body = await readBody(req, this.options.maxBodyBytes ?? 10 * 1024 * 1024);
    let docs: unknown[];
    try {
      docs = parseDocuments(body, req.headers['content-type']);
    } catch (err) {
      if (err instanceof BodyError) throw new HttpError(400, 'BadRequest', err.message);
      throw err;
    }
    if (docs.length === 0)
      throw new HttpError(400, 'BadRequest', 'no documents in the request body');
    const cluster = query.get('cluster') ?? HOME_CLUSTER;
    const errors: (FieldError & { document: number })[] = [];
    const warnings: string[] = [];
    const objects: KubeObject[] = [];
    docs.forEach((doc, i) => {
      const v = validateObject(doc);
      errors.push(...v.errors.map((e) => ({ ...e, document: i + 1 })));
      warnings.push(...v.warnings.map((w) => `document ${i + 1}: ${w}`));
      if (v.object) objects.push(v.object);
    });
    if (errors.length > 0) {
      const message = errors
        .map((e) => `document ${e.document}: ${e.path || '(root)'}: ${e.message}`)
        .join('; ');
      throw new HttpError(422, 'Invalid', `nothing applied: ${message}`, { causes: errors });
    }
    // Every document is authorised before any is applied: a batch is all or nothing.
    const planned: {
      object: KubeObject;
      key: string;
      namespace: string;
      current: KubeObject | null;
    }[] = [];
    for (const object of objects) {
      if (!object.metadata.name)
        object.metadata.name = generateName(String(object.metadata['generateName']));
      const namespace = isNamespaced(object.kind)
        ? object.metadata.namespace!
        : CLUSTER_SCOPED_NAMESPACE;
      const key = formatKey({ cluster, kind: object.kind, namespace, name: object.metadata.name });
      if (object.kind === 'Secret' && object.apiVersion === 'v1') {
        const secret = secretFromObject(object);
        const exists = await this.findSecret(secret.namespace, secret.name);
        await this.require(caller, [secretPermission(secret, exists ? 'update' : 'create')]);
        planned.push({ object, key, namespace, current: null });
        continue;
      }
      const current = (await this.cp.get(key)).object;
      await this.require(caller, applyPermissions(object, current));
      planned.push({ object, key, namespace, current });
    }
    const items: Record<string, unknown>[] = [];
    const messages: Message[] = [];
    const pending: { key: string; message: Message; previous: string | undefined }[] = [];
    for (const { object, key, namespace, current } of planned) {
      if (object.kind === 'Secret' && object.apiVersion === 'v1') {
        await this.cp.secrets.put(toSecret(object));
        this.written({ kind: 'Secret', namespace, name: object.metadata.name! });
        items.push({ key, result: 'configured', object: redactSecret(object) });
        continue;
      }
      const previous = current?.metadata.resourceVersion;
      const message: Message = {
        id: this.cp.newMessageId(),
        key,
        at: this.cp.clock.now(),
        event: { type: 'Apply', object },
      };
      messages.push(message);
      pending.push({ key, message, previous });
      items.push({ key });
    }
    const outcomes = await this.cp.submit(messages, {
      waitMs: waitMs(query, this.options.defaultWaitMs),
    });
    for (const { object, namespace } of planned)
      this.written({ kind: object.kind, namespace, name: object.metadata.name! });
    let queued = false;
    let p = 0;
    for (const item of items) {
      if (item['result']) continue;
      const { key, message, previous } = pending[p++]!;
      const outcome = outcomes.get(message.id);
      if (!outcome) {
        queued = true;
        item['result'] = 'queued';
        continue;
      }
      if (outcome.rejected) {
        item['result'] = 'refused';
        item['reason'] = outcome.rejected.reason;
        continue;
      }
      const { object, version } = await this.cp.get(key);
      item['version'] = version;
      item['object'] = object;
      item['result'] =
        previous === undefined
          ? 'created'
          : object?.metadata.resourceVersion === previous
            ? 'unchanged'
            : 'configured';
    }
    setWarnings(res, warnings);
    sendJson(res, queued ? 202 : 200, { items, warnings });
  }

  private async list(
    res: ServerResponse,
    kind: string,
    query: Query,
    caller: Caller,
  ): Promise<void> {
    if (kind === 'Secret')
      throw new HttpError(403, 'Forbidden', 'Secrets are never listed or returned by this API');
    let requirements;
    try {
      requirements = parseLabelSelector(query.get('labelSelector') ?? '');
    } catch (err) {
      if (err instanceof SelectorError) throw new HttpError(400, 'BadRequest', err.message);
      throw err;
    }
    const filter: { cluster?: string; namespace?: string } = {};
    const cluster = query.get('cluster');
    const namespace = query.get('namespace');
    if (cluster) filter.cluster = cluster;
    if (namespace) filter.namespace = namespace;
    const entries = await this.cp.list(kind, filter);
    const selected = entries
      .map((e) => e.object as unknown as KubeObject)
      .filter((o) => matchesLabels(requirements, o.metadata.labels));
    // As Argo CD's List: the objects the caller may not get are left out, not refused.
    const visible = caller
      ? await Promise.all(
          selected.map((o) => this.authz.allowed(caller, objectPermission(o, 'get'))),
        )
      : undefined;
    const items = selected
      .filter((_o, i) => !visible || visible[i])
      .sort((a, b) =>
        `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(
          `${b.metadata.namespace}/${b.metadata.name}`,
        ),
      );
    sendJson(res, 200, { apiVersion: 'v1', kind: `${kind}List`, items });
  }

  private async get(res: ServerResponse, key: string, ref: Ref, caller: Caller): Promise<void> {
    const { object } = await this.cp.get(key);
    await this.requireExisting(caller, ref, object, 'get');
    if (!object) throw new HttpError(404, 'NotFound', `${key} not found`);
    sendJson(res, 200, object);
  }

  private async patch(
    req: IncomingMessage,
    res: ServerResponse,
    key: string,
    ref: Ref,
    query: Query,
    caller: Caller,
  ): Promise<void> {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    const patchTypes: Record<string, PatchType> = {
      'application/merge-patch+json': 'merge',
      'application/json-patch+json': 'json',
    };
    const patchType = patchTypes[type];
    if (!patchType) {
      throw new HttpError(
        415,
        'UnsupportedMediaType',
        `Content-Type "${type}": use application/merge-patch+json or application/json-patch+json`,
      );
    }
    const body = await readBody(req, this.options.maxBodyBytes ?? 10 * 1024 * 1024);
    let patch: unknown;
    try {
      patch = JSON.parse(body);
    } catch (err) {
      throw new HttpError(400, 'BadRequest', `invalid JSON: ${(err as Error).message}`);
    }
    if (caller) {
      const { object: current } = await this.cp.get(key);
      if (!current) {
        await this.requireExisting(caller, ref, null, 'update');
        throw new HttpError(404, 'NotFound', `${key} not found`);
      }
      await this.require(
        caller,
        patchPermissions(current, patchedOrSame(current, patchType, patch)),
      );
    }
    const outcome = await this.write(key, { type: 'Patch', patchType, patch }, query);
    this.written(ref);
    if (!outcome) return sendJson(res, 202, { key, result: 'queued' });
    const { object } = await this.cp.get(key);
    if (!object)
      return sendStatus(
        res,
        200,
        'Success',
        `${key} deleted: its last finalizer was removed`,
        undefined,
        'Success',
      );
    sendJson(res, 200, object);
  }

  private async delete(
    res: ServerResponse,
    key: string,
    ref: Ref,
    query: Query,
    caller: Caller,
  ): Promise<void> {
    await this.requireExisting(caller, ref, (await this.cp.get(key)).object, 'delete');
    const outcome = await this.write(key, { type: 'Delete' }, query);
    this.written(ref);
    if (!outcome) return sendJson(res, 202, { key, result: 'queued' });
    const { object } = await this.cp.get(key);
    if (object) return sendJson(res, 200, object);
    sendStatus(res, 200, 'Success', `${key} deleted`, undefined, 'Success');
  }

  /** Sends one command and maps a refusal to its HTTP status; undefined when still queued. */
  private async write(
    key: string,
    event: Message['event'],
    query: Query,
  ): Promise<MessageOutcome | undefined> {
    const message: Message = { id: this.cp.newMessageId(), key, at: this.cp.clock.now(), event };
    const outcome = (
      await this.cp.submit([message], { waitMs: waitMs(query, this.options.defaultWaitMs) })
    ).get(message.id);
    if (outcome?.rejected) {
      const codes: Record<string, number> = {
        NotFound: 404,
        Conflict: 409,
        Invalid: 422,
        TooLarge: 413,
      };
      const code = codes[outcome.rejected.code] ?? 422;
      throw new HttpError(code, outcome.rejected.code, outcome.rejected.reason);
    }
    return outcome;
  }

  private async events(res: ServerResponse, key: string, query: Query): Promise<void> {
    const from = Math.max(1, Number(query.get('from') ?? '1') || 1);
    const limit = Math.min(1000, Math.max(1, Number(query.get('limit') ?? '100') || 100));
    const versions = await this.cp.events(key, { from, limit });
    if (versions.length === 0 && from === 1)
      throw new HttpError(404, 'NotFound', `${key} has no events`);
    sendJson(res, 200, {
      key,
      items: versions.map((v) => ({
        version: v.version,
        at: new Date(v.at).toISOString(),
        machine: v.machine,
        events: v.events.map((e) => ({
          messageId: e.messageId,
          at: new Date(e.at).toISOString(),
          type: e.event.type,
          ...(e.rejected ? { rejected: e.rejected } : {}),
          event: e.event,
        })),
        effects: v.effects.map((e) => ({ id: e.id, kind: e.kind })),
      })),
    });
  }

  private async secret(
    res: ServerResponse,
    method: string,
    namespace: string,
    name: string,
    caller: Caller,
  ): Promise<void> {
    if (method === 'DELETE') {
      const existing = await this.findSecret(namespace, name);
      await this.require(caller, [
        existing
          ? secretPermission(existing, 'delete')
          : keyPermission({ kind: 'Secret', namespace, name }, 'delete'),
      ]);
      const deleted = await this.cp.secrets.delete(namespace, name);
      this.written({ kind: 'Secret', namespace, name });
      if (!deleted) throw new HttpError(404, 'NotFound', `secret ${namespace}/${name} not found`);
      return sendStatus(
        res,
        200,
        'Success',
        `secret ${namespace}/${name} deleted`,
        undefined,
        'Success',
      );
    }
    throw new HttpError(
      403,
      'Forbidden',
      'Secrets are never returned or patched by this API; apply them again to change them',
    );
  }

  /** A Secret as stored (its type label and server / url / project decide its RBAC object). */
  private async findSecret(namespace: string, name: string): Promise<SecretObject | undefined> {
    // The Secrets port finds Secrets by label only; an empty selector lists them all.
    return (await this.cp.secrets.listByLabel({})).find(
      (s) => s.namespace === namespace && s.name === name,
    );
  }

  /**
   * Argo CD's sync and rollback of an Application as routes (`argocd app sync` / `rollback`):
   * a Sync event with the operation (the body: a sync operation, or its `sync` part), or a
   * Rollback event to a history id. RBAC: `sync`; a rollback needs `rollback` instead when
   * argocd-cm sets server.rbac.rollback.enforce.enable.
   */
  private async operation(
    req: IncomingMessage,
    res: ServerResponse,
    key: string,
    ref: Ref,
    kind: 'sync' | 'rollback',
    query: Query,
    caller: Caller,
  ): Promise<void> {
    const body = await readBody(req, 256 * 1024);
    let input: JsonObject = {};
    if (body.trim() !== '') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch (err) {
        throw new HttpError(400, 'BadRequest', `invalid JSON: ${(err as Error).message}`);
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new HttpError(400, 'BadRequest', `the ${kind} request body must be a JSON object`);
      input = parsed as JsonObject;
    }
    const { object } = await this.cp.get(key);
    if (!object) {
      await this.requireExisting(caller, ref, null, 'sync');
      throw new HttpError(404, 'NotFound', `${key} not found`);
    }
    let event: Message['event'];
    if (kind === 'sync') {
      await this.require(caller, [objectPermission(object, 'sync')]);
      const operation: JsonObject = input['sync'] !== undefined ? { ...input } : { sync: input };
      // Argo records who asked for a manual sync.
      if (caller) operation['initiatedBy'] = { username: userIdentifier(caller) };
      event = { type: 'Sync', operation };
    } else {
      const id = input['id'];
      if (typeof id !== 'number' || !Number.isInteger(id))
        throw new HttpError(
          400,
          'BadRequest',
          'rollback: body.id must be the history id to roll back to (an integer), e.g. {"id": 3}',
        );
      const { rollbackEnforced } = await this.authz.policy();
      await this.require(caller, [rollbackPermission(object, rollbackEnforced)]);
      event = {
        type: 'Rollback',
        id,
        ...(input['prune'] === true ? { prune: true } : {}),
        ...(input['dryRun'] === true ? { dryRun: true } : {}),
      };
    }
    const outcome = await this.write(key, event, query);
    if (!outcome) return sendJson(res, 202, { key, result: 'queued' });
    sendJson(res, 200, (await this.cp.get(key)).object);
  }

  /** `argocd proj role create-token`: POST /api/v1/projects/<project>/roles/<role>/token. */
  private async createToken(
    req: IncomingMessage,
    res: ServerResponse,
    caller: Caller,
    project: string,
    role: string,
  ): Promise<void> {
    const body = (await readBody(req, 64 * 1024)).trim();
    let input: { expiresIn?: unknown; id?: unknown } = {};
    if (body !== '') {
      try {
        input = JSON.parse(body) as typeof input;
      } catch (err) {
        throw new HttpError(400, 'BadRequest', `invalid JSON: ${(err as Error).message}`);
      }
    }
    if (input.id !== undefined && typeof input.id !== 'string')
      throw new HttpError(400, 'BadRequest', 'id: must be a string');
    if (input.expiresIn !== undefined && typeof input.expiresIn !== 'number')
      throw new HttpError(400, 'BadRequest', 'expiresIn: must be a number of seconds');
    const created = await createProjectToken(this.cp, this.authz, caller ?? { sub: 'admin' }, {
      project,
      role,
      ...(input.id ? { id: input.id } : {}),
      ...(input.expiresIn !== undefined ? { expiresIn: input.expiresIn } : {}),
    });
    sendJson(res, 200, created);
  }
}

function toSecret(object: KubeObject) {
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(
    (object['data'] as Record<string, string> | undefined) ?? {},
  )) {
    data[k] = Buffer.from(v, 'base64').toString('utf8');
  }
  Object.assign(data, (object['stringData'] as Record<string, string> | undefined) ?? {});
  return {
    name: object.metadata.name,
    namespace: object.metadata.namespace ?? 'default',
    labels: object.metadata.labels ?? {},
    data,
  };
}

function redactSecret(object: KubeObject): KubeObject {
  const keys = [
    ...Object.keys((object['data'] as object | undefined) ?? {}),
    ...Object.keys((object['stringData'] as object | undefined) ?? {}),
  ];
  const { data: _d, stringData: _s, ...rest } = object;
  return { ...rest, data: Object.fromEntries(keys.map((k) => [k, '<redacted>'])) } as KubeObject;
}

/** The object a patch would produce, to judge it; the object itself when the patch is invalid. */
function patchedOrSame(current: KubeObject, patchType: PatchType, patch: unknown): KubeObject {
  try {
    const base = current as unknown as Json;
    const next =
      patchType === 'merge' ? mergePatch(base, patch as Json) : jsonPatch(base, patch as Json);
    return next as unknown as KubeObject;
  } catch {
    // The write refuses it with the reason; RBAC still asks for `update`.
    return current;
  }
}

function waitMs(query: Query, fallback = 10_000): number {
  const wait = Number(query.get('wait') ?? fallback);
  return Number.isFinite(wait) ? Math.min(Math.max(wait, 0), 60_000) : fallback;
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit)
      throw new HttpError(413, 'RequestEntityTooLarge', `request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function methodNotAllowed(method: string, allowed: string): HttpError {
  return new HttpError(
    405,
    'MethodNotAllowed',
    `${method} is not allowed here (allowed: ${allowed})`,
  );
}

function setWarnings(res: ServerResponse, warnings: string[]): void {
  if (warnings.length === 0) return;
  // As kube-apiserver: one Warning header value per warning, in the 299 form kubectl prints.
  res.setHeader(
    'Warning',
    warnings.map((w) => `299 - "${w.replace(/"/g, "'")}"`),
  );
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain' });
  res.end(text);
}

function sendStatus(
  res: ServerResponse,
  code: number,
  reason: string,
  message: string,
  details?: unknown,
  status: 'Success' | 'Failure' = 'Failure',
): void {
  sendJson(res, code, {
    kind: 'Status',
    apiVersion: 'v1',
    status,
    message,
    reason,
    code,
    ...(details ? { details } : {}),
  });
}
