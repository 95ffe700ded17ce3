/**
 * An AnalysisRun's args as Argo resolves them before measuring (analysis/analysis.go resolveArgs,
 * utils/analysis ResolveMetricArgs, utils/template): secretKeyRef values read from the cluster's
 * Secret in the run's namespace, then every `{{args.<name>}}` in the metric replaced.
 * Secret values are resolved by the effect worker only and never enter the log (DESIGN.md).
 */
import type { Kubernetes } from '../../core/kubernetes.js';
import type { Metric } from '../analysis.js';

export interface AnalysisArgument {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    fieldRef?: { fieldPath: string };
    /** Set by the Rollout when it creates the run; resolved by then. */
    podTemplateHashValue?: string;
  };
}

export interface ResolveArgsOptions {
  /**
   * valueFrom.fieldRef: Argo resolves it against the Rollout that owns the run
   * (`metadata.labels['x']`...), which the caller holds; without this hook such an arg is an
   * error.
   */
  fieldRef?: (fieldPath: string, arg: string) => string | undefined;
}

/** An arg that cannot be resolved; the message says which and why. */
export class ArgsError extends Error {
  override name = 'ArgsError';
}

/**
 * The args' values by name. A `value` wins over `valueFrom` only when there is no secretKeyRef
 * (Argo replaces the value with the secret's); an arg with neither is Argo's
 * "args.<name> was not resolved".
 */
export async function resolveArgs(
  args: readonly AnalysisArgument[],
  kubernetes: Kubernetes,
  namespace: string,
  options: ResolveArgsOptions = {},
): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const arg of args) {
    const secretRef = arg.valueFrom?.secretKeyRef;
    const fieldRef = arg.valueFrom?.fieldRef;
    if (secretRef) {
      values[arg.name] = await secretValue(kubernetes, namespace, secretRef, arg.name);
    } else if (arg.value !== undefined && arg.value !== null) {
      values[arg.name] = arg.value;
    } else if (fieldRef) {
      if (!options.fieldRef) {
        throw new ArgsError(
          `args.${arg.name}: valueFrom.fieldRef "${fieldRef.fieldPath}" must be resolved from ` +
            `the Rollout before the run is measured`,
        );
      }
      const value = options.fieldRef(fieldRef.fieldPath, arg.name);
      if (value === undefined) throw new ArgsError(`args.${arg.name} was not resolved`);
      values[arg.name] = value;
    } else {
      throw new ArgsError(`args.${arg.name} was not resolved`);
    }
  }
  return values;
}

async function secretValue(
  kubernetes: Kubernetes,
  namespace: string,
  ref: { name: string; key: string },
  arg: string,
): Promise<string> {
  const secret = await kubernetes.get({
    apiVersion: 'v1',
    kind: 'Secret',
    namespace,
    name: ref.name,
  });
  if (!secret) {
    throw new ArgsError(
      `args.${arg}: secrets "${ref.name}" not found in namespace "${namespace}" ` +
        `(valueFrom.secretKeyRef)`,
    );
  }
  const data = (secret['data'] ?? {}) as Record<string, string>;
  const stringData = (secret['stringData'] ?? {}) as Record<string, string>;
  if (data[ref.key] !== undefined) return Buffer.from(data[ref.key]!, 'base64').toString('utf8');
  // stringData is write-only on a real API server; a simulated one may keep it.
  if (stringData[ref.key] !== undefined) return stringData[ref.key]!;
  throw new ArgsError(`key '${ref.key}' does not exist in secret '${ref.name}'`);
}

/**
 * ResolveMetricArgs: every string in the metric (keys too: Argo substitutes in the metric's
 * JSON text) with `{{args.<name>}}` (spaces inside the braces allowed) replaced. Any other
 * `{{...}}` is an error, as in Argo ("failed to resolve {{tag}}").
 */
export function substituteArgs(metric: Metric, values: Readonly<Record<string, string>>): Metric {
  return substitute(metric, values) as Metric;
}

function substitute(value: unknown, values: Readonly<Record<string, string>>): unknown {
  if (typeof value === 'string') return substituteString(value, values);
  if (Array.isArray(value)) return value.map((v) => substitute(v, values));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [substituteString(k, values), substitute(v, values)]),
    );
  }
  return value;
}

/** fasttemplate with `{{` `}}`: the tag is everything up to the next `}}`, trimmed to look up. */
export function substituteString(text: string, values: Readonly<Record<string, string>>): string {
  let out = '';
  let rest = text;
  for (;;) {
    const open = rest.indexOf('{{');
    if (open < 0) return out + rest;
    const close = rest.indexOf('}}', open + 2);
    if (close < 0) {
      throw new ArgsError(
        `Cannot find end tag="}}" in the template=${JSON.stringify(text)} starting from ` +
          JSON.stringify(rest.slice(open + 2)),
      );
    }
    const tag = rest.slice(open + 2, close);
    const name = /^args\.(.+)$/.exec(tag.trim())?.[1];
    if (name === undefined || !Object.hasOwn(values, name)) {
      throw new ArgsError(`failed to resolve {{${tag}}}`);
    }
    out += rest.slice(0, open) + values[name]!;
    rest = rest.slice(close + 2);
  }
}
