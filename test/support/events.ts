/**
 * What Argo Events tests share: real GitHub payloads (`@octokit/webhooks-examples`), signing as
 * GitHub signs, and an embedded runtime with its API server and event ingress.
 */
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { Webhooks } from '@octokit/webhooks';
import { load, loadAll } from 'js-yaml';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApiServer } from '../../shared/api/http-server.js';
import type { Embedded } from '../../shared/runtime/local/embedded.js';

const require = createRequire(import.meta.url);

export const SEEDS = new URL('../../../shared/corpus/seeds/', import.meta.url);

interface ExampleGroup {
  name: string;
  examples: Record<string, unknown>[];
}

/** A real `push` payload (GitHub's documented example), with the ref changed as asked. */
export function githubPush(ref: string): Record<string, unknown> {
  const groups = require('@octokit/webhooks-examples') as ExampleGroup[];
  const push = groups
    .find((g) => g.name === 'push')!
    .examples.find(
      (e) => String(e['ref']).startsWith('refs/heads/') && e['after'] !== '0'.repeat(40),
    )!;
  return { ...structuredClone(push), ref };
}

export async function sign(secret: string, body: string): Promise<string> {
  return new Webhooks({ secret }).sign(body);
}

export async function seedDocuments(file: string): Promise<Record<string, unknown>[]> {
  return loadAll(await readFile(new URL(file, SEEDS), 'utf8')) as Record<string, unknown>[];
}

export function yamlDoc(text: string): Record<string, unknown> {
  return load(text) as Record<string, unknown>;
}

export interface ApiHandle {
  url: string;
  server: Server;
  apply(docs: unknown[]): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** The API server of an embedded runtime on a free loopback port, without auth. */
export async function startApi(embedded: Embedded): Promise<ApiHandle> {
  const server = createApiServer({
    controlPlane: embedded.runtime,
    auth: { none: true },
    version: 'test',
    events: embedded.events,
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    async apply(docs) {
      const res = await fetch(`${url}/api/v1/apply`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(
          docs.length === 1 ? docs[0] : { apiVersion: 'v1', kind: 'List', items: docs },
        ),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}
