/**
 * functions/api on AWS: the embedded HTTP API's routes (shared/api/http-server.ts), served from
 * API Gateway HTTP API (payload v2) events. API Gateway has already authenticated the caller (IAM
 * SigV4 or a JWT authorizer); the routes take the caller from the authorizer's context
 * (shared/api/gateway-caller.ts) and enforce Argo CD's RBAC on it. An event without that context
 * is a direct Lambda invoke, which IAM allows only to holders of lambda:InvokeFunction on this
 * function (operators): it runs as Argo CD's `admin` unless `directInvoke: 'refuse'`. Writes go to the commands
 * queue; the answer waits briefly for the commit (API Gateway cuts every request at 30 s) and
 * otherwise says `queued`: the controller applies it later.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createApiServer } from '../../api/http-server.js';
import type { ControlPlane } from '../control-plane.js';
import type {
  Clock,
  CommandQueue,
  EventStore,
  IndexEntry,
  VersionItem,
  WritableSecrets,
} from '../../core/ports.js';
import type { Message, ResourceKey } from '../../core/types.js';
import type { KubeObject } from '../../core/objects.js';
import type { MessageOutcome } from '../../core/runner.js';
import { Runner } from '../../core/runner.js';
import type { KindMachine } from '../../core/machines.js';
import { machineRegistry } from '../../core/machines.js';
import type { Log } from '../../core/log.js';
import { silentLog } from '../../core/log.js';
import { callerFromAuthorizer } from '../../api/gateway-caller.js';
import { AuthError } from '../../api/authz.js';

/** API Gateway's integration timeout is 30 s: a write never waits longer than this for its commit. */
export const API_MAX_WAIT_MS = 20_000;
/** A write's wait when the caller gives no `?wait=` (the controller usually commits within 1 s). */
export const API_DEFAULT_WAIT_MS = 2_000;
/** API Gateway's payload limit. */
export const API_MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface AwsControlPlaneDeps {
  store: Pick<EventStore, 'readTail' | 'readRange' | 'listIndex'>;
  commands: CommandQueue;
  kinds: readonly KindMachine[];
  secrets: WritableSecrets;
  clock: Clock;
  newId?: () => string;
  /** How often a waiting write re-reads the resource's log. */
  pollMs?: number;
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The ControlPlane over the table and the commands queue. A write's outcome is found in the
 * resource's log: the version that folded the message in names it (and a refusal's reason; the
 * log keeps no refusal code, so a refusal read back is `Rejected`, as a replay reads it).
 */
export class AwsControlPlane implements ControlPlane {
  readonly clock: Clock;
  readonly secrets: WritableSecrets;
  private readonly reader: Runner;

  constructor(private readonly deps: AwsControlPlaneDeps) {
    this.clock = deps.clock;
    this.secrets = deps.secrets;
    // Read-only: it never commits, so it never dispatches.
    this.reader = new Runner({
      store: deps.store as EventStore,
      effects: {
        send: () => Promise.reject(new Error('the API function reads, it does not commit')),
      },
      kinds: machineRegistry(deps.kinds),
    });
  }

  async submit(
    messages: Message[],
    options: { waitMs?: number } = {},
  ): Promise<Map<string, MessageOutcome>> {
    const outcomes = new Map<string, MessageOutcome>();
    const waitMs = Math.min(
      Math.max(options.waitMs ?? 0, 0),
      this.deps.maxWaitMs ?? API_MAX_WAIT_MS,
    );
    const keys = [...new Set(messages.map((m) => m.key))];
    // Versions before the send: the outcome is in a later one.
    const after = new Map<ResourceKey, number>();
    if (waitMs > 0)
      await Promise.all(
        keys.map(async (key) =>
          after.set(key, (await this.deps.store.readTail(key, 1))[0]?.version ?? 0),
        ),
      );
    await this.deps.commands.send(messages);
    if (waitMs === 0) return outcomes;
    const deadline = this.clock.now() + waitMs;
    const sleep = this.deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    for (;;) {
      for (const key of keys) {
        const pending = new Set(
          messages.filter((m) => m.key === key && !outcomes.has(m.id)).map((m) => m.id),
        );
        if (pending.size === 0) continue;
        const versions = await this.deps.store.readRange(key, { from: after.get(key)! + 1 });
        for (const item of versions) {
          for (const logged of item.events) {
            if (!pending.has(logged.messageId)) continue;
            outcomes.set(logged.messageId, {
              messageId: logged.messageId,
              key,
              version: item.version,
              duplicate: false,
              ...(logged.rejected
                ? { rejected: { reason: logged.rejected, code: 'Rejected' } }
                : {}),
            });
          }
        }
      }
      if (outcomes.size === messages.length || this.clock.now() >= deadline) return outcomes;
      await sleep(this.deps.pollMs ?? 200);
    }
  }

  get(key: ResourceKey): Promise<{ object: KubeObject | null; version: number }> {
    return this.reader.read(key);
  }

  list(kind: string, filter?: { cluster?: string; namespace?: string }): Promise<IndexEntry[]> {
    return this.deps.store.listIndex(kind, filter);
  }

  events(key: ResourceKey, range: { from: number; limit: number }): Promise<VersionItem[]> {
    return this.deps.store.readRange(key, range);
  }

  newMessageId(): string {
    return (this.deps.newId ?? randomUUID)();
  }
}

export type ApiGatewayHandler = (
  event: APIGatewayProxyEventV2,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** functions/api: the HTTP API's routes on API Gateway events. */
export function apiHandler(
  controlPlane: ControlPlane,
  options: {
    version: string;
    log?: Log;
    defaultWaitMs?: number;
    /** How long a read of the RBAC policy is reused in this container (default 5 s). */
    policyCacheMs?: number;
    /** An event with no authorizer context (a direct invoke): `admin` (default) or refused. */
    directInvoke?: 'admin' | 'refuse';
  },
): ApiGatewayHandler {
  const server = createApiServer({
    controlPlane,
    // API Gateway authenticated the caller (IAM or JWT) before the function runs.
    auth: {
      authenticate: (req) => {
        const caller = callerFromAuthorizer(authorizerOf.get(req));
        if (caller) return Promise.resolve(caller);
        if (options.directInvoke === 'refuse')
          return Promise.reject(
            new AuthError(401, 'no authorizer context: call the API through API Gateway'),
          );
        return Promise.resolve({ sub: 'admin' });
      },
    },
    ...(options.policyCacheMs !== undefined ? { policyCacheMs: options.policyCacheMs } : {}),
    version: options.version,
    log: options.log ?? silentLog,
    maxBodyBytes: API_MAX_BODY_BYTES,
    defaultWaitMs: options.defaultWaitMs ?? API_DEFAULT_WAIT_MS,
  });
  // The server never listens: its request listener is called with each event as a request.
  const listener = server.listeners('request')[0] as RequestListener;
  return (event) => serveEvent(listener, event);
}

// The authorizer context of each request built from an event (the request object is ours).
const authorizerOf = new WeakMap<IncomingMessage, unknown>();

/** One API Gateway event through a node:http request listener, its response captured. */
export function serveEvent(
  listener: RequestListener,
  event: APIGatewayProxyEventV2,
): Promise<APIGatewayProxyStructuredResultV2> {
  const body = event.body
    ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8')
    : Buffer.alloc(0);
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  // The routes read method, url, headers and the body stream: a Readable carrying those is enough.
  const req = Object.assign(Readable.from(body.length > 0 ? [body] : []), {
    method: event.requestContext.http.method,
    url: `${event.rawPath}${query}`,
    headers: { ...event.headers },
  }) as unknown as IncomingMessage;
  authorizerOf.set(req, (event.requestContext as { authorizer?: unknown }).authorizer);
  return new Promise((resolve) => {
    const res = new CapturedResponse(resolve);
    listener(req, res as unknown as ServerResponse);
  });
}

/** The parts of ServerResponse the routes use (writeHead, setHeader, end). */
class CapturedResponse {
  private readonly headers: Record<string, string> = {};

  constructor(private readonly done: (result: APIGatewayProxyStructuredResultV2) => void) {}

  setHeader(name: string, value: string | number | readonly string[]): this {
    // API Gateway takes one value per header: repeated values are joined as HTTP allows.
    this.headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    return this;
  }

  writeHead(statusCode: number, headers: Record<string, string | number> = {}): this {
    for (const [name, value] of Object.entries(headers)) this.setHeader(name, value);
    this.statusCode = statusCode;
    return this;
  }

  statusCode = 200;

  end(text?: string): this {
    this.done({ statusCode: this.statusCode, headers: this.headers, body: text ?? '' });
    return this;
  }
}
