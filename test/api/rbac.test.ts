import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApiServer } from '../../shared/api/http-server.js';
import type { ApiServerOptions } from '../../shared/api/http-server.js';
import { signJwt } from '../../shared/api/jwt.js';
import { LocalRuntime } from '../../shared/runtime/local/runtime.js';
import { repoRoot } from '../support/start-process.js';

const ADMIN = 'admin-token';
let runtime: LocalRuntime;
let dataDir: string;
const servers: Server[] = [];

async function serve(auth: ApiServerOptions['auth'], policyCacheMs?: number): Promise<string> {
  const server = createApiServer({
    controlPlane: runtime,
    auth,
    version: 'test',
    ...(policyCacheMs !== undefined ? { policyCacheMs } : {}),
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let base: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'argosls-rbac-'));
  runtime = await LocalRuntime.start({
    dataDir,
    durability: 'none',
    kinds: [],
    effectHandlers: [],
  });
  base = await serve({
    token: ADMIN,
    users: [
      { name: 'alice', token: 'alice-token', groups: ['developers'] },
      { name: 'bob', token: 'bob-token', groups: ['platform-team'] },
      { name: 'carol', token: 'carol-token' },
    ],
  });
  await as(ADMIN, 'POST', '/api/v1/apply', await corpus('seeds/appproject.yaml'));
  await as(
    ADMIN,
    'POST',
    '/api/v1/apply',
    [app('web', 'production'), app('other', 'default')].join('---\n'),
  );
});
afterAll(async () => {
  for (const s of servers) s.close();
  await runtime.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const corpus = (path: string) => readFile(join(repoRoot, '../shared/corpus', path), 'utf8');
const app = (name: string, project: string) => `
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: ${name}, namespace: argocd }
spec:
  project: ${project}
  source: { repoURL: 'https://github.com/myorg/apps', path: ${name}, targetRevision: HEAD }
  destination: { server: 'https://kubernetes.default.svc', namespace: production }
`;
const rbacConfigMap = (data: Record<string, string>) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: argocd-rbac-cm, namespace: argocd }\ndata: ${JSON.stringify(data)}\n`;

function as(
  token: string,
  method: string,
  path: string,
  body?: string,
  type = 'application/yaml',
  at = base,
) {
  return fetch(at + path, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'Content-Type': type } : {}),
    },
    ...(body !== undefined ? { body } : {}),
  });
}
const merge = (token: string, path: string, patch: unknown, at = base) =>
  as(token, 'PATCH', path, JSON.stringify(patch), 'application/merge-patch+json', at);
const json = async (r: Response) => (await r.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const names = async (r: Response) =>
  ((await json(r))['items'] as { metadata: { name: string } }[]).map((o) => o.metadata.name);

async function projectToken(project: string, role: string, body: unknown = {}): Promise<string> {
  const res = await as(
    ADMIN,
    'POST',
    `/api/v1/projects/${project}/roles/${role}/token`,
    JSON.stringify(body),
    'application/json',
  );
  expect(res.status).toBe(200);
  return (await json(res))['token'] as string;
}

const WEB = '/api/v1/resources/Application/argocd/web';
const OTHER = '/api/v1/resources/Application/argocd/other';

describe('RBAC on the HTTP API', () => {
  it('the admin token is Argo CD admin: every action on every kind', async () => {
    expect((await as(ADMIN, 'GET', WEB)).status).toBe(200);
    expect((await merge(ADMIN, OTHER, { metadata: { labels: { a: 'b' } } })).status).toBe(200);
    expect((await as(ADMIN, 'GET', '/api/v1/resources/AppProject/argocd/production')).status).toBe(
      200,
    );
    const cm = `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x, namespace: team }\ndata: {}\n`;
    expect((await as(ADMIN, 'POST', '/api/v1/apply', cm)).status).toBe(200);
    expect(await names(await as(ADMIN, 'GET', '/api/v1/resources/Application'))).toEqual([
      'other',
      'web',
    ]);
  });

  it('a project role token is exactly what its policies say (the seed developer role)', async () => {
    const token = await projectToken('production', 'developer');
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    expect(claims).toMatchObject({ sub: 'proj:production:developer', iss: 'argocd' });
    expect(typeof claims['jti']).toBe('string');
    expect(typeof claims['iat']).toBe('number');
    // Recorded in the role, as Argo CD does, so that removing it revokes the token.
    const project = await json(
      await as(ADMIN, 'GET', '/api/v1/resources/AppProject/argocd/production'),
    );
    expect(project['spec']['roles'][0]['jwtTokens']).toEqual([
      { iat: claims['iat'], id: claims['jti'] },
    ]);

    expect((await as(token, 'GET', WEB)).status).toBe(200);
    // Project roles may always read their own project.
    expect((await as(token, 'GET', '/api/v1/resources/AppProject/argocd/production')).status).toBe(
      200,
    );
    // A sync: the operation alone, set by PATCH (`argocd app sync`) or the sync route.
    expect((await merge(token, WEB, { operation: { sync: { prune: true } } })).status).toBe(200);
    expect((await as(token, 'POST', `${WEB}/sync`, '{}', 'application/json')).status).not.toBe(403);

    const update = await merge(token, WEB, { spec: { source: { path: 'elsewhere' } } });
    expect(update.status).toBe(403);
    const status = await json(update);
    expect(status).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403 });
    expect(status['message']).toMatch(
      /^permission denied: applications, update, production\/web, sub: proj:production:developer, iat: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    );
    expect(status['details']).toMatchObject({
      subject: 'proj:production:developer',
      resource: 'applications',
      action: 'update',
      object: 'production/web',
    });
    expect((await as(token, 'DELETE', WEB)).status).toBe(403);
    // Another project's Applications: not in the list, refused by name.
    expect(await names(await as(token, 'GET', '/api/v1/resources/Application'))).toEqual(['web']);
    expect((await as(token, 'GET', OTHER)).status).toBe(403);
    expect((await merge(token, OTHER, { operation: { sync: {} } })).status).toBe(403);
    // Nothing outside Argo CD's project resources.
    expect((await as(token, 'GET', '/api/v1/resources/AppProject/argocd/default')).status).toBe(
      403,
    );
    expect(await names(await as(token, 'GET', '/api/v1/resources/ConfigMap'))).toEqual([]);
    const cm = `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: y, namespace: team }\ndata: {}\n`;
    expect((await as(token, 'POST', '/api/v1/apply', cm)).status).toBe(403);
  });

  it('the seed admin role (applications, *, production/*) may update and delete in its project only', async () => {
    const token = await projectToken('production', 'admin', { id: 'ci', expiresIn: 3600 });
    expect((await merge(token, WEB, { metadata: { labels: { team: 'x' } } })).status).toBe(200);
    expect((await merge(token, OTHER, { metadata: { labels: { team: 'x' } } })).status).toBe(403);
    // Creating an Application in another project, or moving one there, is refused.
    expect((await as(token, 'POST', '/api/v1/apply', app('third', 'default'))).status).toBe(403);
    expect((await merge(token, WEB, { spec: { project: 'default' } })).status).toBe(403);
    // The same id twice is refused, as Argo's ValidateJWTTokenID.
    const again = await as(
      ADMIN,
      'POST',
      '/api/v1/projects/production/roles/admin/token',
      '{"id":"ci"}',
      'application/json',
    );
    expect(again.status).toBe(409);
  });

  it('a revoked, forged or expired project token is refused with 401', async () => {
    const token = await projectToken('production', 'developer', { id: 'short' });
    expect((await as(token, 'GET', WEB)).status).toBe(200);
    const key = await runtime.secrets.get({
      name: 'argocd-secret',
      namespace: 'argocd',
      key: 'server.secretkey',
    });
    const iat = Math.floor(Date.now() / 1000);
    const expired = signJwt({ sub: 'proj:production:admin', iat, jti: 'ci', exp: iat - 1 }, key);
    const expiredRes = await as(expired, 'GET', WEB);
    expect(expiredRes.status).toBe(401);
    expect((await json(expiredRes))['message']).toBe('token refused: token is expired');
    const forged = signJwt({ sub: 'proj:production:admin', iat: 1, jti: 'ci' }, 'not-the-key');
    expect((await as(forged, 'GET', WEB)).status).toBe(401);
    const project = await json(
      await as(ADMIN, 'GET', '/api/v1/resources/AppProject/argocd/production'),
    );
    // Argo matches a token by id, then by issued-at second: every developer token goes, since
    // the others of this test run were issued within the same second.
    expect(project['spec']['roles'][0]['name']).toBe('developer');
    const kept: unknown[] = [];
    const revoke = await as(
      ADMIN,
      'PATCH',
      '/api/v1/resources/AppProject/argocd/production',
      JSON.stringify([{ op: 'replace', path: '/spec/roles/0/jwtTokens', value: kept }]),
      'application/json-patch+json',
    );
    expect(revoke.status).toBe(200);
    const refused = await as(token, 'GET', WEB);
    expect(refused.status).toBe(401);
    expect((await json(refused))['message']).toContain(
      "proj:production:developer has no token with id 'short'",
    );
  });

  it('groups bind users to project roles (the seed developers and platform-team groups)', async () => {
    expect((await as('alice-token', 'GET', WEB)).status).toBe(200);
    expect(
      (await merge('alice-token', WEB, { operation: { sync: { dryRun: true } } })).status,
    ).toBe(200);
    expect((await merge('alice-token', WEB, { metadata: { labels: { x: 'y' } } })).status).toBe(
      403,
    );
    expect((await merge('bob-token', WEB, { metadata: { labels: { x: 'y' } } })).status).toBe(200);
    expect((await as('bob-token', 'GET', OTHER)).status).toBe(403);
    // A user with no binding gets nothing, and a missing Application does not leak: 403, not 404.
    expect((await as('carol-token', 'GET', WEB)).status).toBe(403);
    const missing = await as('carol-token', 'GET', '/api/v1/resources/Application/argocd/nope');
    expect(missing.status).toBe(403);
    expect((await json(missing))['message']).toBe('permission denied');
    // ... while a caller who could read such a name in some project learns it is not there.
    expect(
      (await as('alice-token', 'GET', '/api/v1/resources/Application/argocd/nope')).status,
    ).toBe(404);
    expect((await as('bob-token', 'GET', '/api/v1/resources/Workflow/argo/wf')).status).toBe(403);
  });

  it('policy.csv in argocd-rbac-cm: deny wins over allow for the same subject, globs, policy.default', async () => {
    const policy = [
      'p, carol, applications, *, */*, allow',
      'p, carol, applications, delete, production/*, deny',
      'p, role:deployer, workflows, create, argo/*, allow',
      'g, carol, role:deployer',
    ].join('\n');
    expect(
      (await as(ADMIN, 'POST', '/api/v1/apply', rbacConfigMap({ 'policy.csv': policy }))).status,
    ).toBe(200);
    expect((await merge('carol-token', WEB, { metadata: { labels: { c: '1' } } })).status).toBe(
      200,
    );
    const denied = await as('carol-token', 'DELETE', WEB);
    expect(denied.status).toBe(403);
    expect((await json(denied))['message']).toBe(
      'permission denied: applications, delete, production/web, sub: carol',
    );
    // Outside Argo CD: Workflows are `workflows <namespace>/<name>`.
    const wf = (ns: string) =>
      `apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: { name: hello, namespace: ${ns} }\nspec: { entrypoint: main, templates: [{ name: main, container: { image: busybox } }] }\n`;
    expect((await as('carol-token', 'POST', '/api/v1/apply', wf('argo'))).status).toBe(200);
    const other = await as('carol-token', 'POST', '/api/v1/apply', wf('team'));
    expect(other.status).toBe(403);
    expect((await json(other))['message']).toBe(
      'permission denied: workflows, create, team/hello, sub: carol',
    );
    // The default role applies to every caller.
    expect((await as('bob-token', 'GET', OTHER)).status).toBe(403);
    await as(
      ADMIN,
      'POST',
      '/api/v1/apply',
      rbacConfigMap({ 'policy.csv': policy, 'policy.default': 'role:readonly' }),
    );
    expect((await as('bob-token', 'GET', OTHER)).status).toBe(200);
    expect((await as('bob-token', 'GET', '/api/v1/resources/Workflow/team/hello')).status).toBe(
      404,
    );
    expect((await merge('bob-token', OTHER, { metadata: { labels: { c: '1' } } })).status).toBe(
      403,
    );
    await as(ADMIN, 'POST', '/api/v1/apply', rbacConfigMap({}));
  });

  it('a rollback needs sync, or rollback when argocd-cm server.rbac.rollback.enforce.enable is set', async () => {
    const token = await projectToken('production', 'developer');
    expect(
      (await as(token, 'POST', `${WEB}/rollback`, '{"id": 1}', 'application/json')).status,
    ).not.toBe(403);
    const cm = `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: argocd-cm, namespace: argocd }\ndata: { server.rbac.rollback.enforce.enable: "true" }\n`;
    expect((await as(ADMIN, 'POST', '/api/v1/apply', cm)).status).toBe(200);
    const refused = await as(token, 'POST', `${WEB}/rollback`, '{"id": 1}', 'application/json');
    expect(refused.status).toBe(403);
    expect((await json(refused))['message']).toContain(
      'permission denied: applications, rollback, production/web',
    );
    expect(
      (await as(ADMIN, 'POST', `${WEB}/rollback`, '{"id": "x"}', 'application/json')).status,
    ).toBe(400);
  });

  it('cluster and repository Secrets are clusters / repositories objects', async () => {
    const secret = (name: string, type: string, data: Record<string, string>) =>
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: argocd\n  labels: { argocd.argoproj.io/secret-type: ${type} }\nstringData: ${JSON.stringify(data)}\n`;
    const policy =
      'p, carol, repositories, create, production/*, allow\np, carol, clusters, delete, https://prod.example.com, allow';
    await as(ADMIN, 'POST', '/api/v1/apply', rbacConfigMap({ 'policy.csv': policy }));
    const repo = secret('r1', 'repository', {
      url: 'https://github.com/myorg/apps',
      project: 'production',
    });
    expect((await as('carol-token', 'POST', '/api/v1/apply', repo)).status).toBe(200);
    const global = await as(
      'carol-token',
      'POST',
      '/api/v1/apply',
      secret('r2', 'repository', { url: 'https://github.com/x/y' }),
    );
    expect(global.status).toBe(403);
    expect((await json(global))['message']).toBe(
      'permission denied: repositories, create, https://github.com/x/y, sub: carol',
    );
    await as(
      ADMIN,
      'POST',
      '/api/v1/apply',
      secret('c1', 'cluster', { server: 'https://prod.example.com', name: 'prod' }),
    );
    await as(
      ADMIN,
      'POST',
      '/api/v1/apply',
      secret('c2', 'cluster', { server: 'https://dev.example.com', name: 'dev' }),
    );
    expect((await as('carol-token', 'DELETE', '/api/v1/resources/Secret/argocd/c2')).status).toBe(
      403,
    );
    expect((await as('carol-token', 'DELETE', '/api/v1/resources/Secret/argocd/c1')).status).toBe(
      200,
    );
    await as(ADMIN, 'POST', '/api/v1/apply', rbacConfigMap({}));
  });
});

describe('RBAC with callers from an authenticator (claims, as API Gateway JWT authorizers give them)', () => {
  it('argocd-rbac-cm scopes name the claims that hold groups', async () => {
    const claims: Record<string, Record<string, unknown>> = {
      dana: { sub: 'dana', teams: ['developers'], groups: ['platform-team'] },
    };
    const at = await serve(
      {
        authenticate: (req) => {
          const token = (req.headers.authorization ?? '').slice(7);
          return Promise.resolve(claims[token] as Record<string, never>);
        },
      },
      300,
    );
    // Default scopes: [groups] -> platform-team -> the seed admin role.
    expect((await merge('dana', WEB, { metadata: { labels: { d: '1' } } }, at)).status).toBe(200);
    await as(ADMIN, 'POST', '/api/v1/apply', rbacConfigMap({ scopes: '[teams]' }));
    // The other server reads the policy afresh after its cache (its own writes drop it at once).
    await new Promise((r) => setTimeout(r, 400));
    expect((await merge('dana', WEB, { metadata: { labels: { d: '2' } } }, at)).status).toBe(403);
    expect((await as('dana', 'GET', WEB, undefined, undefined, at)).status).toBe(200);
    await as(ADMIN, 'POST', '/api/v1/apply', rbacConfigMap({}));
  });
});
