/**
 * The kinds we know by name: their group, plural, short names and scope, so the API accepts
 * `wf`, `workflows` or `Workflow` as kubectl does, and knows which kinds are cluster-scoped.
 * A kind not listed is still accepted and stored (as namespaced).
 */
export interface KindInfo {
  kind: string;
  group: string;
  version: string;
  plural: string;
  shortNames: string[];
  namespaced: boolean;
}

const k = (
  kind: string,
  group: string,
  version: string,
  plural: string,
  shortNames: string[],
  namespaced = true,
): KindInfo => ({
  kind,
  group,
  version,
  plural,
  shortNames,
  namespaced,
});

const ARGO = 'argoproj.io';

export const KINDS: readonly KindInfo[] = [
  // Argo CD
  k('Application', ARGO, 'v1alpha1', 'applications', ['app', 'apps']),
  k('ApplicationSet', ARGO, 'v1alpha1', 'applicationsets', ['appset', 'appsets']),
  k('AppProject', ARGO, 'v1alpha1', 'appprojects', ['appproj', 'appprojs']),
  // Argo Workflows
  k('Workflow', ARGO, 'v1alpha1', 'workflows', ['wf']),
  k('WorkflowTemplate', ARGO, 'v1alpha1', 'workflowtemplates', ['wftmpl']),
  k(
    'ClusterWorkflowTemplate',
    ARGO,
    'v1alpha1',
    'clusterworkflowtemplates',
    ['clusterwftmpl', 'cwft'],
    false,
  ),
  k('CronWorkflow', ARGO, 'v1alpha1', 'cronworkflows', ['cwf', 'cronwf']),
  k('WorkflowEventBinding', ARGO, 'v1alpha1', 'workfloweventbindings', ['wfeb']),
  // Argo Rollouts
  k('Rollout', ARGO, 'v1alpha1', 'rollouts', ['ro']),
  k('AnalysisTemplate', ARGO, 'v1alpha1', 'analysistemplates', []),
  k('ClusterAnalysisTemplate', ARGO, 'v1alpha1', 'clusteranalysistemplates', [], false),
  k('AnalysisRun', ARGO, 'v1alpha1', 'analysisruns', []),
  k('Experiment', ARGO, 'v1alpha1', 'experiments', ['exp']),
  // Argo Events
  k('EventSource', ARGO, 'v1alpha1', 'eventsources', ['es']),
  k('Sensor', ARGO, 'v1alpha1', 'sensors', ['sn']),
  k('EventBus', ARGO, 'v1alpha1', 'eventbus', ['eb']),
  // Kubernetes built-ins
  k('Namespace', '', 'v1', 'namespaces', ['ns'], false),
  k('ConfigMap', '', 'v1', 'configmaps', ['cm']),
  k('Secret', '', 'v1', 'secrets', []),
  k('Service', '', 'v1', 'services', ['svc']),
  k('ServiceAccount', '', 'v1', 'serviceaccounts', ['sa']),
  k('Pod', '', 'v1', 'pods', ['po']),
  k('PersistentVolumeClaim', '', 'v1', 'persistentvolumeclaims', ['pvc']),
  k('Deployment', 'apps', 'v1', 'deployments', ['deploy']),
  k('ReplicaSet', 'apps', 'v1', 'replicasets', ['rs']),
  k('StatefulSet', 'apps', 'v1', 'statefulsets', ['sts']),
  k('DaemonSet', 'apps', 'v1', 'daemonsets', ['ds']),
  k('Job', 'batch', 'v1', 'jobs', []),
  k('CronJob', 'batch', 'v1', 'cronjobs', ['cj']),
  k('Ingress', 'networking.k8s.io', 'v1', 'ingresses', ['ing']),
  k('Role', 'rbac.authorization.k8s.io', 'v1', 'roles', []),
  k('RoleBinding', 'rbac.authorization.k8s.io', 'v1', 'rolebindings', []),
  k('ClusterRole', 'rbac.authorization.k8s.io', 'v1', 'clusterroles', [], false),
  k('ClusterRoleBinding', 'rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', [], false),
  k(
    'CustomResourceDefinition',
    'apiextensions.k8s.io',
    'v1',
    'customresourcedefinitions',
    ['crd', 'crds'],
    false,
  ),
];

const byName = new Map<string, KindInfo>();
for (const info of KINDS) {
  for (const name of [info.kind, info.plural, ...info.shortNames])
    byName.set(name.toLowerCase(), info);
}

/** A kind by its name, plural or short name, case-insensitive. */
export function resolveKind(name: string): KindInfo | undefined {
  return byName.get(name.toLowerCase());
}

/** Unknown kinds are namespaced, as most custom resources are. */
export function isNamespaced(kind: string): boolean {
  return resolveKind(kind)?.namespaced ?? true;
}
