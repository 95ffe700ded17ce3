/**
 * Argo Events' front door on the embedded runtime: the ingress queue and its consumer (routing
 * events to Sensors), the webhook ingress the API serves under `/webhooks/...`, and, as Argo's
 * event source pods do, a listener on every port an EventSource declares (`:12000/github`), kept in
 * step with the EventSources applied.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Log } from '../../core/log.js';
import { silentLog } from '../../core/log.js';
import type { KubeObject } from '../../core/objects.js';
import { formatKey, HOME_CLUSTER, parseKey } from '../../core/types.js';
import { LocalQueue } from '../../adapters/local/local-queue.js';
import { ingestOverIndex, ingressCodec } from '../../events/ingest.js';
import type { Ingest } from '../../events/ingest.js';
import type { IngressItem } from '../../events/ingest.js';
import { WebhookIngress } from '../../events/ingress.js';
import type { WebhookTarget } from '../../events/ingress.js';
import { httpRoutes } from '../../events/sources/index.js';
import type { InboundRequest } from '../../events/sources/http-source.js';
import { RequestRejected } from '../../events/sources/http-source.js';
import type { LocalRuntime } from './runtime.js';
import type { Durability } from './runtime.js';

export interface EventIngressOptions {
  dataDir: string;
  durability: Durability;
  log?: Log;
  /** Listen on the ports EventSources declare, on this address. Default: no listeners. */
  declaredPorts?: { host: string };
}

export interface EventIngress {
  webhooks: WebhookIngress;
  ingress: LocalQueue<IngressItem>;
  /** The ports listened on, by port (the EventSources' declared ones). */
  listening(): number[];
  stop(): Promise<void>;
}

export async function startEventIngress(
  runtime: LocalRuntime,
  options: EventIngressOptions,
): Promise<EventIngress> {
  const log = options.log ?? silentLog;
  const ingress = await LocalQueue.open<IngressItem>({
    path: join(options.dataDir, 'queues', 'ingress'),
    codec: ingressCodec,
    fifo: false,
    visibilityTimeoutMs: 30_000,
    maxReceiveCount: 5,
    durability: options.durability,
  });
  const ingest = ingestFor(runtime, log);
  ingress.start(ingest.handleBatch, { batchSize: 10, concurrency: 4 });
  const webhooks = new WebhookIngress({
    eventSource: async (cluster, namespace, name) =>
      (await runtime.get(formatKey({ cluster, kind: 'EventSource', namespace, name }))).object,
    secrets: runtime.secrets,
    ingress,
    clock: runtime.clock,
    log,
    newId: randomUUID,
  });
  const ports = options.declaredPorts
    ? new DeclaredPorts(runtime, webhooks, options.declaredPorts.host, log)
    : null;
  await ports?.refresh();
  const unsubscribe = ports
    ? runtime.onCommit((notice) => {
        if (parseKey(notice.key).kind === 'EventSource') void ports.refresh();
      })
    : () => undefined;
  return {
    webhooks,
    ingress,
    listening: () => ports?.listening() ?? [],
    async stop() {
      unsubscribe();
      await ports?.stop();
      await ingress.stop();
      await ingress.close();
    },
  };
}

/** Routing to Sensors over the runtime's index and commands queue. */
export function ingestFor(runtime: LocalRuntime, log: Log = silentLog): Ingest {
  return ingestOverIndex({
    list: (kind, filter) => runtime.list(kind, filter),
    commands: runtime.commands,
    clock: runtime.clock,
    log,
  });
}

/** One HTTP server per declared port; requests go to the EventSource route at that endpoint. */
class DeclaredPorts {
  private readonly servers = new Map<number, Server>();
  private routes = new Map<string, WebhookTarget>();
  private refreshing: Promise<void> = Promise.resolve();

  constructor(
    private readonly runtime: LocalRuntime,
    private readonly webhooks: WebhookIngress,
    private readonly host: string,
    private readonly log: Log,
  ) {}

  listening(): number[] {
    return [...this.servers.keys()].sort((a, b) => a - b);
  }

  refresh(): Promise<void> {
    this.refreshing = this.refreshing
      .then(() => this.rebuild())
      .catch((err: unknown) => {
        this.log.error('event source ports not refreshed', { error: String(err) });
      });
    return this.refreshing;
  }

  private async rebuild(): Promise<void> {
    const routes = new Map<string, WebhookTarget>();
    for (const entry of await this.runtime.list('EventSource', { cluster: HOME_CLUSTER })) {
      const object = entry.object as unknown as KubeObject | null;
      if (!object) continue;
      for (const route of httpRoutes(object)) {
        const id = `${route.port}${route.endpoint}`;
        if (routes.has(id)) {
          this.log.warn('two event sources declare the same port and endpoint: first one kept', {
            route: id,
          });
          continue;
        }
        routes.set(id, {
          cluster: HOME_CLUSTER,
          namespace: object.metadata.namespace ?? 'default',
          eventSource: object.metadata.name,
          eventName: route.eventName,
        });
      }
    }
    this.routes = routes;
    const wanted = new Set([...routes.keys()].map((id) => Number(id.split('/')[0])));
    for (const port of wanted) if (!this.servers.has(port)) await this.listen(port);
    for (const [port, server] of this.servers)
      if (!wanted.has(port)) {
        this.servers.delete(port);
        server.close();
      }
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((req, res) => {
      void this.serve(port, req).then(
        ({ status, message }) => {
          res.writeHead(status, { 'Content-Type': 'text/plain' });
          res.end(message);
        },
        (err: unknown) => {
          this.log.error('webhook request failed', { port, error: String(err) });
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end('internal error: the event may not have been accepted; send it again');
        },
      );
    });
    try {
      await new Promise<void>((ok, ko) => {
        server.once('error', ko);
        server.listen(port, this.host, ok);
      });
      this.servers.set(port, server);
      this.log.info('listening for events', { port, host: this.host });
    } catch (err) {
      this.log.warn(
        'cannot listen on an event source port; its events still arrive under /webhooks on the API port',
        {
          port,
          error: String(err),
        },
      );
    }
  }

  private async serve(port: number, req: IncomingMessage) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/health') return { status: 200, message: 'OK' };
    const target = this.routes.get(`${port}${url.pathname}`);
    if (!target)
      return { status: 404, message: `no event source route ${url.pathname} on port ${port}` };
    try {
      return await this.webhooks.handle(target, await inboundRequest(req, url));
    } catch (err) {
      if (err instanceof RequestRejected) return { status: err.status, message: err.message };
      throw err;
    }
  }

  async stop(): Promise<void> {
    await this.refreshing;
    await Promise.all(
      [...this.servers.values()].map(
        (s) =>
          new Promise<void>((ok) => {
            s.close(() => ok());
            s.closeAllConnections();
          }),
      ),
    );
    this.servers.clear();
  }
}

/** Reads a request whole (the ingress checks its size against the route's limit). */
export async function inboundRequest(
  req: IncomingMessage,
  url: URL,
  limit = 11 * 1024 * 1024,
): Promise<InboundRequest> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new RequestRejected(413, `request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return {
    method: req.method ?? 'GET',
    headers: req.headers,
    body: Buffer.concat(chunks).toString('utf8'),
    query: url.searchParams,
  };
}
