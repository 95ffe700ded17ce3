/**
 * Helpers the Rollout, analysis and Experiment validators share: reading an unchecked manifest
 * without trusting its types (the schema check reports wrong types; these checks skip them), Go
 * durations, int-or-percent values, label selectors and the pod template a ReplicaSet accepts.
 */
import type { FieldError, Validation } from '../resources/validate-object.js';

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
export const objAt = (v: unknown): Obj | undefined => (isObj(v) ? v : undefined);
export const listAt = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const strAt = (v: unknown): string => (typeof v === 'string' ? v : '');
export const intAt = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isInteger(v) ? v : undefined;
/** Set as Go sees a pointer field: present and not null. */
export const isSet = (v: unknown): boolean => v !== undefined && v !== null;

export class Checker {
  readonly errors: FieldError[] = [];
  readonly warnings: string[] = [];
  error(path: string, message: string): void {
    this.errors.push({ path, message });
  }
  warn(path: string, message: string): void {
    this.warnings.push(`${path}: ${message}`);
  }
  get result(): Validation {
    return { errors: this.errors, warnings: this.warnings };
  }
}

const GO_DURATION = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/;
const UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  μs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

/**
 * Go's time.ParseDuration in seconds, or undefined when Go would refuse it. Unlike Argo
 * Workflows' durations a bare number is refused ("5" has no unit), except "0".
 */
export function goDurationSeconds(text: string): number | undefined {
  if (/^[-+]?0$/.test(text)) return 0;
  if (!GO_DURATION.test(text)) return undefined;
  const sign = text.startsWith('-') ? -1 : 1;
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g))
    total += Number(m[1]) * UNIT_SECONDS[m[2]!]!;
  return sign * total;
}

/** A value still holding `{{...}}`: resolved from args later, checked then. */
export const isTemplated = (v: unknown): boolean => typeof v === 'string' && v.includes('{{');

/**
 * intstr's IntValue as Argo's checks use it: a number, or a string read with Atoi (0 when it is
 * not a number). Templated strings give undefined: they are checked once resolved.
 */
export function intOrStringValue(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  if (typeof v !== 'string' || isTemplated(v)) return undefined;
  return /^[-+]?\d+$/.test(v) ? Number(v) : 0;
}

/** maxSurge / maxUnavailable as Argo compares them to 0: "25%" is 25, "3" is 3, 3 is 3. */
export function intOrPercentValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return 0;
  const percent = /^(\d+)%$/.exec(v);
  if (percent) return Number(percent[1]);
  return /^[-+]?\d+$/.test(v) ? Number(v) : 0;
}

const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * A metav1.LabelSelector as ValidateLabelSelector checks it, and empty selectors refused (they
 * would select every pod of the namespace). Returns whether it is usable for matching.
 */
export function checkLabelSelector(c: Checker, selector: unknown, path: string): boolean {
  const s = objAt(selector);
  if (!s) return false;
  let usable = true;
  const matchLabels = objAt(s['matchLabels']) ?? {};
  for (const [k, v] of Object.entries(matchLabels)) {
    if (!LABEL_KEY.test(k) || k.length > 316) {
      c.error(`${path}.matchLabels["${k}"]`, `"${k}" is not a valid label key`);
      usable = false;
    }
    if (typeof v === 'string' && (!LABEL_VALUE.test(v) || v.length > 63)) {
      c.error(`${path}.matchLabels["${k}"]`, `"${v}" is not a valid label value`);
      usable = false;
    }
  }
  const expressions = listAt(s['matchExpressions']);
  expressions.forEach((e, i) => {
    const at = `${path}.matchExpressions[${i}]`;
    const expr = objAt(e);
    if (!expr) return;
    const operator = strAt(expr['operator']);
    const values = listAt(expr['values']);
    if (operator === 'In' || operator === 'NotIn') {
      if (values.length === 0) {
        c.error(`${at}.values`, `must be non-empty when operator is ${operator}`);
        usable = false;
      }
    } else if (operator === 'Exists' || operator === 'DoesNotExist') {
      if (values.length > 0) {
        c.error(`${at}.values`, `must be empty when operator is ${operator}`);
        usable = false;
      }
    } else if (isSet(expr['operator'])) {
      c.error(`${at}.operator`, `"${operator}" is not In, NotIn, Exists or DoesNotExist`);
      usable = false;
    }
  });
  if (Object.keys(matchLabels).length + expressions.length === 0) {
    c.error(path, 'an empty selector would select every pod: give matchLabels or matchExpressions');
    usable = false;
  }
  return usable;
}

export function selectorMatches(selector: Obj, labels: Obj): boolean {
  const has = (k: string) => typeof labels[k] === 'string';
  for (const [k, v] of Object.entries(objAt(selector['matchLabels']) ?? {}))
    if (labels[k] !== v) return false;
  for (const e of listAt(selector['matchExpressions'])) {
    const expr = objAt(e) ?? {};
    const key = strAt(expr['key']);
    const values = listAt(expr['values']);
    switch (expr['operator']) {
      case 'In':
        if (!has(key) || !values.includes(labels[key])) return false;
        break;
      case 'NotIn':
        if (has(key) && values.includes(labels[key])) return false;
        break;
      case 'Exists':
        if (!has(key)) return false;
        break;
      case 'DoesNotExist':
        if (has(key)) return false;
        break;
    }
  }
  return true;
}

/**
 * The pod template of a ReplicaSet as Kubernetes' ValidatePodTemplateSpecForReplicaSet checks
 * the parts users get wrong: the selector must match the template's labels, at least one
 * container, container names valid and unique, restartPolicy Always (the default), no
 * activeDeadlineSeconds. `selector` is passed only when it is usable for matching.
 */
export function checkReplicaSetTemplate(
  c: Checker,
  template: unknown,
  path: string,
  selector: Obj | undefined,
): void {
  const t = objAt(template);
  if (!t) {
    c.error(path, 'required: the pod template the ReplicaSets run');
    return;
  }
  const labels = objAt(objAt(t['metadata'])?.['labels']) ?? {};
  if (selector && !selectorMatches(selector, labels))
    c.error(
      `${path}.metadata.labels`,
      'the selector does not match the template labels: give the template the labels the selector asks for',
    );
  const spec = objAt(t['spec']);
  if (!spec) {
    c.error(`${path}.spec`, 'required: the pod spec with at least one container');
    return;
  }
  checkPodSpec(c, spec, `${path}.spec`);
  const restartPolicy = spec['restartPolicy'];
  if (isSet(restartPolicy) && restartPolicy !== 'Always')
    c.error(
      `${path}.spec.restartPolicy`,
      `"${String(restartPolicy)}" is not supported here: only Always`,
    );
  if (isSet(spec['activeDeadlineSeconds']))
    c.error(`${path}.spec.activeDeadlineSeconds`, 'not supported in a ReplicaSet pod template');
}

/** Containers present, names DNS labels and unique across containers and initContainers. */
export function checkPodSpec(c: Checker, spec: Obj, path: string): void {
  const containers = listAt(spec['containers']);
  if (containers.length === 0 && Array.isArray(spec['containers']))
    c.error(`${path}.containers`, 'at least one container is required');
  const seen = new Set<string>();
  for (const field of ['initContainers', 'containers']) {
    listAt(spec[field]).forEach((item, i) => {
      const container = objAt(item);
      const name = container?.['name'];
      if (typeof name !== 'string') return;
      const at = `${path}.${field}[${i}].name`;
      if (!DNS_LABEL.test(name) || name.length > 63)
        c.error(at, `"${name}" must be a lowercase RFC 1123 label of at most 63 characters`);
      else if (seen.has(name)) c.error(at, `duplicate container name "${name}"`);
      seen.add(name);
      listAt(container?.['ports']).forEach((p, j) => {
        const port = objAt(p)?.['containerPort'];
        if (typeof port === 'number' && (port < 1 || port > 65535))
          c.error(
            `${path}.${field}[${i}].ports[${j}].containerPort`,
            'must be between 1 and 65535',
          );
      });
    });
  }
}
