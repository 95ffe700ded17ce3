/**
 * functions/api: the HTTP API's routes from API Gateway (payload v2) events, on the AWS-protocol
 * lane (dynalite + fauxqs): writes reach the controller through the commands queue, and the answer
 * waits for the commit in the table (or says `queued`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { AwsControlPlane, apiHandler } from '../../shared/runtime/aws/api.js';
import type { ApiGatewayHandler } from '../../shared/runtime/aws/api.js';
import { systemClock } from '../../shared/core/ports.js';
import type { SecretObject, WritableSecrets } from '../../shared/core/ports.js';
import { counterKind } from '../support/counter-machine.js';
import { startAwsLane } from '../support/aws-lane.js';
import type { AwsLane } from '../support/aws-lane.js';

class MemorySecrets implements WritableSecrets {
  readonly stored = new Map<string, SecretObject>();
  get = () => Promise.reject(new Error('not read here'));
  listByLabel = () => Promise.resolve([]);
  put(secret: SecretObject) {
    this.stored.set(`${secret.namespace}/${secret.name}`, secret);
    return Promise.resolve();
  }
  delete(namespace: string, name: string) {
    return Promise.resolve(this.stored.delete(`${namespace}/${name}`));
  }
}

let lane: AwsLane;
let api: ApiGatewayHandler;
const secrets = new MemorySecrets();
beforeAll(async () => {
  lane = await startAwsLane({
    kinds: [counterKind],
    effectHandlers: [{ kind: 'counter.add', run: async (e) => e.input }],
  });
  api = apiHandler(
    new AwsControlPlane({
      store: lane.ports.store,
      commands: lane.ports.commands,
      kinds: [counterKind],
      secrets,
      clock: systemClock,
      pollMs: 50,
    }),
    { version: '1.2.3' },
  );
}, 60_000);
afterAll(async () => {
  await lane.stop();
});

function event(
  method: string,
  path: string,
  options: { body?: string; base64?: boolean; contentType?: string } = {},
): APIGatewayProxyEventV2 {
  const [rawPath, rawQueryString = ''] = path.split('?') as [string, string?];
  const body =
    options.body === undefined
      ? undefined
      : options.base64
        ? Buffer.from(options.body).toString('base64')
        : options.body;
  return {
    version: '2.0',
    routeKey: 'ANY /api/{proxy+}',
    rawPath,
    rawQueryString,
    headers: options.contentType ? { 'content-type': options.contentType } : {},
    requestContext: { http: { method, path: rawPath } },
    isBase64Encoded: options.base64 ?? false,
    ...(body !== undefined ? { body } : {}),
  } as unknown as APIGatewayProxyEventV2;
}

const counter = (name: string) =>
  `apiVersion: demo.argo-serverless.dev/v1\nkind: Counter\nmetadata:\n  name: ${name}\n  namespace: team-a\nspec: {}\n`;
const parse = (body: string | undefined) => JSON.parse(body ?? '') as Record<string, unknown>;

describe('functions/api on API Gateway events', () => {
  it('an apply goes through the commands queue and answers with the committed object', async () => {
    const res = await api(
      event('POST', '/api/v1/apply?wait=15000', {
        body: counter('c1'),
        contentType: 'application/yaml',
      }),
    );
    expect(res.statusCode).toBe(200);
    const items = parse(res.body)['items'] as { key: string; result: string; version: number }[];
    expect(items).toEqual([
      expect.objectContaining({
        key: 'in-cluster/Counter/team-a/c1',
        result: 'created',
        version: 1,
      }),
    ]);
    const got = await api(event('GET', '/api/v1/resources/Counter/team-a/c1'));
    expect(got.statusCode).toBe(200);
    expect(parse(got.body)['metadata']).toMatchObject({ name: 'c1', namespace: 'team-a' });
  }, 30_000);

  it('answers 202 queued at once with wait=0, and the controller applies it later', async () => {
    const res = await api(
      event('POST', '/api/v1/apply?wait=0', {
        body: counter('c2'),
        contentType: 'application/yaml',
      }),
    );
    expect(res.statusCode).toBe(202);
    expect(parse(res.body)['items']).toEqual([
      { key: 'in-cluster/Counter/team-a/c2', result: 'queued' },
    ]);
    await lane.drained();
    const got = await api(event('GET', '/api/v1/resources/Counter/team-a/c2'));
    expect(got.statusCode).toBe(200);
  }, 30_000);

  it('reads a base64-encoded body as API Gateway sends binary payloads', async () => {
    const res = await api(
      event('POST', '/api/v1/apply?wait=15000', {
        body: counter('c3'),
        base64: true,
        contentType: 'application/yaml',
      }),
    );
    expect(res.statusCode).toBe(200);
  }, 30_000);

  it('lists, shows the event log and answers Kubernetes-style errors', async () => {
    const list = await api(event('GET', '/api/v1/resources/Counter?namespace=team-a'));
    expect((parse(list.body)['items'] as unknown[]).length).toBeGreaterThanOrEqual(1);
    const log = await api(event('GET', '/api/v1/resources/Counter/team-a/c1/events'));
    expect(log.statusCode).toBe(200);
    expect((parse(log.body)['items'] as { version: number }[])[0]!.version).toBe(1);
    const missing = await api(event('GET', '/api/v1/resources/Counter/team-a/nope'));
    expect(missing.statusCode).toBe(404);
    expect(parse(missing.body)).toMatchObject({ kind: 'Status', reason: 'NotFound' });
    const invalid = await api(
      event('POST', '/api/v1/apply', { body: 'kind: Counter\n', contentType: 'application/yaml' }),
    );
    expect(invalid.statusCode).toBe(422);
    expect(invalid.headers?.['content-type']).toBe('application/json');
  });

  it('a refused patch read back from the log answers 422 with its reason', async () => {
    const res = await api(
      event('PATCH', '/api/v1/resources/Counter/team-a/c1?wait=15000', {
        body: JSON.stringify([{ op: 'test', path: '/spec/x', value: 1 }]),
        contentType: 'application/json-patch+json',
      }),
    );
    expect(res.statusCode).toBe(422);
    expect(parse(res.body)).toMatchObject({ reason: 'Rejected' });
  }, 30_000);

  it('stores an applied Secret through the writable secrets and never returns it', async () => {
    const secret = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: argocd\nstringData:\n  password: hunter2\n`;
    const res = await api(
      event('POST', '/api/v1/apply', { body: secret, contentType: 'application/yaml' }),
    );
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('hunter2');
    expect(secrets.stored.get('argocd/creds')?.data).toEqual({ password: 'hunter2' });
  });

  it('answers /version with the deployed version', async () => {
    const res = await api(event('GET', '/version'));
    expect(parse(res.body)).toEqual({ version: '1.2.3' });
  });
});
