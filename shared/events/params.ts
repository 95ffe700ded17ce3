/**
 * Trigger parameters (pkg/sensors/triggers/params.go), pure: a value from a dependency's event
 * (`dataKey` / `contextKey` as gjson paths, `dataTemplate` / `contextTemplate` as Go templates
 * over `.Input`, the whole event when none is given, `value` as the default) written at `dest`
 * (an sjson path) by overwrite, append or prepend. JSON values go in raw only with `useRawData`;
 * otherwise they go in as strings, exactly as Argo does.
 */
import type { Json } from '../core/types.js';
import { gjsonGet, sjsonSet, sjsonSetRaw } from '../expr/gjson.js';
import { renderGoTemplate } from '../expr/go-template.js';
import type { ArgoEvent, TriggerParameter, TriggerParameterSource } from './types.js';

export class ParameterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParameterError';
  }
}

type ValueType = 'String' | 'Number' | 'True' | 'False' | 'Null' | 'JSON';

export interface ResolvedValue {
  value: string;
  type: ValueType;
}

/** Argo's Event marshalled by Go: `data` is a []byte, so it comes out as base64. */
function marshalEvent(event: ArgoEvent): string {
  return JSON.stringify({
    context: event.context,
    data: Buffer.from(JSON.stringify(event.data)).toString('base64'),
  });
}

export function resolveParamValue(
  src: TriggerParameterSource,
  events: Readonly<Record<string, ArgoEvent>>,
): ResolvedValue | undefined {
  const event = events[src.dependencyName];
  if (!event) {
    if (src.value !== undefined) return { value: src.value, type: 'String' };
    return undefined;
  }
  if (!src.contextKey && !src.dataKey && !src.dataTemplate && !src.contextTemplate) {
    return { value: src.value ?? marshalEvent(event), type: 'String' };
  }
  let payload: unknown;
  let key: string | undefined;
  let template: string | undefined;
  if (src.contextKey || src.contextTemplate) {
    payload = event.context;
    key = src.contextKey;
    template = src.contextTemplate;
  }
  if (src.dataKey || src.dataTemplate) {
    payload = event.data;
    key = src.dataKey;
    template = src.dataTemplate;
  }
  const failures: string[] = [];
  if (template) {
    try {
      const out = renderGoTemplate(template, { Input: payload });
      if (out !== '' && out !== '<no value>') return { value: out, type: 'String' };
      failures.push(`template evaluated to empty string or no value: ${template}`);
    } catch (err) {
      failures.push((err as Error).message);
    }
  }
  if (key) {
    const r = gjsonGet(payload, key);
    if (r.exists) {
      if (r.type === 'JSON' || r.type === 'Null') return { value: r.raw, type: r.type };
      return { value: r.str, type: r.type };
    }
    failures.push(`key ${key} does not exist in the event payload`);
  }
  if (src.value !== undefined) return { value: src.value, type: 'String' };
  throw new ParameterError(
    `unable to resolve '${src.dependencyName}' parameter value: ${failures.join('; ')}`,
  );
}

/** Applies parameters to a JSON document (a resource, a trigger template, a payload). */
export function applyParams(
  document: Json,
  parameters: readonly TriggerParameter[] | undefined,
  events: Readonly<Record<string, ArgoEvent>>,
): Json {
  let doc = document;
  for (const param of parameters ?? []) {
    const resolved = resolveParamValue(param.src, events);
    if (!resolved) continue;
    let { value, type } = resolved;
    const op = param.operation ?? '';
    if (op === 'append' || op === 'prepend') {
      const current = gjsonGet(doc, param.dest);
      if (current.exists) {
        type = 'String';
        value = op === 'append' ? current.str + value : value + current.str;
      }
    } else if (op !== 'overwrite' && op !== '') {
      throw new ParameterError(`unsupported trigger parameter operation: ${String(op)}`);
    }
    try {
      doc = (
        type !== 'String' && param.src.useRawData
          ? sjsonSetRaw(doc, param.dest, value)
          : sjsonSet(doc, param.dest, value)
      ) as Json;
    } catch (err) {
      throw new ParameterError(`dest "${param.dest}": ${(err as Error).message}`);
    }
  }
  return doc;
}

/**
 * A payload built from parameters alone (http and lambda triggers): an empty document filled at
 * each dest; a parameter without dest is the whole payload.
 */
export function constructPayload(
  parameters: readonly TriggerParameter[] | undefined,
  events: Readonly<Record<string, ArgoEvent>>,
): string {
  let doc: Json | undefined;
  for (const param of parameters ?? []) {
    const resolved = resolveParamValue(param.src, events);
    if (!param.dest) {
      if (resolved) return resolved.value;
      continue;
    }
    if (!resolved) continue;
    doc = (
      resolved.type !== 'String' && param.src.useRawData
        ? sjsonSetRaw(doc ?? {}, param.dest, resolved.value)
        : sjsonSet(doc ?? {}, param.dest, resolved.value)
    ) as Json;
  }
  return doc === undefined ? '' : JSON.stringify(doc);
}
