/**
 * The caller of an API Gateway (HTTP API, payload 2.0) request, from what its authorizer put in
 * `requestContext.authorizer`, as claims for Argo CD's RBAC:
 * - JWT authorizer: the token's claims. API Gateway flattens a list claim to the string
 *   `[a b c]`; it is split back into a list so that `groups` (or any claim named in
 *   argocd-rbac-cm `scopes`) binds through `g` lines as in Argo CD.
 * - IAM authorizer: `sub` is the caller's ARN; an assumed role's session ARN
 *   (`arn:aws:sts::<account>:assumed-role/<role>/<session>`) also carries the role's ARN
 *   (`arn:aws:iam::<account>:role/<role>`) in `groups`, so `g, <role ARN>, role:admin` binds
 *   every session of the role.
 */
import type { Json, JsonObject } from '../core/types.js';

const ASSUMED_ROLE = /^arn:(aws[\w-]*):sts::(\d+):assumed-role\/([^/]+)\/[^/]+$/;

/** The caller's claims, or undefined when the request carries no authorizer context. */
export function callerFromAuthorizer(authorizer: unknown): JsonObject | undefined {
  if (!isObject(authorizer)) return undefined;
  const jwt = authorizer['jwt'];
  if (isObject(jwt) && isObject(jwt['claims'])) {
    const claims: JsonObject = {};
    for (const [name, value] of Object.entries(jwt['claims'])) claims[name] = unflatten(value);
    return claims;
  }
  const iam = authorizer['iam'];
  if (isObject(iam) && typeof iam['userArn'] === 'string' && iam['userArn'] !== '') {
    const arn = iam['userArn'];
    const role = ASSUMED_ROLE.exec(arn);
    return {
      sub: arn,
      groups: role ? [`arn:${role[1]}:iam::${role[2]}:role/${role[3]}`] : [],
      ...(typeof iam['accountId'] === 'string' ? { account: iam['accountId'] } : {}),
    };
  }
  return undefined;
}

function unflatten(value: unknown): Json {
  if (typeof value === 'string') {
    const list = /^\[(.*)\]$/s.exec(value);
    if (list) return list[1]!.split(' ').filter((v) => v !== '');
    return value;
  }
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  return value === null || value === undefined ? null : JSON.stringify(value);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
