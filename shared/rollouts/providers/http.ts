/**
 * HTTP for the prometheus and web providers. Argo's controller runs in the cluster, so a metric
 * may name an in-cluster address (`http://prometheus.monitoring:9090`); our effect workers run
 * outside it (Lambda), so such addresses go through the API server's service proxy
 * (DESIGN.md, "Ports and adapters") and every other address is fetched directly.
 */
import type { Kubernetes } from '../../core/kubernetes.js';

/** A Service the cluster's DNS would resolve the host to. */
export interface ServiceTarget {
  namespace: string;
  name: string;
  port: number | string;
}

export interface HttpRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Argo's `insecure: true` (skip TLS verification). */
  insecure?: boolean;
}

export interface HttpResponse {
  status: number;
  body: string;
}

/** Where a request goes, decided from the URL alone, except for two-label hosts (see below). */
export type Route =
  | { via: 'proxy'; service: ServiceTarget; path: string }
  | { via: 'fetch'; url: string }
  /** `a.b`: a Service `a` in namespace `b` if the cluster has one, else the public host. */
  | { via: 'either'; service: ServiceTarget; path: string; url: string };

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * How a pod's resolver (search path `<ns>.svc.cluster.local svc.cluster.local cluster.local`)
 * would read the host: `name` is a Service in the pod's namespace (we use the AnalysisRun's:
 * the namespace the metric was written for), `name.ns`, `name.ns.svc` and
 * `name.ns.svc.<cluster domain>` are Service `name` in `ns`. Loopback, IP addresses and hosts
 * with three or more labels not under `.svc` are outside the cluster.
 */
export function routeFor(url: string, namespace: string): Route {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(
      `"${url}" is not a URL: give scheme and host, e.g. http://prometheus.monitoring:9090`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`"${url}": only http and https URLs are supported`);
  }
  const host = parsed.hostname.toLowerCase().replace(/\.$/, '');
  const direct: Route = { via: 'fetch', url: parsed.toString() };
  if (host === 'localhost' || IPV4.test(host) || host.startsWith('[')) return direct;
  const labels = host.split('.');
  const https = parsed.protocol === 'https:';
  const port = parsed.port || (https ? '443' : '80');
  const path = `${parsed.pathname}${parsed.search}`;
  // The service proxy's `<scheme>:<name>:<port>` form reaches an https port.
  const service = (name: string, ns: string): ServiceTarget => ({
    namespace: ns,
    name: https ? `https:${name}` : name,
    port: Number(port),
  });
  const svc = labels.indexOf('svc');
  if (labels.length === 1) return { via: 'proxy', service: service(host, namespace), path };
  if (svc === 2) return { via: 'proxy', service: service(labels[0]!, labels[1]!), path };
  if (labels.length === 2) {
    return { via: 'either', service: service(labels[0]!, labels[1]!), path, url: direct.url };
  }
  return direct;
}

/**
 * One HTTP exchange with a timeout. Non-2xx answers are returned, not thrown: each provider
 * words its own error. Network failures and timeouts throw.
 */
export async function httpExchange(
  kubernetes: Kubernetes,
  namespace: string,
  request: HttpRequest,
): Promise<HttpResponse> {
  let route = routeFor(request.url, namespace);
  if (route.via === 'either') {
    const { service } = route;
    const found = await kubernetes.get({
      apiVersion: 'v1',
      kind: 'Service',
      namespace: service.namespace,
      name: service.name.replace(/^https:/, ''),
    });
    route = found ? { via: 'proxy', service, path: route.path } : { via: 'fetch', url: route.url };
  }
  const init = {
    method: request.method ?? 'GET',
    headers: request.headers ?? {},
    ...(request.body !== undefined ? { body: request.body } : {}),
  };
  const seconds = request.timeoutMs / 1000;
  if (route.via === 'proxy') {
    const { service, path } = route;
    const answer = withTimeout(
      kubernetes.proxy(service, path, init),
      request.timeoutMs,
      `${init.method} ${request.url} (through the service proxy) timed out after ${seconds}s`,
    );
    const { status, body } = await answer;
    return { status, body };
  }
  if (request.insecure && route.url.startsWith('https:')) {
    // fetch has no per-request switch for certificate checks; saying so beats a silent check.
    throw new Error(
      `${request.url}: insecure (skip TLS verification) is not supported for addresses outside ` +
        `the cluster; give the server a trusted certificate or use http`,
    );
  }
  let response: Response;
  try {
    response = await fetch(route.url, { ...init, signal: AbortSignal.timeout(request.timeoutMs) });
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeoutError') {
      throw new Error(`${init.method} ${request.url} timed out after ${seconds}s`, {
        cause: error,
      });
    }
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    throw new Error(`${init.method} ${request.url}: ${String((cause as Error).message ?? cause)}`, {
      cause: error,
    });
  }
  return { status: response.status, body: await response.text() };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Argo's authentication.oauth2 (client credentials grant) and basicAuth, as request headers. */
export interface Authentication {
  oauth2?: { tokenUrl?: string; clientId?: string; clientSecret?: string; scopes?: string[] };
  basicAuth?: { username?: string; password?: string };
  sigv4?: { region?: string; profile?: string; roleArn?: string };
}

/**
 * The Authorization header Argo's round trippers would add. OAuth2 fetches a token each time
 * (golang.org/x/oauth2 caches it per client, and Argo builds a client per measurement too).
 */
export async function authorizationHeader(
  kubernetes: Kubernetes,
  namespace: string,
  auth: Authentication | undefined,
  timeoutMs: number,
): Promise<string | undefined> {
  const basic = auth?.basicAuth;
  let header: string | undefined;
  if (basic && (basic.username || basic.password)) {
    if (!basic.username)
      throw new Error('missing mandatory parameter in metric for basic auth setup: username');
    if (!basic.password)
      throw new Error('missing mandatory parameter in metric for basic auth setup: password');
    header = `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}`;
  }
  const oauth2 = auth?.oauth2;
  if (oauth2?.tokenUrl) {
    if (!oauth2.clientId || !oauth2.clientSecret)
      throw new Error('missing mandatory parameter in metric for OAuth2 setup');
    header = `Bearer ${await clientCredentialsToken(kubernetes, namespace, oauth2, timeoutMs)}`;
  }
  return header;
}

async function clientCredentialsToken(
  kubernetes: Kubernetes,
  namespace: string,
  oauth2: { tokenUrl?: string; clientId?: string; clientSecret?: string; scopes?: string[] },
  timeoutMs: number,
): Promise<string> {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (oauth2.scopes?.length) form.set('scope', oauth2.scopes.join(' '));
  // x/oauth2 tries credentials in the Authorization header first (RFC 6749 2.3.1).
  const credentials = Buffer.from(
    `${encodeURIComponent(oauth2.clientId!)}:${encodeURIComponent(oauth2.clientSecret!)}`,
  ).toString('base64');
  const response = await httpExchange(kubernetes, namespace, {
    url: oauth2.tokenUrl!,
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Authorization: `Basic ${credentials}`,
    },
    body: form.toString(),
    timeoutMs,
  });
  if (response.status < 200 || response.status >= 300) {
    throw new Error(
      `oauth2: cannot fetch token from ${oauth2.tokenUrl}: ${response.status}\nResponse: ${response.body}`,
    );
  }
  let token: unknown;
  try {
    token = (JSON.parse(response.body) as { access_token?: unknown }).access_token;
  } catch {
    token = new URLSearchParams(response.body).get('access_token');
  }
  if (typeof token !== 'string' || token === '')
    throw new Error(`oauth2: server response from ${oauth2.tokenUrl} is missing access_token`);
  return token;
}
