/**
 * The Kubernetes scheme defaults gitops-engine applies to both the predicted and the live object
 * of a built-in kind before comparing them (diff.go applyPatch -> generateSchemeDefaultPatch), so
 * a field the API server fills in (a container's terminationMessagePath, a Service port's
 * protocol) is no difference even when the desired object replaced the list that held it.
 *
 * Only the defaulting functions of k8s.io/kubernetes pkg/apis/{core,apps}/v1/defaults.go that
 * touch the workload kinds an Application typically holds are reproduced. Values the server
 * allocates (a Service's clusterIP, a nodePort) are not defaults: the three-way merge keeps them
 * because the desired object does not set them.
 */
import type { Json, JsonObject } from '../../core/types.js';

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function objectsIn(v: Json | undefined): JsonObject[] {
  return Array.isArray(v) ? v.filter(isObject) : [];
}

function setDefault(obj: JsonObject, field: string, value: Json): void {
  if (obj[field] === undefined || obj[field] === null || obj[field] === '') obj[field] = value;
}

/** Where each workload kind keeps its pod spec. */
const POD_SPEC_PATHS: Record<string, string[]> = {
  Pod: ['spec'],
  PodTemplate: ['template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Deployment: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

/** Applies the scheme defaults in place to an object of a built-in group (copy it first). */
export function applySchemeDefaults(obj: JsonObject, group: string, kind: string): void {
  const podSpecPath = POD_SPEC_PATHS[kind];
  if (podSpecPath && (group === '' || group === 'apps' || group === 'batch')) {
    let here: Json | undefined = obj;
    for (const step of podSpecPath) here = isObject(here) ? here[step] : undefined;
    if (isObject(here)) defaultPodSpec(here);
  }
  const spec = obj['spec'];
  if (!isObject(spec)) return;
  if (group === 'apps' && kind === 'Deployment') defaultDeployment(spec);
  if (group === '' && kind === 'Service') defaultService(spec);
}

function defaultPodSpec(spec: JsonObject): void {
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'schedulerName', 'default-scheduler');
  if (spec['securityContext'] === undefined) spec['securityContext'] = {};
  for (const list of ['containers', 'initContainers']) {
    for (const container of objectsIn(spec[list])) defaultContainer(container);
  }
  for (const volume of objectsIn(spec['volumes'])) {
    for (const source of ['configMap', 'secret']) {
      const s = volume[source];
      if (isObject(s)) setDefault(s, 'defaultMode', 420);
    }
    const projected = volume['projected'];
    if (isObject(projected)) setDefault(projected, 'defaultMode', 420);
  }
}

function defaultContainer(container: JsonObject): void {
  setDefault(container, 'terminationMessagePath', '/dev/termination-log');
  setDefault(container, 'terminationMessagePolicy', 'File');
  const image = container['image'];
  if (typeof image === 'string') setDefault(container, 'imagePullPolicy', pullPolicyFor(image));
  for (const port of objectsIn(container['ports'])) setDefault(port, 'protocol', 'TCP');
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const p = container[probe];
    if (isObject(p)) defaultProbe(p);
  }
  for (const env of objectsIn(container['env'])) {
    const from = env['valueFrom'];
    const fieldRef = isObject(from) ? from['fieldRef'] : undefined;
    if (isObject(fieldRef)) setDefault(fieldRef, 'apiVersion', 'v1');
  }
}

/** `:latest` or no tag (and no digest) pulls Always, anything else IfNotPresent. */
export function pullPolicyFor(image: string): string {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  const tag = colon < 0 ? '' : lastSegment.slice(colon + 1);
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(probe: JsonObject): void {
  setDefault(probe, 'timeoutSeconds', 1);
  setDefault(probe, 'periodSeconds', 10);
  setDefault(probe, 'successThreshold', 1);
  setDefault(probe, 'failureThreshold', 3);
  const httpGet = probe['httpGet'];
  if (isObject(httpGet)) {
    setDefault(httpGet, 'path', '/');
    setDefault(httpGet, 'scheme', 'HTTP');
  }
}

function defaultDeployment(spec: JsonObject): void {
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  if (!isObject(spec['strategy'])) spec['strategy'] = {};
  const strategy = spec['strategy'] as JsonObject;
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy['type'] === 'RollingUpdate') {
    if (!isObject(strategy['rollingUpdate'])) strategy['rollingUpdate'] = {};
    const rolling = strategy['rollingUpdate'] as JsonObject;
    setDefault(rolling, 'maxUnavailable', '25%');
    setDefault(rolling, 'maxSurge', '25%');
  }
}

function defaultService(spec: JsonObject): void {
  setDefault(spec, 'type', 'ClusterIP');
  setDefault(spec, 'sessionAffinity', 'None');
  const type = spec['type'];
  if (type !== 'ExternalName') setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  if (type === 'NodePort' || type === 'LoadBalancer') {
    setDefault(spec, 'externalTrafficPolicy', 'Cluster');
  }
  for (const port of objectsIn(spec['ports'])) {
    setDefault(port, 'protocol', 'TCP');
    if (port['targetPort'] === undefined || port['targetPort'] === 0) {
      if (port['port'] !== undefined) port['targetPort'] = port['port'];
    }
  }
}
