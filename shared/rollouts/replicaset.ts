/**
 * The ReplicaSets a Rollout owns on its cluster (rollout/replicaset.go, sync.go): one per revision
 * of `spec.template`, named `<rollout>-<pod-template-hash>`, the hash in the
 * `rollouts-pod-template-hash` label of the ReplicaSet, its selector and its pods, and the
 * revision in `rollout.argoproj.io/revision`.
 *
 * Two deliberate differences from Argo: the hash is FNV-32a over the template's canonical JSON
 * (sorted keys) where Argo hashes Go's struct JSON, so values differ from Argo's for the same
 * template (same format, same stability: equal templates hash equal, any change moves it); and no
 * ownerReference points at the Rollout, which is not an object on the cluster (DESIGN.md): labels
 * name the owner's resource key instead.
 */
import type { Json, JsonObject } from '../core/types.js';
import { canonicalJson } from '../core/objects.js';
import { fnv32a } from '../workflows/nodes.js';

export const POD_TEMPLATE_HASH_LABEL = 'rollouts-pod-template-hash';
export const REVISION_ANNOTATION = 'rollout.argoproj.io/revision';
export const DESIRED_REPLICAS_ANNOTATION = 'rollout.argoproj.io/desired-replicas';
/** Our owner label (a Rollout is not on the cluster, so no ownerReference): its resource key. */
export const OWNER_ANNOTATION = 'rollouts.argo-serverless.dev/owner';
export const OWNER_LABEL = 'rollouts.argo-serverless.dev/rollout';

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Kubernetes' rand.SafeEncodeString: each character mapped into an alphabet without vowels. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

/** The pod template's hash as Argo formats it: the decimal FNV-32a, safe-encoded. */
export function podTemplateHash(template: Json, collisionCount?: number): string {
  let text = canonicalJson(template);
  // Argo hashes the collision count's 8 little-endian bytes after the template; a suffix does the
  // same job (a different count, a different hash).
  if (collisionCount !== undefined) text += `\u0000${collisionCount}`;
  return safeEncodeString(String(fnv32a(text)));
}

export interface ReplicaSetInput {
  rolloutKey: string;
  name: string;
  namespace: string;
  template: JsonObject;
  selector: JsonObject;
  minReadySeconds?: number;
  revision: number;
  replicas: number;
  /** spec.replicas of the Rollout, kept on the ReplicaSet as Argo does. */
  desiredReplicas: number;
  collisionCount?: number;
}

/** The ReplicaSet of one revision of the Rollout's template. */
export function replicaSetFor(input: ReplicaSetInput): JsonObject {
  const hash = podTemplateHash(input.template, input.collisionCount);
  const templateMeta = (input.template['metadata'] ?? {}) as JsonObject;
  const labels = {
    ...((templateMeta['labels'] ?? {}) as Record<string, string>),
    [POD_TEMPLATE_HASH_LABEL]: hash,
  };
  const matchLabels = {
    ...(((input.selector['matchLabels'] ?? {}) as Record<string, string>) ?? {}),
    [POD_TEMPLATE_HASH_LABEL]: hash,
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${input.name}-${hash}`,
      namespace: input.namespace,
      labels: { ...labels, [OWNER_LABEL]: input.name },
      annotations: {
        [REVISION_ANNOTATION]: String(input.revision),
        [DESIRED_REPLICAS_ANNOTATION]: String(input.desiredReplicas),
        [OWNER_ANNOTATION]: input.rolloutKey,
      },
    },
    spec: {
      replicas: input.replicas,
      ...(input.minReadySeconds ? { minReadySeconds: input.minReadySeconds } : {}),
      selector: { ...input.selector, matchLabels },
      template: { ...input.template, metadata: { ...templateMeta, labels } },
    },
  };
}
