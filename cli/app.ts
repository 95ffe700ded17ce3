/**
 * `argosls app ...`: `argocd app get | sync | history | rollback | diff | delete` against a running
 * control plane. Sync and rollback go through the API's sync / rollback routes (RBAC's `sync`
 * action, as Argo's) and wait for the operation's outcome; diff prints what the last comparison
 * found; delete cascades through Argo's resources finalizer unless `--cascade=false`.
 * An Application is named `NAME` (in namespace argocd) or `NAMESPACE/NAME`.
 */
import type { Io, Values } from './remote.js';
import { client } from './remote.js';

export const APP_HELP = `argosls app: Argo CD Application actions

Usage: argosls app <action> NAME [options]      (NAME or NAMESPACE/NAME; default namespace argocd)

Actions:
  get NAME [--refresh]         Sync status, health, operation and resources (-o json: the object).
                               --refresh asks for a refresh first (argocd.argoproj.io/refresh).
  sync NAME                    Sync now and wait for the outcome (exit 1 unless it Succeeded).
      --revision REV           Sync this revision instead of the target revision.
      --prune                  Delete resources no longer in git.
      --dry-run                Plan and validate only.
      --async                  Do not wait.
  history NAME                 Deployed revisions (ID, date, revision).
  rollback NAME ID             Sync the revision and source of history ID (refused while
                               automated sync is enabled, as in Argo CD).
  diff NAME                    The out-of-sync resources and their patches from live to git
                               (exit 1 when there is a difference, as argocd app diff).
  delete NAME [--cascade=false]
                               Delete the Application; with cascade (default) its resources too.

Options: --server, --token as for the other commands; --timeout SECONDS for sync / rollback
(default 300).
`;

export interface AppValues extends Values {
  refresh?: boolean | undefined;
  revision?: string | undefined;
  prune?: boolean | undefined;
  'dry-run'?: boolean | undefined;
  async?: boolean | undefined;
  cascade?: string | undefined;
  timeout?: string | undefined;
}

type Call = Awaited<ReturnType<typeof client>>;

interface ResourceView {
  group?: string;
  kind: string;
  namespace?: string;
  name: string;
  status?: string;
  health?: { status: string; message?: string };
  hook?: boolean;
  requiresPruning?: boolean;
}

interface HistoryView {
  id: number;
  revision?: string;
  revisions?: string[];
  deployedAt?: string;
  source?: Record<string, unknown>;
  sources?: Record<string, unknown>[];
}

export interface AppView {
  metadata: { name: string; namespace?: string; finalizers?: string[] };
  spec: {
    project?: string;
    source?: { repoURL?: string; targetRevision?: string; path?: string; chart?: string };
    sources?: { repoURL?: string; targetRevision?: string; path?: string }[];
    destination?: { server?: string; name?: string; namespace?: string };
    syncPolicy?: { automated?: { enabled?: boolean } | null };
  };
  operation?: unknown;
  status?: {
    sync?: { status?: string; revision?: string; revisions?: string[] };
    health?: { status?: string; message?: string };
    resources?: ResourceView[];
    operationState?: {
      phase?: string;
      message?: string;
      startedAt?: string;
      finishedAt?: string;
      syncResult?: {
        revision?: string;
        resources?: { kind: string; name: string; status: string; message?: string }[];
      };
    };
    history?: HistoryView[];
    conditions?: { type: string; message: string }[];
    diffs?: {
      group: string;
      kind: string;
      namespace: string;
      name: string;
      patch: { op: string; path: string; value?: unknown }[];
    }[];
  };
}

export function appPath(name: string): string {
  const [namespace, app] = name.includes('/') ? name.split('/', 2) : ['argocd', name];
  return `/resources/Application/${namespace}/${app}`;
}

const pad = (text: string, width: number) => text.padEnd(width);

/** What `argocd app get` prints. */
export function describeApp(app: AppView): string {
  const source = app.spec.source ?? app.spec.sources?.[0] ?? {};
  const dest = app.spec.destination ?? {};
  const status = app.status ?? {};
  const sync = status.sync ?? {};
  const revision = sync.revision ?? sync.revisions?.join(', ') ?? '';
  const lines = [
    `Name:               ${app.metadata.namespace ?? 'argocd'}/${app.metadata.name}`,
    `Project:            ${app.spec.project ?? 'default'}`,
    `Server:             ${dest.server ?? dest.name ?? ''}`,
    `Namespace:          ${dest.namespace ?? ''}`,
    `Repo:               ${source.repoURL ?? ''}`,
    `Target:             ${source.targetRevision ?? ''}`,
    `Path:               ${source.path ?? ''}`,
    `Sync Policy:        ${app.spec.syncPolicy?.automated && app.spec.syncPolicy.automated.enabled !== false ? 'Automated' : 'Manual'}`,
    `Sync Status:        ${sync.status ?? 'Unknown'}${revision ? ` to ${source.targetRevision ?? ''} (${revision.slice(0, 7)})` : ''}`,
    `Health Status:      ${status.health?.status ?? 'Unknown'}${status.health?.message ? ` (${status.health.message})` : ''}`,
  ];
  for (const c of status.conditions ?? [])
    lines.push(`Condition:          ${c.type}: ${c.message}`);
  const op = status.operationState;
  if (op) {
    lines.push('', `Operation:          Sync`, `Phase:              ${op.phase ?? ''}`);
    if (op.startedAt) lines.push(`Start:              ${op.startedAt}`);
    if (op.finishedAt) lines.push(`Finished:           ${op.finishedAt}`);
    if (op.message) lines.push(`Message:            ${op.message}`);
  }
  const resources = status.resources ?? [];
  if (resources.length) {
    lines.push(
      '',
      `${pad('GROUP', 14)}${pad('KIND', 14)}${pad('NAMESPACE', 14)}${pad('NAME', 24)}${pad('STATUS', 11)}HEALTH`,
    );
    for (const r of resources)
      lines.push(
        `${pad(r.group ?? '', 14)}${pad(r.kind, 14)}${pad(r.namespace ?? '', 14)}${pad(r.name, 24)}${pad(r.status ?? '', 11)}${r.health?.status ?? ''}`,
      );
  }
  return `${lines.join('\n')}\n`;
}

/** What `argocd app history` prints. */
export function formatHistory(app: AppView): string {
  const rows = (app.status?.history ?? []).map(
    (h) =>
      `${pad(String(h.id), 5)}${pad(h.deployedAt ?? '', 23)}${h.revision ?? (h.revisions ?? []).join(', ')}`,
  );
  return `${pad('ID', 5)}${pad('DATE', 23)}REVISION\n${rows.join('\n')}${rows.length ? '\n' : ''}`;
}

/** What `argocd app diff` prints: one block per out-of-sync resource. */
export function formatDiff(app: AppView): string {
  const blocks = (app.status?.diffs ?? []).map((d) => {
    const header = `===== ${d.group ? `${d.group}/` : ''}${d.kind} ${d.namespace ? `${d.namespace}/` : ''}${d.name} ======`;
    const ops = d.patch.map(
      (p) => `${p.op} ${p.path}${p.value !== undefined ? ` ${JSON.stringify(p.value)}` : ''}`,
    );
    return [header, ...(ops.length ? ops : ['(not in the cluster or not in git)'])].join('\n');
  });
  return blocks.length ? `${blocks.join('\n\n')}\n` : '';
}

function isAutomated(app: AppView): boolean {
  const automated = app.spec.syncPolicy?.automated;
  return automated !== undefined && automated !== null && automated.enabled !== false;
}

export async function appCommand(
  positionals: string[],
  values: AppValues,
  io: Io,
): Promise<number> {
  const [action, name, arg] = positionals;
  if (!action || action === 'help') {
    io.out.write(APP_HELP);
    return action ? 0 : 2;
  }
  if (!name) {
    io.err.write(`argosls app ${action}: give the Application name\n`);
    return 2;
  }
  const path = appPath(name);
  const call = await client(values);
  const read = async () => (await call('GET', path)) as unknown as AppView;
  const patch = (body: unknown) =>
    call('PATCH', path, JSON.stringify(body), 'application/merge-patch+json');
  try {
    switch (action) {
      case 'get': {
        if (values.refresh) {
          await patch({ metadata: { annotations: { 'argocd.argoproj.io/refresh': 'normal' } } });
          await waitFor(read, (a) => a.metadata && !hasRefreshAnnotation(a), 30_000);
        }
        const app = await read();
        io.out.write(
          values.output === 'json' ? `${JSON.stringify(app, null, 2)}\n` : describeApp(app),
        );
        return 0;
      }
      case 'sync':
        return await runOperation(
          call,
          `${path}/sync`,
          read,
          {
            ...(values.revision ? { revision: values.revision } : {}),
            ...(values.prune ? { prune: true } : {}),
            ...(values['dry-run'] ? { dryRun: true } : {}),
          },
          values,
          io,
        );
      case 'history': {
        io.out.write(formatHistory(await read()));
        return 0;
      }
      case 'rollback': {
        const app = await read();
        if (isAutomated(app)) {
          io.err.write(
            `argosls app rollback: rollback cannot be initiated when auto-sync is enabled\n`,
          );
          return 1;
        }
        const history = app.status?.history ?? [];
        const id = arg === undefined ? history.at(-2)?.id : Number(arg);
        const item = history.find((h) => h.id === id);
        if (!item) {
          io.err.write(
            `argosls app rollback: application ${app.metadata.name} does not have deployment id '${arg ?? '(previous)'}' in history\n`,
          );
          return 1;
        }
        return await runOperation(
          call,
          `${path}/rollback`,
          read,
          {
            id: item.id,
            ...(values.prune ? { prune: true } : {}),
            ...(values['dry-run'] ? { dryRun: true } : {}),
          },
          values,
          io,
        );
      }
      case 'diff': {
        const text = formatDiff(await read());
        io.out.write(text);
        return text ? 1 : 0;
      }
      case 'delete': {
        const app = await read();
        const finalizers = app.metadata.finalizers ?? [];
        const cascade = values.cascade !== 'false';
        const wanted = cascade
          ? [...new Set([...finalizers, 'resources-finalizer.argocd.argoproj.io'])]
          : finalizers.filter((f) => !f.startsWith('resources-finalizer.argocd.argoproj.io'));
        if (wanted.length !== finalizers.length) await patch({ metadata: { finalizers: wanted } });
        await call('DELETE', path);
        io.err.write(
          `application '${app.metadata.name}' deleted${cascade ? ' (with its resources)' : ''}\n`,
        );
        return 0;
      }
      default:
        io.err.write(`argosls app: unknown action "${action}"\n${APP_HELP}`);
        return 2;
    }
  } catch (err) {
    io.err.write(`argosls app ${action}: ${(err as Error).message}\n`);
    return 1;
  }
}

function hasRefreshAnnotation(app: AppView): boolean {
  const annotations = (app.metadata as { annotations?: Record<string, string> }).annotations ?? {};
  return 'argocd.argoproj.io/refresh' in annotations;
}

async function waitFor(
  read: () => Promise<AppView>,
  done: (app: AppView) => boolean,
  timeoutMs: number,
): Promise<AppView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const app = await read();
    if (done(app)) return app;
    if (Date.now() > deadline) throw new Error(`gave up waiting after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Asks for the operation (the sync or rollback route) and waits for its end. */
async function runOperation(
  call: Call,
  route: string,
  read: () => Promise<AppView>,
  body: Record<string, unknown>,
  values: AppValues,
  io: Io,
): Promise<number> {
  const requestedAt = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  await call('POST', route, JSON.stringify(body));
  if (values.async) return 0;
  const timeoutMs = Number(values.timeout ?? '300') * 1000;
  const app = await waitFor(
    read,
    (a) => {
      const op = a.status?.operationState;
      return (
        op !== undefined &&
        (op.startedAt ?? '') >= requestedAt &&
        op.phase !== 'Running' &&
        op.phase !== 'Terminating'
      );
    },
    timeoutMs,
  );
  const op = app.status?.operationState;
  io.out.write(describeApp(app));
  return op?.phase === 'Succeeded' ? 0 : 1;
}
