/**
 * Who is calling and what they may do: Argo CD's RBAC on the HTTP API.
 *
 * The policy is read through the ControlPlane, as Argo CD's server reads it from its informers:
 * the `argocd-rbac-cm` ConfigMap (policy.csv and overlays, policy.default, policy.matchMode,
 * scopes), `argocd-cm` (server.rbac.rollback.enforce.enable), the AppProjects (their roles'
 * policies, groups and issued tokens) in the control-plane namespace, and the server key that
 * signs project tokens (`server.secretkey` of the `argocd-secret` Secret). One read is cached for
 * `cacheMs` (default 5 s): on AWS each read is three table queries and a Secrets Manager call per
 * request otherwise, and Argo CD's own informers are not instantaneous either. Writes of those
 * objects through this server drop the cache at once; writes elsewhere (another Lambda container)
 * take effect within `cacheMs`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ControlPlane } from '../runtime/control-plane.js';
import type { JsonObject } from '../core/types.js';
import { HOME_CLUSTER, formatKey } from '../core/types.js';
import type { Log } from '../core/log.js';
import { silentLog } from '../core/log.js';
import { SecretNotFoundError } from '../core/ports.js';
import type { AppProjectLike, EnforcerOptions } from '../cd/rbac.js';
import {
  Enforcer,
  enforcerOptionsFromConfigMap,
  projectRoleFromSubject,
  projectTokenExists,
  scopeValues,
  userIdentifier,
} from '../cd/rbac.js';
import type { Permission } from './permissions.js';
import { CONTROL_PLANE_NAMESPACE, SERVERLESS_POLICY_CSV } from './permissions.js';
import { JwtError, looksLikeJwt, verifyJwt } from './jwt.js';

export const RBAC_CONFIGMAP = 'argocd-rbac-cm';
export const ARGOCD_CONFIGMAP = 'argocd-cm';
export const ARGOCD_SECRET = 'argocd-secret';
export const SERVER_KEY = 'server.secretkey';
export const ROLLBACK_ENFORCE_KEY = 'server.rbac.rollback.enforce.enable';
export const DEFAULT_POLICY_CACHE_MS = 5_000;

/** A refusal the HTTP server answers with 401 (who) or 403 (what). */
export class AuthError extends Error {
  constructor(
    readonly code: 401 | 403,
    message: string,
    /** For a 403: who was refused what (the Status details). */
    readonly details?: { subject: string } & Partial<Permission>,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

/** The caller's claims: `sub` (or Dex's federated user id), groups under the `scopes` claims. */
export type Claims = JsonObject;

/** Finds the caller of a request; throws AuthError(401) when there is none. */
export type Authenticator = (req: IncomingMessage, authorizer: Authorizer) => Promise<Claims>;

/** The policy at one moment: the enforcer and what it was built from. */
export interface PolicyView {
  enforcer: Enforcer;
  projects: Map<string, AppProjectLike>;
  scopes: string[];
  rollbackEnforced: boolean;
}

export interface AuthorizerOptions {
  controlPlane: ControlPlane;
  cacheMs?: number;
  log?: Log;
}

export class Authorizer {
  private cached: { at: number; view: Promise<PolicyView> } | undefined;
  private cachedKey: { at: number; key: Promise<string | undefined> } | undefined;
  private readonly cp: ControlPlane;
  private readonly log: Log;

  constructor(private readonly options: AuthorizerOptions) {
    this.cp = options.controlPlane;
    this.log = options.log ?? silentLog;
  }

  /** The current policy, read at most once per `cacheMs`. */
  policy(): Promise<PolicyView> {
    const now = this.cp.clock.now();
    const ttl = this.options.cacheMs ?? DEFAULT_POLICY_CACHE_MS;
    if (!this.cached || now - this.cached.at >= ttl) {
      const view = this.load();
      // A failed read is not cached: the next request tries again.
      view.catch(() => {
        if (this.cached?.view === view) this.cached = undefined;
      });
      this.cached = { at: now, view };
    }
    return this.cached.view;
  }

  now(): number {
    return this.cp.clock.now();
  }

  /** Drops the cached policy (after a write of anything it is built from). */
  invalidate(): void {
    this.cached = undefined;
    this.cachedKey = undefined;
  }

  /**
   * The server key that signs project tokens, read only when a token is presented or created
   * (a request with the admin token never touches Secrets Manager), and cached like the policy.
   */
  signingKey(): Promise<string | undefined> {
    const now = this.cp.clock.now();
    const ttl = this.options.cacheMs ?? DEFAULT_POLICY_CACHE_MS;
    if (!this.cachedKey || now - this.cachedKey.at >= ttl) {
      const key = this.readSigningKey();
      key.catch(() => {
        if (this.cachedKey?.key === key) this.cachedKey = undefined;
      });
      this.cachedKey = { at: now, key };
    }
    return this.cachedKey.key;
  }

  /** Whether a write of this resource changes the policy. */
  static affectsPolicy(ref: { kind: string; namespace: string; name: string }): boolean {
    if (ref.namespace !== CONTROL_PLANE_NAMESPACE) return false;
    if (ref.kind === 'AppProject') return true;
    if (ref.kind === 'ConfigMap')
      return ref.name === RBAC_CONFIGMAP || ref.name === ARGOCD_CONFIGMAP;
    return ref.kind === 'Secret' && ref.name === ARGOCD_SECRET;
  }

  async allowed(claims: Claims, permission: Permission): Promise<boolean> {
    const { enforcer } = await this.policy();
    const { resource, action, object } = permission;
    return enforcer.enforceClaims(claims, resource, action, object);
  }

  /** Throws AuthError(403) with Argo's message for the first permission the caller lacks. */
  async require(claims: Claims, permissions: readonly Permission[]): Promise<void> {
    for (const permission of permissions)
      if (!(await this.allowed(claims, permission)))
        throw new AuthError(403, denialMessage(claims, permission), {
          subject: userIdentifier(claims),
          ...permission,
        });
  }

  private async load(): Promise<PolicyView> {
    const configMapData = async (name: string): Promise<Record<string, string>> => {
      const key = formatKey({
        cluster: HOME_CLUSTER,
        kind: 'ConfigMap',
        namespace: CONTROL_PLANE_NAMESPACE,
        name,
      });
      const { object } = await this.cp.get(key);
      return (object?.['data'] as Record<string, string> | undefined) ?? {};
    };
    const [rbacData, cmData, projectEntries] = await Promise.all([
      configMapData(RBAC_CONFIGMAP),
      configMapData(ARGOCD_CONFIGMAP),
      this.cp.list('AppProject', { cluster: HOME_CLUSTER, namespace: CONTROL_PLANE_NAMESPACE }),
    ]);
    const projects = new Map<string, AppProjectLike>();
    for (const entry of projectEntries)
      if (entry.object) projects.set(entry.name, entry.object as unknown as AppProjectLike);
    let options: Omit<EnforcerOptions, 'projects'>;
    try {
      options = enforcerOptionsFromConfigMap(rbacData);
      // Parse once here so that a broken policy.csv is reported, not thrown per request.
      new Enforcer(options);
    } catch (err) {
      // Fail closed: the built-in roles only, as Argo's enforcer without a loadable user policy.
      this.log.error('argocd-rbac-cm is invalid: only the built-in policy applies', {
        error: (err as Error).message,
      });
      options = { policyCsv: '' };
    }
    const enforcer = new Enforcer({
      ...options,
      policyCsv: `${SERVERLESS_POLICY_CSV}\n${options.policyCsv}`,
      projects: [...projects.values()],
    });
    for (const warning of enforcer.warnings) this.log.warn('RBAC policy', { warning });
    return {
      enforcer,
      projects,
      scopes: options.scopes ?? ['groups'],
      rollbackEnforced: (cmData[ROLLBACK_ENFORCE_KEY] ?? '').toLowerCase() === 'true',
    };
  }

  private async readSigningKey(): Promise<string | undefined> {
    try {
      return await this.cp.secrets.get({
        name: ARGOCD_SECRET,
        namespace: CONTROL_PLANE_NAMESPACE,
        key: SERVER_KEY,
      });
    } catch (err) {
      if (err instanceof SecretNotFoundError) return undefined;
      throw err;
    }
  }
}

/** Argo's EnforceErr message: `permission denied: <resource>, <action>, <object>, sub: <id>`. */
export function denialMessage(claims: Claims, permission: Permission): string {
  const parts = [permission.resource, permission.action, permission.object];
  const sub = userIdentifier(claims);
  if (sub !== '') parts.push(`sub: ${sub}`);
  if (typeof claims['iat'] === 'number')
    parts.push(`iat: ${new Date(claims['iat'] * 1000).toISOString().replace('.000Z', 'Z')}`);
  return `permission denied: ${parts.join(', ')}`;
}

/** Whether the caller is in one of the groups (Argo's jwtutil.IsMember). */
export function isMember(claims: Claims, groups: readonly string[], scopes: string[]): boolean {
  const mine = new Set(scopeValues(claims, scopes));
  return groups.some((g) => mine.has(g));
}

/** An extra user of the embedded runtime: a fixed bearer token for a subject and its groups. */
export interface StaticUser {
  name: string;
  token: string;
  groups?: string[];
}

/**
 * The embedded runtime's callers, by bearer token: the admin token is Argo CD's `admin` user
 * (bound to role:admin by the built-in policy); static users are who their entry says; a JWT
 * signed with the server key is a project role token (`sub: proj:<project>:<role>`), accepted
 * while its project still lists it (Argo refuses revoked tokens the same way).
 */
export function bearerAuthenticator(options: {
  adminToken: string;
  users?: readonly StaticUser[];
}): Authenticator {
  const admin = sha256(options.adminToken);
  const users = (options.users ?? []).map((u) => ({ ...u, hash: sha256(u.token) }));
  return async (req, authorizer) => {
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (token === '')
      throw new AuthError(401, 'missing bearer token (Authorization: Bearer <token>)');
    const hash = sha256(token);
    // Compare digests: constant time whatever the lengths.
    if (timingSafeEqual(hash, admin)) return { sub: 'admin' };
    for (const user of users)
      if (timingSafeEqual(hash, user.hash)) return { sub: user.name, groups: user.groups ?? [] };
    if (looksLikeJwt(token))
      return projectTokenClaims(
        token,
        await authorizer.signingKey(),
        await authorizer.policy(),
        authorizer,
      );
    throw new AuthError(401, 'wrong bearer token (Authorization: Bearer <token>)');
  };
}

function projectTokenClaims(
  token: string,
  signingKey: string | undefined,
  view: PolicyView,
  authorizer: Authorizer,
): Claims {
  if (!signingKey)
    throw new AuthError(
      401,
      `token refused: no server key (${ARGOCD_SECRET} ${SERVER_KEY}) to check it with; create project tokens with POST /api/v1/projects/<project>/roles/<role>/token`,
    );
  let claims: Claims;
  try {
    claims = verifyJwt(token, signingKey, Math.floor(authorizer.now() / 1000));
  } catch (err) {
    if (err instanceof JwtError) throw new AuthError(401, `token refused: ${err.message}`);
    throw err;
  }
  const sub = userIdentifier(claims);
  const role = projectRoleFromSubject(sub);
  if (!role)
    throw new AuthError(
      401,
      `token refused: subject '${sub}' is not a project role (proj:<project>:<role>); this server issues no other tokens`,
    );
  if (typeof claims['iat'] !== 'number')
    throw new AuthError(401, 'token refused: it has no iat (issued-at) claim');
  const project = view.projects.get(role.project);
  const id = typeof claims['jti'] === 'string' ? claims['jti'] : undefined;
  if (
    !project ||
    !projectTokenExists(project, role.role, { ...(id ? { id } : {}), iat: claims['iat'] })
  )
    throw new AuthError(
      401,
      `token refused: ${sub} has no token${id ? ` with id '${id}'` : ''} issued at ${claims['iat']} (revoked, or the project or role is gone)`,
    );
  return claims;
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
