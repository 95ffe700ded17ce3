/**
 * Argo CD's project role tokens (`argocd proj role create-token`): a JWT with
 * `sub: proj:<project>:<role>`, `iat`, `nbf`, `jti` (and `exp` when it expires), HS256-signed with
 * the server key, and recorded in the role's `jwtTokens` so that deleting the entry revokes it.
 * Who may create one: whoever may `update` the project, or a member of the role's groups (Argo's
 * rule, so a team can mint its own CI tokens).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { ControlPlane } from '../runtime/control-plane.js';
import type { Message, JsonObject } from '../core/types.js';
import { HOME_CLUSTER, formatKey } from '../core/types.js';
import type { JWTToken } from '../cd/project.js';
import { subjectForToken } from '../cd/rbac.js';
import type { Authorizer, Claims } from './authz.js';
import { ARGOCD_SECRET, SERVER_KEY, isMember } from './authz.js';
import { CONTROL_PLANE_NAMESPACE } from './permissions.js';
import { signJwt } from './jwt.js';

export class TokenRequestError extends Error {
  constructor(
    readonly code: 400 | 404 | 409 | 422,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'TokenRequestError';
  }
}

export interface CreateTokenRequest {
  project: string;
  role: string;
  /** Seconds until the token expires; 0 or absent: never. */
  expiresIn?: number;
  /** The token id (`jti`); a UUID when absent. Unique within the role. */
  id?: string;
}

export interface CreatedToken {
  token: string;
  id: string;
  issuedAt: number;
  expiresAt?: number;
}

export async function createProjectToken(
  cp: ControlPlane,
  authorizer: Authorizer,
  caller: Claims,
  request: CreateTokenRequest,
): Promise<CreatedToken> {
  const view = await authorizer.policy();
  const project = view.projects.get(request.project);
  if (!project)
    throw new TokenRequestError(404, 'NotFound', `project '${request.project}' not found`);
  const roles = project.spec.roles ?? [];
  const index = roles.findIndex((r) => r.name === request.role);
  const role = roles[index];
  if (!role)
    throw new TokenRequestError(
      404,
      'NotFound',
      `project '${request.project}' does not have role '${request.role}'`,
    );
  const update = { resource: 'projects', action: 'update', object: request.project };
  if (
    !(await authorizer.allowed(caller, update)) &&
    !isMember(caller, role.groups ?? [], view.scopes)
  )
    await authorizer.require(caller, [update]);
  const expiresIn = request.expiresIn ?? 0;
  if (!Number.isInteger(expiresIn) || expiresIn < 0)
    throw new TokenRequestError(
      400,
      'BadRequest',
      `expiresIn: ${String(request.expiresIn)} is not a whole number of seconds (0: never expires)`,
    );
  const issued = [
    ...(role.jwtTokens ?? []),
    ...(project.status?.jwtTokensByRole?.[role.name]?.items ?? []),
  ];
  if (request.id && issued.some((t) => t.id === request.id))
    throw new TokenRequestError(
      409,
      'AlreadyExists',
      `role '${role.name}' of project '${request.project}' already has a token with id '${request.id}': choose another id`,
    );
  const id = request.id || randomUUID();
  const key = (await authorizer.signingKey()) ?? (await createSigningKey(cp, authorizer));
  const iat = Math.floor(cp.clock.now() / 1000);
  const claims: JsonObject = {
    iat,
    iss: 'argocd',
    nbf: iat,
    sub: subjectForToken(request.project, role.name),
    jti: id,
  };
  const record: JWTToken = { iat, id };
  if (expiresIn > 0) {
    claims['exp'] = iat + expiresIn;
    record.exp = iat + expiresIn;
  }
  const base = `/spec/roles/${index}`;
  const patch = [
    // The role at this index must still be the one we read.
    { op: 'test', path: `${base}/name`, value: role.name },
    role.jwtTokens
      ? { op: 'add', path: `${base}/jwtTokens/-`, value: record }
      : { op: 'add', path: `${base}/jwtTokens`, value: [record] },
  ];
  const message: Message = {
    id: cp.newMessageId(),
    key: formatKey({
      cluster: HOME_CLUSTER,
      kind: 'AppProject',
      namespace: CONTROL_PLANE_NAMESPACE,
      name: request.project,
    }),
    at: cp.clock.now(),
    event: { type: 'Patch', patchType: 'json', patch: patch as unknown as JsonObject[] },
  };
  const outcome = (await cp.submit([message], { waitMs: 10_000 })).get(message.id);
  authorizer.invalidate();
  if (outcome?.rejected)
    throw new TokenRequestError(
      409,
      'Conflict',
      `the token was not recorded in project '${request.project}' (${outcome.rejected.reason}); try again`,
    );
  return {
    token: signJwt(claims, key),
    id,
    issuedAt: iat,
    ...(record.exp ? { expiresAt: record.exp } : {}),
  };
}

/** A new server key in argocd-secret, the Secret's other keys (webhook secrets) kept. */
async function createSigningKey(cp: ControlPlane, authorizer: Authorizer): Promise<string> {
  const existing = (await cp.secrets.listByLabel({})).find(
    (s) => s.namespace === CONTROL_PLANE_NAMESPACE && s.name === ARGOCD_SECRET,
  );
  const key = randomBytes(32).toString('base64url');
  await cp.secrets.put({
    name: ARGOCD_SECRET,
    namespace: CONTROL_PLANE_NAMESPACE,
    labels: existing?.labels ?? {},
    data: { ...(existing?.data ?? {}), [SERVER_KEY]: key },
  });
  authorizer.invalidate();
  return key;
}
