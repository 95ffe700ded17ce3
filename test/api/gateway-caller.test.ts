import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { callerFromAuthorizer } from '../../shared/api/gateway-caller.js';
import { apiHandler } from '../../shared/runtime/aws/api.js';
import { LocalRuntime } from '../../shared/runtime/local/runtime.js';

describe('the caller of an API Gateway request', () => {
  it.each([
    [
      'JWT claims, a list claim flattened by API Gateway split back',
      {
        jwt: {
          claims: { sub: 'alice', groups: '[developers ops]', email: 'a@x.io', iat: 5 },
          scopes: null,
        },
      },
      { sub: 'alice', groups: ['developers', 'ops'], email: 'a@x.io', iat: 5 },
    ],
    [
      'an IAM user: its ARN, no groups',
      { iam: { userArn: 'arn:aws:iam::123456789012:user/ci', accountId: '123456789012' } },
      { sub: 'arn:aws:iam::123456789012:user/ci', groups: [], account: '123456789012' },
    ],
    [
      'an assumed role session: the role ARN as a group',
      {
        iam: {
          userArn: 'arn:aws:sts::123456789012:assumed-role/Deployers/jane',
          accountId: '123456789012',
        },
      },
      {
        sub: 'arn:aws:sts::123456789012:assumed-role/Deployers/jane',
        groups: ['arn:aws:iam::123456789012:role/Deployers'],
        account: '123456789012',
      },
    ],
    ['no authorizer context', undefined, undefined],
  ])('%s', (_name, authorizer, claims) => {
    expect(callerFromAuthorizer(authorizer)).toEqual(claims);
  });
});

describe('functions/api enforces RBAC on the authorizer caller', () => {
  let runtime: LocalRuntime;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'argosls-gw-'));
    runtime = await LocalRuntime.start({
      dataDir,
      durability: 'none',
      kinds: [],
      effectHandlers: [],
    });
  });
  afterAll(async () => {
    await runtime.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const event = (method: string, path: string, authorizer?: unknown, body?: string) =>
    ({
      version: '2.0',
      routeKey: '$default',
      rawPath: path,
      rawQueryString: '',
      headers: body ? { 'content-type': 'application/yaml' } : {},
      isBase64Encoded: false,
      ...(body ? { body } : {}),
      requestContext: { http: { method, path }, ...(authorizer ? { authorizer } : {}) },
    }) as unknown as APIGatewayProxyEventV2;

  it('a JWT caller bound by group; a direct invoke is admin unless refused', async () => {
    const handler = apiHandler(runtime, { version: 't', policyCacheMs: 0 });
    const rbac = `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: argocd-rbac-cm, namespace: argocd }\ndata:\n  policy.csv: |\n    p, role:ops, rollouts, get, prod/*, allow\n    g, ops, role:ops\n`;
    expect((await handler(event('POST', '/api/v1/apply', undefined, rbac))).statusCode).toBe(200);
    const ro = `apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: { name: web, namespace: prod }\nspec: {}\n`;
    await handler(event('POST', '/api/v1/apply', undefined, ro));
    const jwt = (groups: string) => ({ jwt: { claims: { sub: 'jane', groups }, scopes: null } });
    const path = '/api/v1/resources/Rollout/prod/web';
    expect((await handler(event('GET', path, jwt('[ops]')))).statusCode).not.toBe(403);
    const denied = await handler(event('GET', path, jwt('[dev]')));
    expect(denied.statusCode).toBe(403);
    expect(JSON.parse(denied.body as string).message).toBe(
      'permission denied: rollouts, get, prod/web, sub: jane',
    );
    const strict = apiHandler(runtime, { version: 't', directInvoke: 'refuse' });
    expect((await strict(event('GET', path))).statusCode).toBe(401);
  });
});
