/**
 * The trigger effects against real servers: the simulated cluster (client-node over HTTP) for k8s
 * objects and ConfigMap sources, a local HTTP server for http triggers and URL sources.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSimCluster } from '../../shared/adapters/local/sim-cluster/server.js';
import type { SimCluster } from '../../shared/adapters/local/sim-cluster/server.js';
import { eventEffectHandlers } from '../../shared/events/effect-handlers.js';
import type { EffectContext, EffectHandler } from '../../shared/core/effects.js';
import { isTransient } from '../../shared/core/effects.js';
import type { Effect, Json } from '../../shared/core/types.js';
import { silentLog } from '../../shared/core/log.js';
import { simClient } from '../support/sim-kube.js';
import { sdkLambdaInvoker } from '../../shared/adapters/aws/lambda-invoker.js';
import { startLambdaStandIn } from '../support/lambda-stand-in.js';
import type { LambdaStandIn } from '../support/lambda-stand-in.js';
import type { ClientNodeKubernetes } from '../../shared/adapters/kubernetes/client-node-kubernetes.js';

let sim: SimCluster;
let kube: ClientNodeKubernetes;
let server: Server;
let base: string;
const received: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];
let handlers: Map<string, EffectHandler>;
let lambda: LambdaStandIn;

const ctx: EffectContext = {
  secret: async (ref) =>
    ref.name === 'aws'
      ? ref.key === 'access'
        ? 'AKIDTEST'
        : 'secret-test'
      : ref.name === 'api' && ref.key === 'token'
        ? 'Bearer s3cr3t'
        : Promise.reject(new Error('no secret')),
  clock: { now: () => 0 },
  log: silentLog,
};

function run(kind: string, input: Json, id = `in-cluster/Sensor/ns/s@3#${received.length}`) {
  const effect: Effect = { id, key: 'in-cluster/Sensor/ns/s', version: 3, at: 0, kind, input };
  return handlers.get(kind)!.run(effect, ctx);
}

beforeAll(async () => {
  sim = await startSimCluster({ controllers: { podStartMs: 0, podRunMs: 0, tickMs: 10 } });
  kube = simClient(sim).k8s;
  lambda = await startLambdaStandIn();
  handlers = new Map(
    eventEffectHandlers({
      clusters: { forCluster: async () => kube },
      lambda: sdkLambdaInvoker({ endpoint: lambda.endpoint }),
    }).map((h) => [h.kind, h]),
  );
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      if (req.url === '/source.yaml') {
        res.writeHead(200, { 'Content-Type': 'application/yaml' });
        return res.end('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: from-url-\n');
      }
      res.writeHead(req.url === '/teapot' ? 418 : 200);
      res.end('ok');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } });
});

afterAll(async () => {
  server?.close();
  await sim?.stop();
  await lambda?.stop();
});

describe('http trigger', () => {
  const input = (path: string, extra: Record<string, Json> = {}): Json => ({
    tag: 't#1',
    url: `${base}${path}`,
    method: 'POST',
    payload: '{"ref":"main"}',
    headers: { 'X-Source': 'sensor' },
    secureHeaders: [
      { name: 'Authorization', secret: { name: 'api', key: 'token', namespace: 'ns' } },
    ],
    timeoutSeconds: 5,
    ...extra,
  });

  it('sends the payload with headers, secure headers and the effect id as Idempotency-Key', async () => {
    expect(await run('events.http', input('/hook'), 'effect-1')).toEqual({
      tag: 't#1',
      status: 200,
    });
    const req = received.at(-1)!;
    expect(req).toMatchObject({ method: 'POST', url: '/hook', body: '{"ref":"main"}' });
    expect(req.headers['idempotency-key']).toBe('effect-1');
    expect(req.headers['authorization']).toBe('Bearer s3cr3t');
    expect(req.headers['x-source']).toBe('sensor');
  });

  it('without a policy any status succeeds (as Argo); with one, others fail the trigger', async () => {
    expect(await run('events.http', input('/teapot'))).toEqual({ tag: 't#1', status: 418 });
    expect(await run('events.http', input('/teapot', { allowedStatuses: [200] }))).toEqual({
      tag: 't#1',
      error: `POST ${base}/teapot: HTTP 418, not in policy.status.allow [200]`,
    });
  });

  it('a server that cannot be reached is worth another try', async () => {
    const err = await run('events.http', input('/x', { url: 'http://127.0.0.1:1/x' })).catch(
      (e: unknown) => e,
    );
    expect(isTransient(err)).toBe(true);
  });
});

describe('k8s trigger on the cluster', () => {
  const cm = (name: string) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'ns' },
    data: { a: '1' },
  });

  it('creates the object; a re-run of a derived name finds it and succeeds', async () => {
    const input = {
      tag: 't#2',
      cluster: 'in-cluster',
      operation: 'create',
      object: cm('made-abcde'),
      derivedName: true,
      serviceAccountName: 'default',
    };
    expect(await run('events.k8s', input)).toEqual({
      tag: 't#2',
      object: 'ConfigMap/ns/made-abcde',
    });
    expect(await run('events.k8s', input)).toEqual({
      tag: 't#2',
      object: 'ConfigMap/ns/made-abcde',
    });
    expect(
      (
        await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'made-abcde', namespace: 'ns' })
      )?.['data'],
    ).toEqual({ a: '1' });
  });

  it('a create of a name the user gave that exists fails the trigger, as in Argo', async () => {
    await kube.create(cm('given'));
    const out = (await run('events.k8s', {
      tag: 't#3',
      cluster: 'in-cluster',
      operation: 'create',
      object: cm('given'),
      derivedName: false,
      serviceAccountName: 'default',
    })) as { error?: string };
    expect(out.error).toMatch(/already exists/i);
  });
});

describe('trigger sources fetched by an effect', () => {
  it('a ConfigMap key holding the object', async () => {
    await kube.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'trigger-source', namespace: 'ns' },
      data: {
        workflow:
          'apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  generateName: cm-\n',
      },
    });
    expect(
      await run('events.resolve', {
        tag: 't#4',
        cluster: 'in-cluster',
        namespace: 'ns',
        source: { configmap: { name: 'trigger-source', key: 'workflow' } },
      }),
    ).toEqual({
      tag: 't#4',
      object: {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        metadata: { generateName: 'cm-' },
      },
    });
    expect(
      await run('events.resolve', {
        tag: 't#5',
        cluster: 'in-cluster',
        namespace: 'ns',
        source: { configmap: { name: 'nope', key: 'x' } },
      }),
    ).toEqual({
      tag: 't#5',
      error: 'ConfigMap ns/nope does not exist',
    });
  });

  it('a URL', async () => {
    expect(
      await run('events.resolve', {
        tag: 't#6',
        cluster: 'in-cluster',
        namespace: 'ns',
        source: { url: { path: `${base}/source.yaml` } },
      }),
    ).toEqual({
      tag: 't#6',
      object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'from-url-' } },
    });
  });
});

describe('awsLambda trigger (the SDK against a Lambda Invoke stand-in)', () => {
  const input = (functionName: string, extra: Record<string, Json> = {}): Json => ({
    tag: 't#7',
    functionName,
    region: 'us-east-1',
    invocationType: 'RequestResponse',
    payload: '{"ref":"main"}',
    accessKey: { name: 'aws', key: 'access', namespace: 'ns' },
    secretKey: { name: 'aws', key: 'secret', namespace: 'ns' },
    ...extra,
  });

  it('invokes with the payload, signed with the keys from the secrets', async () => {
    expect(await run('events.lambda', input('ok'))).toEqual({ tag: 't#7', status: 200 });
    const call = lambda.calls.at(-1)!;
    expect(call).toMatchObject({
      functionName: 'ok',
      invocationType: 'RequestResponse',
      payload: '{"ref":"main"}',
    });
    expect(String(call.headers['authorization'])).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDTEST\//,
    );
    expect(await run('events.lambda', input('ok', { invocationType: 'Event' }))).toEqual({
      tag: 't#7',
      status: 202,
    });
  });

  it('a function error or a missing function fails the firing with the reason', async () => {
    expect(await run('events.lambda', input('fails'))).toEqual({
      tag: 't#7',
      error: 'fails failed (Unhandled): {"errorMessage":"boom","errorType":"Error"}',
    });
    const missing = (await run('events.lambda', input('nope'))) as { error: string };
    expect(missing.error).toMatch(/Function not found: nope/);
  });
});
