/**
 * argosls commands against a running control plane's HTTP API: submit (and watch), get, list,
 * suspend, resume, stop, terminate. Suspend / stop / terminate are patches of `spec.suspend` and
 * `spec.shutdown`, as Argo's own CLI makes them; resume also stamps an annotation the workflow
 * machine reads as "resume the suspended nodes".
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { KubeObject } from '../shared/core/objects.js';
import { RESUME_ANNOTATION } from '../shared/workflows/reducer.js';
import { RETRY_ANNOTATION } from '../shared/workflows/retry.js';
import type { RetryRequest } from '../shared/workflows/retry.js';
import { KubeConfig } from '@kubernetes/client-node';
import {
  allowPlainHttp,
  ClientNodeKubernetes,
} from '../shared/adapters/kubernetes/client-node-kubernetes.js';
import type { NodeStatus } from '../shared/workflows/nodes.js';
import { podName } from '../shared/workflows/nodes.js';
import { parseOutputsBlock } from '../shared/workflows/pods.js';

export function clusterFromKubeconfig(path: string): ClientNodeKubernetes {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  allowPlainHttp(kc);
  return new ClientNodeKubernetes(kc);
}

export const REMOTE_COMMANDS = [
  'submit',
  'get',
  'list',
  'suspend',
  'resume',
  'stop',
  'terminate',
  'resubmit',
  'retry',
  'logs',
];

export interface Values {
  kubeconfig?: string | undefined;
  server?: string | undefined;
  token?: string | undefined;
  namespace?: string | undefined;
  watch?: boolean | undefined;
  output?: string | undefined;
  'restart-successful'?: boolean | undefined;
  'node-field-selector'?: string | undefined;
}

export interface Io {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

export async function client(values: Values) {
  const server = (
    values.server ??
    process.env['ARGOSLS_SERVER'] ??
    'http://127.0.0.1:8080'
  ).replace(/\/$/, '');
  let token = values.token ?? process.env['ARGOSLS_TOKEN'];
  if (!token) {
    try {
      token = (await readFile(resolve('.argo-serverless', 'api-token'), 'utf8')).trim();
    } catch {
      token = undefined;
    }
  }
  return async (method: string, path: string, body?: string, contentType = 'application/json') => {
    const res = await fetch(`${server}/api/v1${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'content-type': contentType } : {}),
      },
      ...(body ? { body } : {}),
    });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (!res.ok)
      throw new Error(`${method} ${path}: ${res.status} ${String(json['message'] ?? text)}`);
    return json;
  };
}

export async function remoteCommand(
  command: string,
  positionals: string[],
  values: Values,
  io: Io,
  loadFiles: (files: string[]) => Promise<{ file: string; object: KubeObject }[]>,
): Promise<number> {
  const call = await client(values);
  const ns = values.namespace ?? 'default';
  try {
    switch (command) {
      case 'submit': {
        if (!positionals.length) throw new Error('give one or more files');
        const docs = (await loadFiles(positionals)).map((d) => d.object);
        for (const d of docs) if (d.kind === 'Workflow') d.metadata.namespace ??= ns;
        const body = docs.map((d) => JSON.stringify(d)).join('\n---\n');
        const applied = (await call('POST', '/apply?wait=10000', body, 'application/yaml')) as {
          items?: { key: string; result: string; reason?: string }[];
        };
        const names: string[] = [];
        for (const item of applied.items ?? []) {
          io.err.write(`${item.key}: ${item.result}${item.reason ? ` (${item.reason})` : ''}\n`);
          if (item.key.split('/')[1] === 'Workflow')
            names.push(item.key.split('/').slice(2).join('/'));
        }
        if (!values.watch) return 0;
        let ok = true;
        for (const name of names) ok = (await follow(call, name, io)) && ok;
        return ok ? 0 : 1;
      }
      case 'get': {
        const wf = await call('GET', `/resources/Workflow/${ns}/${need(positionals)}`);
        if (values.output === 'json') io.out.write(`${JSON.stringify(wf, null, 2)}\n`);
        else io.out.write(describe(wf as unknown as KubeObject));
        return 0;
      }
      case 'list': {
        const list = (await call('GET', `/resources/Workflow?namespace=${ns}`)) as {
          items?: KubeObject[];
        };
        for (const wf of list.items ?? []) {
          const status = (wf['status'] ?? {}) as { phase?: string; progress?: string };
          io.out.write(
            `${wf.metadata.name}\t${status.phase || 'Pending'}\t${status.progress ?? ''}\n`,
          );
        }
        return 0;
      }
      case 'resubmit': {
        // As `argo resubmit`: a new Workflow from the old one's spec, labelled with its origin.
        const name = need(positionals);
        const old = (await call(
          'GET',
          `/resources/Workflow/${ns}/${name}`,
        )) as unknown as KubeObject;
        const labels = {
          ...((old.metadata.labels ?? {}) as Record<string, string>),
          'workflows.argoproj.io/resubmitted-from-workflow': name,
        };
        const generateName = String(old.metadata['generateName'] ?? `${name}-`);
        const body = JSON.stringify({
          apiVersion: old.apiVersion,
          kind: 'Workflow',
          metadata: { generateName, namespace: ns, labels },
          spec: old['spec'],
        });
        const applied = (await call('POST', '/apply?wait=10000', body)) as {
          items?: { key: string }[];
        };
        const created = applied.items?.[0]?.key.split('/').pop() ?? '';
        io.err.write(`workflow ${created} resubmitted from ${name}\n`);
        if (!values.watch) return 0;
        return (await follow(call, `${ns}/${created}`, io)) ? 0 : 1;
      }
      case 'retry': {
        // As `argo retry`: only a Failed or Errored workflow; the machine redoes its failures.
        const name = need(positionals);
        const path = `/resources/Workflow/${ns}/${name}`;
        const wf = (await call('GET', path)) as unknown as KubeObject;
        const phase = ((wf['status'] ?? {}) as { phase?: string }).phase ?? '';
        if (phase !== 'Failed' && phase !== 'Error')
          throw new Error(
            `workflow ${name} is ${phase || 'Pending'}: only Failed or Error can be retried`,
          );
        const request: RetryRequest = {
          at: new Date().toISOString(),
          ...(values['restart-successful'] ? { restartSuccessful: true } : {}),
          ...(values['node-field-selector']
            ? { nodeFieldSelector: values['node-field-selector'] }
            : {}),
        };
        const patch = {
          spec: { shutdown: null },
          metadata: { annotations: { [RETRY_ANNOTATION]: JSON.stringify(request) } },
        };
        await call('PATCH', path, JSON.stringify(patch), 'application/merge-patch+json');
        io.err.write(`workflow ${name} retried\n`);
        if (!values.watch) return 0;
        return (await follow(call, `${ns}/${name}`, io)) ? 0 : 1;
      }
      case 'logs': {
        // Pod names from the control plane, logs from the cluster itself (as `argo logs` reads
        // them through the API server), without the outputs block the wrapper appends.
        const name = need(positionals);
        const wf = (await call(
          'GET',
          `/resources/Workflow/${ns}/${name}`,
        )) as unknown as KubeObject;
        const nodes = Object.values(
          ((wf['status'] ?? {}) as { nodes?: Record<string, NodeStatus> }).nodes ?? {},
        );
        const kube = clusterFromKubeconfig(
          values.kubeconfig ?? resolve('.argo-serverless', 'kubeconfig'),
        );
        for (const node of nodes.filter(
          (n) => n.type === 'Pod' && n.phase !== 'Skipped' && n.phase !== 'Omitted',
        )) {
          const pod = podName(name, node.name, node.templateName);
          let text: string;
          try {
            text = parseOutputsBlock(await kube.podLogs(ns, pod, { container: 'main' })).log;
          } catch (err) {
            text = `(no logs: ${(err as Error).message})\n`;
          }
          for (const line of text.split('\n').filter(Boolean))
            io.out.write(`${node.displayName}: ${line}\n`);
        }
        return 0;
      }
      case 'suspend':
      case 'resume':
      case 'stop':
      case 'terminate': {
        const patch =
          command === 'suspend'
            ? { spec: { suspend: true } }
            : command === 'resume'
              ? {
                  spec: { suspend: null },
                  metadata: { annotations: { [RESUME_ANNOTATION]: new Date().toISOString() } },
                }
              : { spec: { shutdown: command === 'stop' ? 'Stop' : 'Terminate' } };
        await call(
          'PATCH',
          `/resources/Workflow/${ns}/${need(positionals)}`,
          JSON.stringify(patch),
          'application/merge-patch+json',
        );
        io.err.write(
          `workflow ${need(positionals)} ${command === 'stop' ? 'stopped' : `${command}${command.endsWith('e') ? 'd' : 'ed'}`}\n`,
        );
        return 0;
      }
    }
  } catch (err) {
    io.err.write(`argosls ${command}: ${(err as Error).message}\n`);
    return 1;
  }
  return 2;
}

function need(positionals: string[]): string {
  if (!positionals[0]) throw new Error('give the Workflow name');
  return positionals[0];
}

async function follow(
  call: Awaited<ReturnType<typeof client>>,
  name: string,
  io: Io,
): Promise<boolean> {
  let last = '';
  for (;;) {
    const wf = (await call('GET', `/resources/Workflow/${name}`)) as unknown as KubeObject;
    const status = (wf['status'] ?? {}) as { phase?: string; progress?: string; message?: string };
    const line = `${wf.metadata.name}: ${status.phase || 'Pending'} ${status.progress ?? ''}${status.message ? ` (${status.message})` : ''}`;
    if (line !== last) io.err.write(`${line}\n`);
    last = line;
    if (status.phase === 'Succeeded') return true;
    if (status.phase === 'Failed' || status.phase === 'Error') return false;
    await new Promise((ok) => setTimeout(ok, 500));
  }
}

function describe(wf: KubeObject): string {
  const status = (wf['status'] ?? {}) as {
    phase?: string;
    progress?: string;
    message?: string;
    startedAt?: string;
    finishedAt?: string;
    nodes?: Record<string, { displayName: string; type: string; phase: string; message?: string }>;
  };
  const lines = [
    `Name:      ${wf.metadata.name}`,
    `Namespace: ${wf.metadata.namespace}`,
    `Status:    ${status.phase || 'Pending'}`,
    ...(status.message ? [`Message:   ${status.message}`] : []),
    `Progress:  ${status.progress ?? ''}`,
    `Started:   ${status.startedAt ?? ''}`,
    `Finished:  ${status.finishedAt ?? ''}`,
    '',
    'STEP\tTYPE\tPHASE\tMESSAGE',
    ...Object.values(status.nodes ?? {}).map(
      (n) => `${n.displayName}\t${n.type}\t${n.phase}\t${n.message ?? ''}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
