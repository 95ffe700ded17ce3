/**
 * The CloudWatch provider (metricproviders/cloudwatch): one GetMetricData over the last
 * `interval` (default 5m) with the metric's metricDataQueries. The conditions see Argo's
 * `result`: the MetricDataResults list with the SDK's field names (`result[0].Values`), and the
 * value is Go's `%+v` of the values per query (`[[0.1 0.2] [3]]`).
 */
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandOutput,
  type MetricDataQuery,
  type StandardUnit,
} from '@aws-sdk/client-cloudwatch';
import { formatGoFloat } from '../../expr/go-template.js';
import type { Metric } from '../analysis.js';
import { goDurationSeconds, intOrStringValue } from '../field-checks.js';
import type { MeasureOutcome, MetricProvider, ProviderContext } from './provider.js';
import { errorOutcome } from './provider.js';

const DEFAULT_INTERVAL = '5m';

export interface CloudWatchProviderOptions {
  /** A configured client (credentials, region, endpoint); one is made from these otherwise. */
  client?: Pick<CloudWatchClient, 'send'>;
  /** E.g. a local stand-in's URL. */
  endpoint?: string;
  region?: string;
}

/** provider.cloudWatch, Argo's field names. */
export interface CloudWatchMetric {
  interval?: string;
  metricDataQueries?: CloudWatchMetricDataQuery[];
}

export interface CloudWatchMetricDataQuery {
  id?: string;
  expression?: string;
  label?: string;
  metricStat?: {
    metric?: {
      dimensions?: { name: string; value: string }[];
      metricName?: string;
      namespace?: string;
    };
    period?: number | string;
    stat?: string;
    unit?: string;
  };
  period?: number | string;
  returnData?: boolean;
}

/** One MetricDataResults entry as Argo's conditions see it (Go's struct field names). */
export interface CloudWatchResult {
  Id: string | null;
  Label: string | null;
  Messages: { Code: string | null; Value: string | null }[];
  StatusCode: string;
  /** RFC 3339. */
  Timestamps: string[];
  Values: number[];
}

export class CloudWatchProvider implements MetricProvider {
  readonly type = 'cloudwatch' as const;
  private client: Pick<CloudWatchClient, 'send'> | undefined;

  constructor(private readonly options: CloudWatchProviderOptions = {}) {
    this.client = options.client;
  }

  async run(metric: Metric, ctx: ProviderContext): Promise<MeasureOutcome> {
    const spec = (metric.provider?.['cloudWatch'] ?? {}) as CloudWatchMetric;
    try {
      const interval = spec.interval || DEFAULT_INTERVAL;
      const seconds = goDurationSeconds(interval);
      if (seconds === undefined) throw new Error(`time: invalid duration "${interval}"`);
      const end = ctx.now();
      const output = await this.cloudWatch().send(
        new GetMetricDataCommand({
          StartTime: new Date(end - seconds * 1000),
          EndTime: new Date(end),
          MetricDataQueries: metricDataQueries(spec.metricDataQueries ?? []),
        }),
      );
      return { phase: 'Successful', ...shapeOutput(output) };
    } catch (error) {
      return errorOutcome(error);
    }
  }

  private cloudWatch(): Pick<CloudWatchClient, 'send'> {
    this.client ??= new CloudWatchClient({
      ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
      ...(this.options.region ? { region: this.options.region } : {}),
    });
    return this.client;
  }
}

/** convertType: Argo's query fields to the SDK's; periods are IntOrString read as Atoi does. */
export function metricDataQueries(queries: CloudWatchMetricDataQuery[]): MetricDataQuery[] {
  return queries.map((q) => {
    const stat = q.metricStat;
    const period = q.period !== undefined ? (intOrStringValue(q.period) ?? 0) : undefined;
    return {
      Id: q.id ?? '',
      ...(q.expression !== undefined ? { Expression: q.expression } : {}),
      ...(q.label !== undefined ? { Label: q.label } : {}),
      ...(stat
        ? {
            MetricStat: {
              Metric: {
                MetricName: stat.metric?.metricName ?? '',
                ...(stat.metric?.namespace !== undefined
                  ? { Namespace: stat.metric.namespace }
                  : {}),
                ...(stat.metric?.dimensions
                  ? {
                      Dimensions: stat.metric.dimensions.map((d) => ({
                        Name: d.name,
                        Value: d.value,
                      })),
                    }
                  : {}),
              },
              Period: intOrStringValue(stat.period ?? 0) ?? 0,
              Stat: stat.stat ?? '',
              // Go's SDK leaves an empty enum out of the request.
              ...(stat.unit ? { Unit: stat.unit as StandardUnit } : {}),
            },
          }
        : {}),
      ...(period !== undefined ? { Period: period } : {}),
      ...(q.returnData !== undefined ? { ReturnData: q.returnData } : {}),
    };
  });
}

/** Run's value, result and messages metadata from a GetMetricData answer. */
export function shapeOutput(
  output: Pick<GetMetricDataCommandOutput, 'MetricDataResults' | 'Messages'>,
): {
  value: string;
  result: CloudWatchResult[];
  metadata?: Record<string, string>;
} {
  const results: CloudWatchResult[] = (output.MetricDataResults ?? []).map((r) => ({
    Id: r.Id ?? null,
    Label: r.Label ?? null,
    Messages: (r.Messages ?? []).map((m) => ({ Code: m.Code ?? null, Value: m.Value ?? null })),
    StatusCode: r.StatusCode ?? '',
    Timestamps: (r.Timestamps ?? []).map((t) => new Date(t).toISOString()),
    Values: r.Values ?? [],
  }));
  const value = `[${results.map((r) => `[${r.Values.map(formatGoFloat).join(' ')}]`).join(' ')}]`;
  const messages = output.Messages ?? [];
  // Argo prints the Go structs with %+v (pointers as addresses); we print the text they point to.
  const metadata = messages.length
    ? {
        messages: `[${messages.map((m) => `{Code:${m.Code ?? '<nil>'} Value:${m.Value ?? '<nil>'}}`).join(' ')}]`,
      }
    : undefined;
  return { value, result: results, ...(metadata ? { metadata } : {}) };
}
