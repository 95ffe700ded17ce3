/**
 * Where an Application's AppProject comes from. AppProjects are stored in the control plane
 * without a machine (nothing about a project changes by itself), under
 * `in-cluster/AppProject/<Argo CD's namespace>/<name>`, as in an Argo CD install where projects
 * live in Argo CD's own namespace whatever namespace the Application is in.
 *
 * The `default` project: Argo CD's API server creates it on start when it is missing
 * (initializeDefaultProject). We resolve it instead: a lookup of `default` that finds nothing
 * answers DEFAULT_PROJECT, so it exists from the very first event of every runtime (embedded or
 * AWS) without a start-up write, a race between two starting Lambdas, or a seed step to forget.
 * A stored `default` (a user who narrows it, as Argo recommends) wins over the built-in one.
 * The one difference from Argo: deleting the stored `default` brings the built-in one back at
 * once, where Argo CD brings it back at the API server's next restart.
 */
import type { KubeObject } from '../core/objects.js';
import type { ResourceKey } from '../core/types.js';
import { formatKey, HOME_CLUSTER } from '../core/types.js';
import type { AppProject } from './project.js';
import { DEFAULT_PROJECT } from './project.js';

/** Argo CD's namespace (its `--namespace`), where AppProjects live. */
export const ARGOCD_NAMESPACE = 'argocd';

export const DEFAULT_PROJECT_NAME = 'default';

/** Reads one resource's current object from the control plane; null when it does not exist. */
export type ReadResource = (key: ResourceKey) => Promise<KubeObject | null>;

export function projectKey(name: string, namespace = ARGOCD_NAMESPACE): ResourceKey {
  return formatKey({ cluster: HOME_CLUSTER, kind: 'AppProject', namespace, name });
}

/**
 * The AppProject an Application names in `spec.project`, or null when there is no such project
 * (Argo: "application references project X which does not exist"). An empty name is no project,
 * as Argo's lookup of "" finds none.
 */
export async function projectFor(
  name: string,
  read: ReadResource,
  namespace = ARGOCD_NAMESPACE,
): Promise<AppProject | null> {
  if (!name || name.includes('/')) return null;
  const stored = await read(projectKey(name, namespace));
  if (stored) return asAppProject(stored);
  if (name !== DEFAULT_PROJECT_NAME) return null;
  return structuredClone({
    ...DEFAULT_PROJECT,
    metadata: { ...DEFAULT_PROJECT.metadata, namespace },
  }) as AppProject;
}

/** A stored object as the project rules read it (an absent spec is an empty one, denying all). */
function asAppProject(object: KubeObject): AppProject {
  const spec = object.spec && typeof object.spec === 'object' && !Array.isArray(object.spec);
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: {
      name: object.metadata.name,
      ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
    },
    spec: (spec ? object.spec : {}) as AppProject['spec'],
    ...(object.status ? { status: object.status as AppProject['status'] } : {}),
  };
}
