/**
 * Argo's standard k8s trigger: create / update / patch / delete of the source object after its
 * parameters are applied. argoproj.io kinds are ours: they are sent to our machines for the
 * Sensor's cluster (DESIGN.md), never to the cluster's API. A `generateName` gets a suffix derived
 * from the firing (trigger + event ids), so a retried trigger cannot create a second object.
 */
import type { EffectRequest, Json, JsonObject } from '../../core/types.js';
import { CLUSTER_SCOPED_NAMESPACE, formatKey } from '../../core/types.js';
import { CoreEffects } from '../../core/effects.js';
import { isNamespaced } from '../../resources/catalog.js';
import { applyParams } from '../params.js';
import type { K8sTrigger } from '../types.js';
import { resolveSource } from './source.js';
import { derivedName } from './names.js';
import type { TriggerContext, TriggerPlanner } from './plan.js';
import { EventEffects } from './plan.js';

export interface TriggerObject extends JsonObject {
  apiVersion: string;
  kind: string;
  metadata: JsonObject;
}

/** The trigger's object with parameters applied, named and placed in the Sensor's namespace. */
export function triggerObject(
  source: K8sTrigger['source'],
  parameters: K8sTrigger['parameters'],
  ctx: TriggerContext,
  create: boolean,
): { object: TriggerObject; derived: boolean } {
  const object = applyParams(resolveSource(source), parameters, ctx.events) as Json;
  if (
    !isObject(object) ||
    typeof object['apiVersion'] !== 'string' ||
    typeof object['kind'] !== 'string'
  )
    throw new Error('the trigger source is not a Kubernetes object (apiVersion, kind, metadata)');
  const metadata = (isObject(object['metadata']) ? object['metadata'] : {}) as JsonObject;
  object['metadata'] = metadata;
  if (isNamespaced(object['kind'] as string) && !metadata['namespace'])
    metadata['namespace'] = ctx.namespace;
  let derived = false;
  if (create && !metadata['name'] && typeof metadata['generateName'] === 'string') {
    metadata['name'] = derivedName(metadata['generateName'], ctx.seed);
    delete metadata['generateName'];
    derived = true;
  }
  if (typeof metadata['name'] !== 'string' || metadata['name'] === '')
    throw new Error('the trigger object has neither metadata.name nor metadata.generateName');
  return { object: object as TriggerObject, derived };
}

/** The resource key of an argoproj.io object on the Sensor's cluster. */
export function routedKey(object: TriggerObject, cluster: string): string {
  return formatKey({
    cluster,
    kind: object.kind,
    namespace: isNamespaced(object.kind)
      ? String(object.metadata['namespace'])
      : CLUSTER_SCOPED_NAMESPACE,
    name: String(object.metadata['name']),
  });
}

export function isOurs(object: TriggerObject): boolean {
  return object.apiVersion.startsWith('argoproj.io/');
}

export function sendTo(key: string, event: JsonObject): EffectRequest {
  return { kind: CoreEffects.SendMessage, input: { key, event } };
}

export const planK8sTrigger: TriggerPlanner<K8sTrigger> = (spec, ctx) => {
  const operation = spec.operation || 'create';
  const { object, derived } = triggerObject(
    spec.source,
    spec.parameters,
    ctx,
    operation === 'create',
  );
  if (isOurs(object)) {
    const key = routedKey(object, ctx.cluster);
    switch (operation) {
      case 'create':
      case 'update':
        return [sendTo(key, { type: 'Apply', object })];
      case 'patch': {
        const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = object;
        const json = spec.patchStrategy === 'application/json-patch+json';
        return [
          sendTo(key, {
            type: 'Patch',
            patchType: json ? 'json' : 'merge',
            patch: json ? (rest['patch'] ?? []) : ({ ...rest, metadata: object.metadata } as Json),
          }),
        ];
      }
      case 'delete':
        return [sendTo(key, { type: 'Delete' })];
    }
  }
  return [
    {
      kind: EventEffects.K8s,
      input: {
        tag: ctx.tag,
        cluster: ctx.cluster,
        operation,
        object,
        derivedName: derived,
        ...(spec.patchStrategy ? { patchStrategy: spec.patchStrategy } : {}),
        serviceAccountName: ctx.serviceAccountName ?? 'default',
      },
    },
  ];
};

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
