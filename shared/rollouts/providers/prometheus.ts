/**
 * The prometheus provider (metricproviders/prometheus): one instant query at the measurement's
 * time (or a range query), its samples as Argo shapes them: a vector or matrix gives `[v1,v2]`
 * as value and an array of floats as result, a scalar gives its float. Prometheus' NaN and ±Inf
 * come through as JS NaN / ±Infinity, so `isNaN(result[0])` works as in Argo.
 */
import { evaluateExpr } from '../../expr/expr-lang.js';
import type { Metric } from '../analysis.js';
import { goDurationSeconds } from '../field-checks.js';
import { authorizationHeader, httpExchange, type Authentication } from './http.js';
import type { MeasureOutcome, MetricProvider, ProviderContext } from './provider.js';
import { errorOutcome } from './provider.js';

/** Argo's metadata key for the query as it was sent. */
export const RESOLVED_PROMETHEUS_QUERY = 'ResolvedPrometheusQuery';

/** NewPrometheusProvider's default when timeout is unset. */
const DEFAULT_TIMEOUT_SECONDS = 30;

export interface PrometheusMetric {
  address?: string;
  query?: string;
  authentication?: Authentication;
  /** Seconds. */
  timeout?: number;
  insecure?: boolean;
  headers?: { key: string; value: string }[];
  rangeQuery?: { start?: string; end?: string; step?: string };
}

export class PrometheusProvider implements MetricProvider {
  readonly type = 'prometheus' as const;

  /** `defaultAddress`: ARGO_ROLLOUTS_PROMETHEUS_ADDRESS, for metrics without an address. */
  constructor(private readonly defaultAddress?: string) {}

  async run(metric: Metric, ctx: ProviderContext): Promise<MeasureOutcome> {
    const spec = (metric.provider?.['prometheus'] ?? {}) as PrometheusMetric;
    // GetMetadata: the query is recorded whatever happens next.
    const metadata: Record<string, string> = spec.query
      ? { [RESOLVED_PROMETHEUS_QUERY]: spec.query }
      : {};
    try {
      const timeoutMs = timeoutSeconds(spec) * 1000;
      const address = this.address(spec);
      const { path, form } = queryRequest(spec, ctx.now());
      const headers: Record<string, string> = {
        'Content-Type': 'application/x-www-form-urlencoded',
      };
      for (const h of spec.headers ?? []) headers[h.key] = h.value;
      const authorization = await prometheusAuthorization(ctx, spec, timeoutMs);
      if (authorization) headers['Authorization'] = authorization;
      const response = await httpExchange(ctx.kubernetes, ctx.namespace, {
        url: joinUrl(address, path),
        method: 'POST',
        headers,
        body: form.toString(),
        timeoutMs,
        ...(spec.insecure ? { insecure: true } : {}),
      });
      const answer = parseApiResponse(response.status, response.body);
      const { value, result } = shapeResult(answer.data);
      return {
        phase: 'Successful',
        value,
        result,
        metadata: {
          ...metadata,
          ...(answer.warnings.length
            ? { warnings: answer.warnings.map((w) => `"${w}"`).join(', ') }
            : {}),
        },
      };
    } catch (error) {
      return errorOutcome(error, metadata);
    }
  }

  private address(spec: PrometheusMetric): string {
    const address = spec.address || this.defaultAddress;
    if (!address) {
      throw new Error(
        'prometheus address is not configured: set provider.prometheus.address ' +
          '(e.g. http://prometheus.monitoring:9090)',
      );
    }
    if (!isUrl(address)) throw new Error('prometheus address is not is url format');
    return address;
  }
}

function timeoutSeconds(spec: PrometheusMetric): number {
  if (spec.timeout === undefined || spec.timeout === null) return DEFAULT_TIMEOUT_SECONDS;
  if (spec.timeout < 0) throw new Error('prometheus timeout should not be negative');
  // Go's context.WithTimeout(0) expires at once; a request cannot finish in 0 s either.
  return spec.timeout;
}

async function prometheusAuthorization(
  ctx: ProviderContext,
  spec: PrometheusMetric,
  timeoutMs: number,
): Promise<string | undefined> {
  const sigv4 = spec.authentication?.sigv4;
  const hasSigv4 = !!sigv4 && Object.values(sigv4).some((v) => v !== undefined && v !== '');
  // Argo signs only for Amazon Managed Prometheus addresses and ignores sigv4 elsewhere.
  if (hasSigv4 && (spec.address ?? '').includes('aps-workspaces')) {
    throw new Error(
      'provider.prometheus.authentication.sigv4 (Amazon Managed Prometheus) is not supported ' +
        'yet; query a Prometheus reachable without SigV4 signing',
    );
  }
  return authorizationHeader(ctx.kubernetes, ctx.namespace, spec.authentication, timeoutMs);
}

/** Argo's IsUrl: Go's url.Parse with a scheme and a host. */
function isUrl(address: string): boolean {
  try {
    const url = new URL(address);
    return url.protocol !== '' && url.host !== '';
  } catch {
    return false;
  }
}

/** client_golang's api.Client keeps the address's path as a prefix (`/prometheus/api/v1/...`). */
function joinUrl(address: string, path: string): string {
  const url = new URL(address);
  url.pathname = `${url.pathname.replace(/\/$/, '')}${path}`;
  return url.toString();
}

/** The request client_golang's v1 API sends: POST with the parameters form-encoded. */
function queryRequest(
  spec: PrometheusMetric,
  now: number,
): { path: string; form: URLSearchParams } {
  const query = spec.query ?? '';
  const range = spec.rangeQuery;
  if (!range) {
    return { path: '/api/v1/query', form: new URLSearchParams({ query, time: formatTime(now) }) };
  }
  const start = evalTime(range.start ?? '', now, 'start');
  const end = evalTime(range.end ?? '', now, 'end');
  const step = goDurationSeconds(range.step ?? '');
  if (step === undefined) {
    throw new Error(
      `failed to parse rangeQuery.step as duration: time: invalid duration "${range.step ?? ''}"`,
    );
  }
  return {
    path: '/api/v1/query_range',
    form: new URLSearchParams({
      query,
      start: formatTime(start),
      end: formatTime(end),
      step: String(step),
    }),
  };
}

/** Seconds with ms precision, as client_golang formats times. */
const formatTime = (ms: number): string => (ms / 1000).toFixed(3);

/**
 * evaluate.EvalTime: an expr expression giving a time, e.g. `now() - duration("1h")`. Times
 * and durations are epoch ms here, so the arithmetic Argo's users write works the same.
 */
function evalTime(expression: string, now: number, field: 'start' | 'end'): number {
  const wrap = (detail: string) =>
    new Error(`failed to parse rangeQuery.${field} as time: ${detail}`);
  let output: unknown;
  try {
    output = evaluateExpr(expression, {
      now: () => now,
      duration: (text: unknown) => {
        const seconds = typeof text === 'string' ? goDurationSeconds(text) : undefined;
        if (seconds === undefined) throw new Error(`time: invalid duration "${String(text)}"`);
        return seconds * 1000;
      },
    });
  } catch (error) {
    throw wrap(error instanceof Error ? error.message : String(error));
  }
  if (typeof output !== 'number' || !Number.isFinite(output)) {
    throw wrap(`expected time.Time, got ${JSON.stringify(output)}`);
  }
  return output;
}

// ---------------------------------------------------------------------------------------------
// The answer

type Sample = [number, string];
type QueryData =
  | { resultType: 'scalar'; result: Sample }
  | { resultType: 'vector'; result: { metric: Record<string, string>; value: Sample }[] }
  | { resultType: 'matrix'; result: { metric: Record<string, string>; values: Sample[] }[] }
  | { resultType: 'string'; result: Sample };

interface ApiAnswer {
  data: QueryData;
  warnings: string[];
}

/** client_golang's reading of the API envelope: errors become `<errorType>: <error>`. */
function parseApiResponse(status: number, body: string): ApiAnswer {
  let envelope: {
    status?: string;
    data?: QueryData;
    errorType?: string;
    error?: string;
    warnings?: string[];
  };
  try {
    envelope = JSON.parse(body) as typeof envelope;
  } catch {
    // Not Prometheus talking (a proxy's error page, a wrong address).
    const excerpt = body.length > 200 ? `${body.slice(0, 200)}...` : body;
    throw new Error(`server returned HTTP status ${status}: ${excerpt.trim()}`);
  }
  if (envelope.status === 'error') {
    throw new Error(`${envelope.errorType ?? 'error'}: ${envelope.error ?? ''}`);
  }
  if (status < 200 || status >= 300 || !envelope.data) {
    throw new Error(`server returned HTTP status ${status}`);
  }
  return { data: envelope.data, warnings: envelope.warnings ?? [] };
}

/** processResponse: Argo's value text and the result its conditions see. */
export function shapeResult(data: QueryData): { value: string; result: number | number[] } {
  switch (data.resultType) {
    case 'scalar': {
      const v = sampleValue(data.result[1]);
      return { value: formatSampleValue(v), result: v };
    }
    case 'vector': {
      const values = data.result.map((s) => sampleValue(s.value[1]));
      return { value: listText(values), result: values };
    }
    case 'matrix': {
      // Argo flattens every series' samples into one list.
      const values = data.result.flatMap((s) => s.values.map((v) => sampleValue(v[1])));
      return { value: listText(values), result: values };
    }
    default:
      throw new Error('Prometheus metric type not supported');
  }
}

const listText = (values: number[]): string => `[${values.map(formatSampleValue).join(',')}]`;

/** Prometheus writes sample values as strings, with NaN, +Inf and -Inf spelled out. */
function sampleValue(text: string): number {
  switch (text) {
    case 'NaN':
      return NaN;
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    default:
      return Number(text);
  }
}

/** model.SampleValue.String: strconv.FormatFloat(v, 'f', -1, 64), never an exponent. */
export function formatSampleValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const text = String(v);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!m) return Object.is(v, -0) ? '-0' : text;
  const digits = m[2]! + (m[3] ?? '');
  const point = 1 + Number(m[4]);
  const body =
    point <= 0
      ? `0.${'0'.repeat(-point)}${digits}`
      : point >= digits.length
        ? digits + '0'.repeat(point - digits.length)
        : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return m[1]! + body;
}
