/**
 * AnalysisTemplate, ClusterAnalysisTemplate and AnalysisRun specs checked as Argo checks their
 * metrics (utils/analysis ValidateMetric and ValidateMetrics, the argument resolution of
 * ResolveArgs, the dryRun and measurementRetention rules). Argo makes these checks when a run
 * starts and ends the run in Error; we refuse the object when it is applied instead. Values still
 * holding `{{args...}}` are checked once the run resolves them.
 */
import { parseExpr } from '../expr/expr-lang.js';
import type { Checker, Obj } from './field-checks.js';
import {
  goDurationSeconds,
  intOrStringValue,
  isSet,
  isTemplated,
  listAt,
  objAt,
  strAt,
} from './field-checks.js';

/** Argo's metric providers (MetricProvider); `plugin` counts once per plugin it names. */
const PROVIDERS = [
  'prometheus',
  'kayenta',
  'web',
  'datadog',
  'wavefront',
  'newRelic',
  'job',
  'cloudWatch',
  'graphite',
  'influxdb',
  'skywalking',
];

export type AnalysisKind = 'AnalysisTemplate' | 'ClusterAnalysisTemplate' | 'AnalysisRun';

export function checkAnalysisSpec(c: Checker, kind: AnalysisKind, spec: Obj): void {
  const metrics = listAt(spec['metrics']);
  const nested = listAt(spec['templates']);
  nested.forEach((t, i) => {
    if (!strAt(objAt(t)?.['templateName']))
      c.error(`spec.templates[${i}].templateName`, 'required: the AnalysisTemplate to include');
  });
  // An AnalysisRun without the field is reported by the schema check (required).
  if (
    metrics.length === 0 &&
    nested.length === 0 &&
    (kind !== 'AnalysisRun' || isSet(spec['metrics']))
  ) {
    c.error(
      'spec.metrics',
      kind === 'AnalysisRun'
        ? 'no metrics: an AnalysisRun measures at least one metric'
        : 'no metrics: give metrics (or templates to include metrics from)',
    );
  }
  const declared = checkArgs(c, kind, listAt(spec['args']));
  const names = new Set<string>();
  metrics.forEach((m, i) => {
    const metric = objAt(m);
    if (!metric) return;
    const at = `spec.metrics[${i}]`;
    const name = metric['name'];
    if (typeof name === 'string') {
      if (names.has(name)) c.error(`${at}.name`, `duplicate metric name "${name}"`);
      names.add(name);
    }
    checkMetric(c, metric, at);
    checkArgReferences(c, metric, at, declared);
  });
  // With included templates the metric names are only known once they are merged.
  if (nested.length === 0) {
    for (const field of ['dryRun', 'measurementRetention'])
      checkMetricNameRules(c, listAt(spec[field]), `spec.${field}`, [...names]);
  }
}

/** The declared argument names; an AnalysisRun's arguments must carry their values. */
function checkArgs(c: Checker, kind: AnalysisKind, args: unknown[]): Set<string> {
  const declared = new Set<string>();
  args.forEach((a, i) => {
    const arg = objAt(a);
    if (!arg) return;
    const at = `spec.args[${i}]`;
    const name = strAt(arg['name']);
    if (name) {
      if (declared.has(name)) c.warn(`${at}.name`, `duplicate argument "${name}": the last wins`);
      declared.add(name);
    }
    const hasValue = isSet(arg['value']);
    const valueFrom = objAt(arg['valueFrom']);
    if (hasValue && valueFrom)
      c.error(at, `argument "${name}" has both value and valueFrom: give one`);
    if (kind === 'AnalysisRun' && !hasValue && !objAt(valueFrom?.['secretKeyRef']))
      c.error(
        `${at}.value`,
        `argument "${name}" was not supplied: give value or valueFrom.secretKeyRef`,
      );
  });
  return declared;
}

/** Argo's ValidateMetric, one error per broken rule, each on the field to change. */
export function checkMetric(c: Checker, metric: Obj, at: string): void {
  const count = intOrStringValue(metric['count']) ?? (isSet(metric['count']) ? undefined : 0);
  const failureLimit = limit(metric['failureLimit']);
  const successLimit = limit(metric['consecutiveSuccessLimit']);
  const inconclusiveLimit = limit(metric['inconclusiveLimit']);
  const errorLimit = limit(metric['consecutiveErrorLimit']);

  if (successLimit !== undefined && successLimit < 0)
    c.error(`${at}.consecutiveSuccessLimit`, 'must be 0 or more');
  if (failureLimit !== undefined && failureLimit < -1)
    c.error(`${at}.failureLimit`, 'must be 0 or more, or -1 to disable it');
  if (successLimit === 0 && failureLimit === -1)
    c.error(
      `${at}.failureLimit`,
      'failureLimit (-1) and consecutiveSuccessLimit (0) cannot both be disabled: the metric could never end',
    );
  if (inconclusiveLimit !== undefined && inconclusiveLimit < 0)
    c.error(`${at}.inconclusiveLimit`, 'must be 0 or more');
  if (errorLimit !== undefined && errorLimit < 0)
    c.error(`${at}.consecutiveErrorLimit`, 'must be 0 or more');

  if (count !== undefined && count > 0) {
    if (successLimit !== undefined && failureLimit !== undefined && successLimit >= 0) {
      if (failureLimit >= 0 && count < failureLimit + successLimit)
        c.error(
          `${at}.count`,
          `count (${count}) must be at least failureLimit + consecutiveSuccessLimit (${failureLimit} + ${successLimit})`,
        );
      else if (failureLimit < 0 && count < successLimit)
        c.error(
          `${at}.count`,
          `count (${count}) must be at least consecutiveSuccessLimit (${successLimit})`,
        );
    }
    if (inconclusiveLimit !== undefined && count < inconclusiveLimit)
      c.error(
        `${at}.count`,
        `count (${count}) must be at least inconclusiveLimit (${inconclusiveLimit})`,
      );
  }
  const interval = metric['interval'];
  if (count !== undefined && count > 1 && !strAt(interval))
    c.error(`${at}.interval`, `required when count is more than 1 (count is ${count})`);
  for (const field of ['interval', 'initialDelay']) {
    const v = metric[field];
    if (typeof v === 'string' && v !== '' && !isTemplated(v) && goDurationSeconds(v) === undefined)
      c.error(`${at}.${field}`, `"${v}" is not a duration: write it as 30s, 5m or 1h`);
  }
  checkProvider(c, objAt(metric['provider']), `${at}.provider`);
  for (const field of ['successCondition', 'failureCondition']) {
    const condition = metric[field];
    if (typeof condition !== 'string' || condition.trim() === '') continue;
    try {
      // Arguments are substituted before Argo compiles the condition; any value will do here.
      parseExpr(condition.replace(/\{\{[^}]*\}\}/g, '0'));
    } catch (e) {
      c.warn(
        `${at}.${field}`,
        `does not parse as an expr-lang expression (${(e as Error).message}): every measurement would end in Error`,
      );
    }
  }
}

/** A limit as Argo reads it (unset is 0); undefined when templated and not known yet. */
function limit(v: unknown): number | undefined {
  if (!isSet(v)) return 0;
  return intOrStringValue(v);
}

function checkProvider(c: Checker, provider: Obj | undefined, at: string): void {
  if (!provider) return;
  const used = PROVIDERS.filter((p) => isSet(provider[p]));
  const plugins = Object.keys(objAt(provider['plugin']) ?? {});
  const all = [...used, ...plugins.map((p) => `plugin ${p}`)];
  if (all.length === 0)
    c.error(at, `no provider: give exactly one of ${PROVIDERS.join(', ')} or plugin`);
  else if (all.length > 1)
    c.error(at, `more than one provider (${all.join(', ')}): a metric measures with exactly one`);
  const job = objAt(objAt(provider['job'])?.['spec']);
  const podSpec = objAt(objAt(job?.['template'])?.['spec']);
  if (podSpec) {
    const restartPolicy = podSpec['restartPolicy'];
    // A Job's pods must not restart in place: Kubernetes refuses the default (Always).
    if (restartPolicy !== 'Never' && restartPolicy !== 'OnFailure')
      c.error(
        `${at}.job.spec.template.spec.restartPolicy`,
        `${isSet(restartPolicy) ? `"${String(restartPolicy)}"` : 'unset (Always)'} is refused for a Job: set Never or OnFailure`,
      );
  }
}

/**
 * Argo substitutes `{{args.NAME}}` in the whole metric and fails the run on any tag it cannot
 * resolve ("failed to resolve {{...}}"): every tag must name a declared argument.
 */
function checkArgReferences(c: Checker, value: unknown, at: string, declared: Set<string>): void {
  if (typeof value === 'string') {
    for (const m of value.matchAll(/\{\{([^}]*)\}\}/g)) {
      const tag = m[1]!.trim();
      const arg = /^args\.(.+)$/.exec(tag)?.[1];
      if (arg === undefined)
        c.error(
          at,
          `{{${m[1]}}} cannot be resolved: only {{args.NAME}} is substituted in a metric`,
        );
      else if (!declared.has(arg))
        c.error(at, `{{${m[1]}}} names an argument not declared in spec.args: declare "${arg}"`);
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => checkArgReferences(c, v, `${at}[${i}]`, declared));
  } else if (objAt(value)) {
    for (const [k, v] of Object.entries(value as Obj))
      checkArgReferences(c, v, /^[A-Za-z_]\w*$/.test(k) ? `${at}.${k}` : `${at}["${k}"]`, declared);
  }
}

/** dryRun / measurementRetention rules: each metricName regexp must match some metric. */
function checkMetricNameRules(c: Checker, rules: unknown[], at: string, names: string[]): void {
  rules.forEach((r, i) => {
    const pattern = objAt(r)?.['metricName'];
    if (typeof pattern !== 'string') return;
    let re: RegExp;
    try {
      re = new RegExp(pattern);
    } catch {
      c.error(`${at}[${i}].metricName`, `"${pattern}" is not a regular expression`);
      return;
    }
    if (!names.some((n) => re.test(n)))
      c.error(
        `${at}[${i}].metricName`,
        `"${pattern}" matches no metric name (${names.join(', ')})`,
      );
  });
}
