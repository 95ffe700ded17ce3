/**
 * `npm start`: the control plane on the embedded default. Parses options, starts the runtime and
 * the HTTP API, prints where everything is, and shuts down cleanly on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Durability } from './runtime.js';
import { startEmbedded } from './embedded.js';
import { createPodExecutor } from '../../adapters/local/sim-cluster/executor.js';
import { createApiServer } from '../../api/http-server.js';
import type { StaticUser } from '../../api/authz.js';
import { parse as parseYaml } from 'yaml';
import { jsonLog } from '../../core/log.js';

const HELP = `argo-serverless: the control plane on the embedded default (no AWS, no Docker)

Usage: npm start -- [options]

Options:
  --data-dir <dir>      Where state lives: event log, queues, secrets, API token.
                        Default: ./.argo-serverless (env ARGO_SERVERLESS_DATA_DIR)
  --host <addr>         Address the HTTP API binds to. Default: 127.0.0.1
  --port <n>            Port of the HTTP API (0 picks a free one). Default: 8080
  --token <t>           Bearer token callers must send. Default: a random token kept in
                        <data-dir>/api-token, printed at start (env ARGO_SERVERLESS_TOKEN)
  --no-auth             Accept requests without a token (and without RBAC). Refused unless
                        --host is loopback.
  --users <file>        Extra API users besides admin, YAML or JSON:
                        [{name: alice, token: <secret>, groups: [developers]}]; what they may do
                        is argocd-rbac-cm's policy (bind them or their groups with g lines).
  --durability <mode>   fsync (default): every acknowledged write is fsynced, with group commit
                        (concurrent writes share one fsync). none: no fsync; survives a process
                        crash but not a power loss.
  --log-level <level>   debug | info | warn | error. Default: info
  --kubeconfig <file>   Use a real cluster as the home cluster (in-cluster) instead of the
                        simulated one. Default: the simulated cluster, whose kubeconfig is
                        written to <data-dir>/kubeconfig (kubectl needs --validate=false)
  --context <name>      The kubeconfig context to use (with --kubeconfig). Default: its current
  --pod-executor <mode> What the simulated cluster's kubelet runs in workflow pods:
                        sim (default): the outputs wrapper with a stand-in for the user's
                        program, which writes the declared outputs; host: busybox / alpine /
                        python / node / argosay programs for real on this machine, each pod in
                        its own chroot (refused on a non-loopback --host without a token);
                        none: pods only change phase.
  --no-event-ports      Do not listen on the ports EventSources declare (\`port: "12000"\`);
                        their events still arrive under /webhooks on the API port.
  -h, --help            This help.

HTTP API (JSON; Kubernetes-style objects):
  GET    /healthz
  POST   /api/v1/apply[?cluster=]                    YAML or JSON, one or many documents
  GET    /api/v1/resources/:kind[?namespace=&labelSelector=&cluster=]
  GET    /api/v1/resources/:kind/:namespace/:name    (namespace "_" for cluster-scoped kinds)
  PATCH  /api/v1/resources/:kind/:namespace/:name    merge-patch+json or json-patch+json
  DELETE /api/v1/resources/:kind/:namespace/:name    honours finalizers
  GET    /api/v1/resources/:kind/:namespace/:name/events   the resource's event log
  POST   /api/v1/ingress                             a raw ingress message (S3 notification,
                                                     Lambda Kafka payload), as SQS would carry it
  POST   /webhooks/:namespace/:eventsource/:event    Argo Events webhooks (no API token: the
                                                     event source's own secret or signature)
  POST   /api/v1/resources/Application/:ns/:name/sync | rollback   argocd app sync / rollback
  POST   /api/v1/projects/:project/roles/:role/token  a project role token (JWT)
  Every route is checked against Argo CD's RBAC (argocd-rbac-cm in namespace argocd, AppProject
  roles); the token above is the admin user.
`;

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8080' },
      token: { type: 'string' },
      'no-auth': { type: 'boolean', default: false },
      users: { type: 'string' },
      durability: { type: 'string', default: 'fsync' },
      'log-level': { type: 'string', default: 'info' },
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      'pod-executor': { type: 'string', default: 'sim' },
      'no-event-ports': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const host = values.host;
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    fail(`--port: "${values.port}" is not a port number`);
  if (values.durability !== 'fsync' && values.durability !== 'none') {
    fail(`--durability: "${values.durability}" must be fsync or none`);
  }
  const level = values['log-level'];
  if (!['debug', 'info', 'warn', 'error'].includes(level))
    fail(`--log-level: "${level}" is not a level`);
  const podExecutor = values['pod-executor'];
  if (!['sim', 'host', 'none'].includes(podExecutor)) {
    fail(`--pod-executor: "${podExecutor}" must be sim, host or none`);
  }
  if (podExecutor === 'host' && values['no-auth'] && !LOOPBACK.test(host)) {
    fail(
      '--pod-executor host runs programs on this machine: refused on a non-loopback --host without a token',
    );
  }
  if (values['no-auth'] && !LOOPBACK.test(host)) {
    fail(`--no-auth is only allowed on a loopback address, not on --host ${host}`);
  }
  const dataDir = resolve(
    values['data-dir'] ?? process.env['ARGO_SERVERLESS_DATA_DIR'] ?? '.argo-serverless',
  );
  const log = jsonLog(level as 'info');

  const { runtime, cluster, events } = await startEmbedded({
    dataDir,
    durability: values.durability as Durability,
    log,
    ...(values['no-event-ports'] ? {} : { eventSourcePorts: { host } }),
    ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
    ...(values.context ? { context: values.context } : {}),
    ...(podExecutor !== 'none' && !values.kubeconfig
      ? {
          simulated: {
            executor: await createPodExecutor({
              mode: podExecutor as 'sim' | 'host',
              scratchDir: join(dataDir, 'pods'),
            }),
          },
        }
      : {}),
  });
  const token = values['no-auth']
    ? undefined
    : (values.token ?? process.env['ARGO_SERVERLESS_TOKEN'] ?? (await storedToken(dataDir)));
  const server = createApiServer({
    controlPlane: runtime,
    events,
    auth: token
      ? { token, ...(values.users ? { users: await readUsers(values.users) } : {}) }
      : { none: true },
    log,
    version: '0.1.0',
  });
  await new Promise<void>((ok, ko) => {
    server.once('error', ko);
    server.listen(port, host, ok);
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
  process.stdout.write(
    [
      `argo-serverless control plane is up (embedded runtime)`,
      `  API:        ${url}/api/v1`,
      `  auth:       ${token ? `Authorization: Bearer ${token}` : 'none (--no-auth, loopback only)'}`,
      `  data dir:   ${dataDir}`,
      `  cluster:    ${cluster.description}`,
      `  kubeconfig: ${cluster.kubeconfigPath}`,
      `  durability: ${values.durability === 'fsync' ? 'fsync per commit (group commit)' : 'none (no fsync)'}`,
      `  try:        curl -H 'Authorization: Bearer …' ${url}/api/v1/resources/Workflow`,
      `Press Ctrl-C to stop.`,
      '',
    ].join('\n'),
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping…\n`);
    server.close();
    server.closeAllConnections();
    await runtime.stop();
    await cluster.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

/** The --users file: a list of {name, token, groups?}. */
async function readUsers(file: string): Promise<StaticUser[]> {
  const value: unknown = parseYaml(await readFile(file, 'utf8'));
  if (!Array.isArray(value))
    fail(`--users ${file}: expected a list of {name, token, groups} entries`);
  return value.map((entry: unknown, i) => {
    const u = (entry ?? {}) as { name?: unknown; token?: unknown; groups?: unknown };
    if (typeof u.name !== 'string' || u.name === '' || u.name.startsWith('proj:'))
      fail(`--users ${file}: [${i}].name must be a user name (not empty, not proj:...)`);
    if (typeof u.token !== 'string' || u.token.length < 16)
      fail(`--users ${file}: [${i}].token must be a string of at least 16 characters`);
    if (
      u.groups !== undefined &&
      !(Array.isArray(u.groups) && u.groups.every((g) => typeof g === 'string'))
    )
      fail(`--users ${file}: [${i}].groups must be a list of group names`);
    return { name: u.name, token: u.token, ...(u.groups ? { groups: u.groups as string[] } : {}) };
  });
}

async function storedToken(dataDir: string): Promise<string> {
  const file = join(dataDir, 'api-token');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const token = randomBytes(24).toString('base64url');
    await mkdir(dataDir, { recursive: true });
    await writeFile(file, token + '\n', { mode: 0o600 });
    return token;
  }
}

function fail(message: string): never {
  process.stderr.write(`error: ${message}\nRun with --help for the options.\n`);
  process.exit(2);
}

await main().catch((err: unknown) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
