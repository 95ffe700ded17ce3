/**
 * What each API request needs in Argo CD's RBAC terms: a list of (resource, action, object)
 * triples, all of which must be allowed. Pure; the HTTP server asks, the enforcer answers.
 *
 * Argo CD's server is the model (server/application, server/applicationset, server/project,
 * server/cluster, server/repository):
 * - Application: `applications <project>/<name>` (`<project>/<namespace>/<name>` outside the
 *   control-plane namespace, Argo's RBACName); get, create, update, delete; a sync (an
 *   `operation` set or changed, or the sync route) is `sync`; a rollback is `sync`, or `rollback`
 *   when argocd-cm sets `server.rbac.rollback.enforce.enable: "true"`. Moving an Application to
 *   another project needs `create` in the new one and `update` in the old one.
 * - ApplicationSet: `applicationsets <template project>/<name>`, same actions.
 * - AppProject: `projects <name>`.
 * - Secrets typed by `argocd.argoproj.io/secret-type`: clusters (`<project>/<server>` or
 *   `<server>`), repositories and credential templates (`<project>/<url>` or `<url>`), write
 *   repositories the same under `write-repositories`.
 * - Everything else is not an Argo CD resource. It is named by its kind's plural (`workflows`,
 *   `rollouts`, `sensors`, `configmaps`, `secrets` for untyped Secrets; the lowercased kind for
 *   kinds the catalog does not know) with object `<namespace>/<name>` (`<name>` when
 *   cluster-scoped) and the actions get, create, update, delete. role:admin may do anything to
 *   them and role:readonly may get them (SERVERLESS_POLICY_CSV); grant others in policy.csv.
 */
import type { KubeObject } from '../core/objects.js';
import { sameJson } from '../core/objects.js';
import type { SecretObject } from '../core/ports.js';
import { CLUSTER_SCOPED_NAMESPACE } from '../core/types.js';
import { resolveKind } from '../resources/catalog.js';

export interface Permission {
  resource: string;
  action: string;
  object: string;
}

/** Argo CD's own namespace: AppProjects, argocd-cm and argocd-rbac-cm live there. */
export const CONTROL_PLANE_NAMESPACE = 'argocd';

/**
 * Added to Argo's built-in policy: its two built-in roles also cover the kinds Argo CD does not
 * have (Workflows, Rollouts, Events, plain Kubernetes objects, untyped Secrets, raw ingress).
 */
export const SERVERLESS_POLICY_CSV = `
p, role:admin, *, *, *, allow
p, role:readonly, *, get, *, allow
`;

const SECRET_TYPE_LABEL = 'argocd.argoproj.io/secret-type';

/** Argo's security.RBACName with the control plane's namespace. */
export function rbacName(project: string, namespace: string | undefined, name: string): string {
  if (namespace && namespace !== CONTROL_PLANE_NAMESPACE) return `${project}/${namespace}/${name}`;
  return `${project}/${name}`;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const specOf = (o: KubeObject): Record<string, unknown> =>
  (o['spec'] as Record<string, unknown> | undefined) ?? {};

/** An Application's project; Argo reads an empty one as `default`. */
export function applicationProject(app: KubeObject): string {
  return str(specOf(app)['project']) || 'default';
}

/** An ApplicationSet's project is its template's (Argo's ApplicationSet.RBACName). */
export function applicationSetProject(appset: KubeObject): string {
  const template = (specOf(appset)['template'] as Record<string, unknown> | undefined) ?? {};
  const spec = (template['spec'] as Record<string, unknown> | undefined) ?? {};
  return str(spec['project']) || 'default';
}

/** The RBAC resource name of a kind that is not an Argo CD resource. */
export function resourceOfKind(kind: string): string {
  return resolveKind(kind)?.plural ?? kind.toLowerCase();
}

/** A resource named only by its key: the form for kinds that are not Argo CD resources. */
export function keyPermission(
  ref: { kind: string; namespace: string; name: string },
  action: string,
): Permission {
  const object =
    ref.namespace === CLUSTER_SCOPED_NAMESPACE || ref.namespace === ''
      ? ref.name
      : `${ref.namespace}/${ref.name}`;
  return { resource: resourceOfKind(ref.kind), action, object };
}

/** The permission to act on an object as it is (or will be) stored. */
export function objectPermission(object: KubeObject, action: string): Permission {
  const { name = '', namespace } = object.metadata;
  switch (object.kind) {
    case 'Application':
      return {
        resource: 'applications',
        action,
        object: rbacName(applicationProject(object), namespace, name),
      };
    case 'ApplicationSet':
      return {
        resource: 'applicationsets',
        action,
        object: rbacName(applicationSetProject(object), namespace, name),
      };
    case 'AppProject':
      return { resource: 'projects', action, object: name };
    case 'Secret':
      return secretPermission(secretFromObject(object), action);
    default:
      return keyPermission(
        { kind: object.kind, namespace: namespace ?? CLUSTER_SCOPED_NAMESPACE, name },
        action,
      );
  }
}

/** Argo CD's cluster and repository Secrets by their type label; other Secrets by key. */
export function secretPermission(secret: SecretObject, action: string): Permission {
  const type = secret.labels[SECRET_TYPE_LABEL];
  const scoped = (target: string): string => {
    const project = secret.data['project'];
    return project ? `${project}/${target}` : target;
  };
  switch (type) {
    case 'cluster':
      return { resource: 'clusters', action, object: scoped(secret.data['server'] ?? '') };
    case 'repository':
    case 'repo-creds':
      return { resource: 'repositories', action, object: scoped(secret.data['url'] ?? '') };
    case 'repository-write':
    case 'repo-write-creds':
      return { resource: 'write-repositories', action, object: scoped(secret.data['url'] ?? '') };
    default:
      return keyPermission(
        { kind: 'Secret', namespace: secret.namespace, name: secret.name },
        action,
      );
  }
}

/** A v1 Secret document as the secrets store will hold it (data decoded, stringData on top). */
export function secretFromObject(object: KubeObject): SecretObject {
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries((object['data'] as Record<string, string> | undefined) ?? {}))
    data[k] = Buffer.from(v, 'base64').toString('utf8');
  Object.assign(data, (object['stringData'] as Record<string, string> | undefined) ?? {});
  return {
    name: object.metadata.name ?? '',
    namespace: object.metadata.namespace ?? 'default',
    labels: object.metadata.labels ?? {},
    data,
  };
}

const hasProject = (o: KubeObject): boolean =>
  o.kind === 'Application' || o.kind === 'ApplicationSet';

const projectOf = (o: KubeObject): string =>
  o.kind === 'Application' ? applicationProject(o) : applicationSetProject(o);

/** An Application's `operation` that asks for a sync: set, and not the one already there. */
function newOperation(current: KubeObject | null, next: KubeObject): boolean {
  if (next.kind !== 'Application') return false;
  const operation = next['operation'];
  if (operation === undefined || operation === null) return false;
  return !current || !sameJson(current['operation'] ?? null, operation);
}

/** Moving to another project: `create` in the new one, `update` in the old (Argo's rule). */
function projectMove(current: KubeObject, next: KubeObject): Permission[] {
  if (!hasProject(next) || projectOf(current) === projectOf(next)) return [];
  return [objectPermission(next, 'create'), objectPermission(current, 'update')];
}

/** An apply: create or update, a project move, and `sync` when it sets a new operation. */
export function applyPermissions(next: KubeObject, current: KubeObject | null): Permission[] {
  const perms = current
    ? [objectPermission(next, 'update'), ...projectMove(current, next)]
    : [objectPermission(next, 'create')];
  if (newOperation(current, next)) perms.push(objectPermission(next, 'sync'));
  return dedupe(perms);
}

/**
 * A patch, judged on the object before and after: a patch that only sets an Application's
 * operation is a sync (what `argocd app sync` asks for) and needs `sync` alone; any other change
 * needs `update` (Argo's Patch), plus `sync` if it also sets a new operation.
 */
export function patchPermissions(current: KubeObject, patched: KubeObject): Permission[] {
  const sync = newOperation(current, patched);
  const perms: Permission[] = [];
  if (!sync || !sameJson(withoutOperation(current), withoutOperation(patched)))
    perms.push(objectPermission(current, 'update'), ...projectMove(current, patched));
  if (sync) perms.push(objectPermission(current, 'sync'));
  return dedupe(perms);
}

function withoutOperation(o: KubeObject): unknown {
  const { operation: _op, metadata, ...rest } = o;
  const { resourceVersion: _rv, ...meta } = metadata;
  return { ...rest, metadata: meta };
}

/** A rollback is a sync unless argocd-cm turns on the dedicated `rollback` action. */
export function rollbackPermission(app: KubeObject, rollbackEnforced: boolean): Permission {
  return objectPermission(app, rollbackEnforced ? 'rollback' : 'sync');
}

function dedupe(perms: Permission[]): Permission[] {
  const seen = new Set<string>();
  return perms.filter((p) => {
    const id = `${p.resource}\0${p.action}\0${p.object}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
