/** Argo's HTTP template, made by the effect worker against a real local HTTP server. */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../shared/core/objects.js';
import { runWorkflows } from '../../cli/run.js';
import type { NodeStatus } from '../../shared/workflows/nodes.js';

let server: Server;
let url: string;
const seen: { method?: string; auth?: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ method: req.method, auth: req.headers['x-token'] as string | undefined });
    res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ greeting: 'hello', path: req.url }));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

const wf = (path: string, extra: Record<string, unknown> = {}) =>
  ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { generateName: 'http-' },
    spec: {
      entrypoint: 'main',
      templates: [
        {
          name: 'main',
          steps: [
            [{ name: 'call', template: 'call' }],
            [
              {
                name: 'use',
                template: 'echo',
                arguments: { parameters: [{ name: 'm', value: '{{steps.call.outputs.result}}' }] },
              },
            ],
          ],
        },
        {
          name: 'call',
          http: {
            url: `${url}${path}`,
            method: 'POST',
            headers: [{ name: 'x-token', value: 't1' }],
            ...extra,
          },
        },
        {
          name: 'echo',
          inputs: { parameters: [{ name: 'm' }] },
          container: { image: 'busybox', args: ['{{inputs.parameters.m}}'] },
        },
      ],
    },
  }) as unknown as KubeObject;

const run = async (object: KubeObject) => {
  const outcome = await runWorkflows([object], {
    executor: 'none',
    parameters: {},
    timeoutMs: 20_000,
    progress: () => {},
  });
  const w = outcome.workflows[0]!;
  return {
    phase: (w.status as { phase: string }).phase,
    nodes: Object.values((w.status as unknown as { nodes: Record<string, NodeStatus> }).nodes),
  };
};

describe('HTTP templates', () => {
  it(
    'the response body is outputs.result; a 2xx status succeeds',
    { timeout: 30_000 },
    async () => {
      const { phase, nodes } = await run(wf('/hello'));
      expect(phase).toBe('Succeeded');
      const call = nodes.find((n) => n.displayName === 'call')!;
      expect(call.type).toBe('HTTP');
      expect(JSON.parse(call.outputs!.result!)).toEqual({ greeting: 'hello', path: '/hello' });
      expect(nodes.find((n) => n.displayName === 'use')!.inputs!.parameters![0]!.value).toContain(
        '"greeting":"hello"',
      );
      expect(seen.at(-1)).toEqual({ method: 'POST', auth: 't1' });
    },
  );

  it(
    'a non-2xx status or a false successCondition fails the node',
    { timeout: 30_000 },
    async () => {
      const missing = await run(wf('/missing'));
      expect(missing.phase).toBe('Failed');
      expect(missing.nodes.find((n) => n.displayName === 'call')!.message).toBe('status code 404');
      const strict = await run(wf('/hello', { successCondition: 'response.statusCode == 201' }));
      expect(strict.nodes.find((n) => n.displayName === 'call')!.message).toBe(
        "successCondition 'response.statusCode == 201' evaluated false",
      );
    },
  );
});
