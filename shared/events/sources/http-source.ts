/**
 * What the HTTP-fed event sources (webhook, github, gitlab) have in common: a route per event
 * (port + endpoint + method, as Argo's webhook context declares it), a check of the request's
 * credentials, and Argo's event data built from the request.
 */
import type { Json } from '../../core/types.js';
import type { SecretSelector, WebhookContext } from '../types.js';

/** A request as received, body untouched (signatures are computed over the exact bytes). */
export interface InboundRequest {
  method: string;
  /** Header names lower-cased (node and API Gateway both deliver them so). */
  headers: Record<string, string | string[] | undefined>;
  body: string;
  query: URLSearchParams;
}

/** How a route checks who sent the request. */
export type Credential =
  | { kind: 'bearer'; secret: SecretSelector }
  | { kind: 'hub-signature'; secret: SecretSelector }
  | { kind: 'gitlab-token'; secret: SecretSelector };

export interface HttpRoute {
  /** The event source type (the event's `context.type`). */
  type: string;
  eventName: string;
  port: string;
  endpoint: string;
  method: string;
  maxPayloadSize?: number;
  credential?: Credential;
  /** Argo's event data for the request; throws RequestRejected for a body it cannot take. */
  data(request: InboundRequest): Json;
}

/** A request refused with an HTTP status (400 malformed, 401 signature, ...). */
export class RequestRejected extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'RequestRejected';
  }
}

/** Headers that authenticate a request: never copied into event data (DESIGN.md, Secrets). */
const AUTH_HEADERS = new Set([
  'authorization',
  'x-hub-signature',
  'x-hub-signature-256',
  'x-gitlab-token',
  'proxy-authorization',
  'cookie',
]);

/** Go's http.CanonicalHeaderKey: `x-github-event` -> `X-Github-Event`. */
export function canonicalHeaderKey(name: string): string {
  return name
    .split('-')
    .map((part) => (part ? part[0]!.toUpperCase() + part.slice(1).toLowerCase() : part))
    .join('-');
}

/** The request's headers as Go's http.Header (canonical keys, value lists), auth stripped. */
export function goHeaders(headers: InboundRequest['headers']): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || AUTH_HEADERS.has(name.toLowerCase())) continue;
    out[canonicalHeaderKey(name)] = Array.isArray(value) ? value : [value];
  }
  return out;
}

export function header(request: InboundRequest, name: string): string | undefined {
  const v = request.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** The body as JSON: Argo marshals it as a json.RawMessage, which fails on anything else. */
export function jsonBody(request: InboundRequest): Json {
  if (request.body.trim() === '') throw new RequestRejected(400, 'the request body is empty');
  try {
    return JSON.parse(request.body) as Json;
  } catch (err) {
    throw new RequestRejected(400, `the request body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Form bodies become `{field: [values]}`, as Go's url.Values marshals. */
export function formBody(request: InboundRequest): Json {
  const out: Record<string, string[]> = {};
  for (const [k, v] of new URLSearchParams(request.body)) (out[k] ??= []).push(v);
  return out;
}

export function routeFromContext(
  type: string,
  eventName: string,
  context: WebhookContext,
  rest: Pick<HttpRoute, 'credential' | 'data'>,
): HttpRoute {
  return {
    type,
    eventName,
    port: String(context.port),
    endpoint: context.endpoint.startsWith('/') ? context.endpoint : `/${context.endpoint}`,
    method: (context.method ?? 'POST').toUpperCase(),
    ...(context.maxPayloadSize ? { maxPayloadSize: context.maxPayloadSize } : {}),
    ...rest,
  };
}
