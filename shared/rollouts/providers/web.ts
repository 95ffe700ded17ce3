/**
 * The web provider (metricproviders/webmetric): one HTTP request; a JSON answer is read at
 * `jsonPath` (Kubernetes JSONPath, `{$.data.ok}`, default `{$}`) and the first value found is
 * the result, its JSON text the value. An answer that is not JSON is the result as a string.
 */
import { JsonPathError, queryJsonPath } from '../../expr/jsonpath.js';
import type { Metric } from '../analysis.js';
import { authorizationHeader, httpExchange, type Authentication } from './http.js';
import type { MeasureOutcome, MetricProvider, ProviderContext } from './provider.js';
import { errorOutcome } from './provider.js';

/** NewWebMetricHttpClient's default when timeoutSeconds is unset or not positive. */
const DEFAULT_TIMEOUT_SECONDS = 10;

export interface WebMetric {
  method?: string;
  url?: string;
  headers?: { key: string; value: string }[];
  body?: string;
  jsonBody?: unknown;
  timeoutSeconds?: number;
  jsonPath?: string;
  insecure?: boolean;
  authentication?: Authentication;
}

export class WebProvider implements MetricProvider {
  readonly type = 'web' as const;

  async run(metric: Metric, ctx: ProviderContext): Promise<MeasureOutcome> {
    const spec = (metric.provider?.['web'] ?? {}) as WebMetric;
    try {
      const method = spec.method || 'GET';
      const hasJsonBody = spec.jsonBody !== undefined && spec.jsonBody !== null;
      if (spec.body && hasJsonBody) {
        throw new Error('use either Body or JSONBody; both cannot exists for WebMetric payload');
      }
      if ((spec.body || hasJsonBody) && method === 'GET') {
        throw new Error('Body/JSONBody can only be used with POST or PUT WebMetric Method types');
      }
      // Parsed first: Argo's factory refuses a bad path before any request is made.
      const path = kubernetesJsonPath(spec.jsonPath || '{$}');
      const timeoutSeconds =
        spec.timeoutSeconds && spec.timeoutSeconds > 0
          ? spec.timeoutSeconds
          : DEFAULT_TIMEOUT_SECONDS;
      const headers: Record<string, string> = {};
      for (const h of spec.headers ?? []) headers[h.key] = h.value;
      if (hasJsonBody) headers['Content-Type'] = 'application/json';
      const authorization = await authorizationHeader(
        ctx.kubernetes,
        ctx.namespace,
        // The web provider knows only OAuth2 (NewWebMetricHttpClient): basicAuth is ignored.
        spec.authentication?.oauth2 ? { oauth2: spec.authentication.oauth2 } : undefined,
        timeoutSeconds * 1000,
      );
      if (authorization) headers['Authorization'] = authorization;
      const body = spec.body ? spec.body : hasJsonBody ? JSON.stringify(spec.jsonBody) : undefined;
      const response = await httpExchange(ctx.kubernetes, ctx.namespace, {
        url: spec.url ?? '',
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        timeoutMs: timeoutSeconds * 1000,
        ...(spec.insecure ? { insecure: true } : {}),
      });
      if (response.status < 200 || response.status >= 300) {
        throw new Error(`received non 2xx response code: ${response.status}`);
      }
      return { phase: 'Successful', ...parseBody(response.body, path) };
    } catch (error) {
      return errorOutcome(error);
    }
  }
}

/** parseResponse. */
function parseBody(body: string, path: ParsedPath): { value: string; result: unknown } {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return { value: body, result: body };
  }
  let found: unknown;
  try {
    found = queryJsonPath(data, path.expression);
  } catch (error) {
    const detail = error instanceof JsonPathError ? error.message : String(error);
    throw new Error(`Could not find JSONPath in body: ${detail}`);
  }
  // Kubernetes' FindResults gives one result per node selected; Argo keeps the first.
  if (path.multiple) {
    const list = found as unknown[];
    if (list.length === 0) throw new Error('result of web metric produced no value');
    found = list[0];
  }
  return { value: goJsonMarshal(found), result: found };
}

interface ParsedPath {
  /** In shared/expr/jsonpath.ts's syntax. */
  expression: string;
  /** A wildcard, slice, union, filter or recursive descent: may select several nodes. */
  multiple: boolean;
}

/**
 * A Kubernetes JSONPath template reduced to its one expression: `{$.data.ok}`, `{.data.ok}`
 * and a bare `$.data.ok` all read `$.data.ok`. Text around the braces, several expressions and
 * `range` blocks are refused: their result is text, not a value a condition could test.
 */
function kubernetesJsonPath(template: string): ParsedPath {
  const t = template.trim();
  const braced = /^\{([^{}]*)\}$/.exec(t);
  let inner = braced ? braced[1]!.trim() : t;
  if (!braced && (t.includes('{') || t.includes('}'))) {
    throw new Error(`jsonPath "${template}": only one {expression} is supported, e.g. {$.data.ok}`);
  }
  if (/^range\b|^end\b/.test(inner)) {
    throw new Error(`jsonPath "${template}": range/end blocks are not supported`);
  }
  if (inner === '' || inner === '$' || inner === '@') inner = '$';
  else if (inner.startsWith('@')) inner = `$${inner.slice(1)}`;
  else if (inner.startsWith('.') || inner.startsWith('[')) inner = `$${inner}`;
  else if (!inner.startsWith('$')) inner = `$.${inner}`;
  return { expression: inner, multiple: /\*|\.\.|\[\s*\?|\[[^\]]*[:,][^\]]*\]/.test(inner) };
}

/**
 * encoding/json's Marshal of what Unmarshal gave: object keys sorted, `<`, `>` and `&` escaped
 * as Go escapes them for HTML safety.
 */
export function goJsonMarshal(value: unknown): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(sorted(value))
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
