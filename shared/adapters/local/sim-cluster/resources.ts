/**
 * What the simulated cluster serves: the built-in resources it knows, and CRDs applied to it.
 */
export interface ServedResource {
  group: string;
  version: string;
  /** Plural, as in URLs. */
  name: string;
  singularName: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  /** Built-ins accept strategic merge patches; custom resources do not (415, as a real server). */
  builtIn: boolean;
}

const builtIn = (
  group: string,
  version: string,
  name: string,
  kind: string,
  namespaced: boolean,
  shortNames: string[] = [],
): ServedResource => ({
  group,
  version,
  name,
  singularName: kind.toLowerCase(),
  kind,
  namespaced,
  shortNames,
  builtIn: true,
});

export const BUILT_IN_RESOURCES: readonly ServedResource[] = [
  builtIn('', 'v1', 'namespaces', 'Namespace', false, ['ns']),
  builtIn('', 'v1', 'pods', 'Pod', true, ['po']),
  builtIn('', 'v1', 'services', 'Service', true, ['svc']),
  builtIn('', 'v1', 'configmaps', 'ConfigMap', true, ['cm']),
  builtIn('', 'v1', 'secrets', 'Secret', true),
  builtIn('', 'v1', 'serviceaccounts', 'ServiceAccount', true, ['sa']),
  builtIn('', 'v1', 'events', 'Event', true, ['ev']),
  builtIn('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true, ['pvc']),
  builtIn('apps', 'v1', 'deployments', 'Deployment', true, ['deploy']),
  builtIn('apps', 'v1', 'replicasets', 'ReplicaSet', true, ['rs']),
  builtIn('apps', 'v1', 'statefulsets', 'StatefulSet', true, ['sts']),
  builtIn('batch', 'v1', 'jobs', 'Job', true),
  builtIn('networking.k8s.io', 'v1', 'ingresses', 'Ingress', true, ['ing']),
  builtIn('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true),
  builtIn('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true),
  builtIn('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
  builtIn('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
  builtIn(
    'apiextensions.k8s.io',
    'v1',
    'customresourcedefinitions',
    'CustomResourceDefinition',
    false,
    ['crd', 'crds'],
  ),
];

/** The resources a CustomResourceDefinition object makes servable (one per served version). */
export function resourcesOfCrd(crd: Record<string, unknown>): ServedResource[] {
  const spec = (crd['spec'] ?? {}) as {
    group?: string;
    scope?: string;
    names?: { plural?: string; singular?: string; kind?: string; shortNames?: string[] };
    versions?: { name: string; served?: boolean }[];
  };
  if (!spec.group || !spec.names?.plural || !spec.names.kind) return [];
  return (spec.versions ?? [])
    .filter((v) => v.served !== false)
    .map((v) => ({
      group: spec.group!,
      version: v.name,
      name: spec.names!.plural!,
      singularName: spec.names!.singular ?? spec.names!.kind!.toLowerCase(),
      kind: spec.names!.kind!,
      namespaced: spec.scope !== 'Cluster',
      shortNames: spec.names!.shortNames ?? [],
      builtIn: false,
    }));
}

export function groupVersion(r: Pick<ServedResource, 'group' | 'version'>): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}
