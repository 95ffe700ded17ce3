/**
 * `argosls rollout ...`: the kubectl-argo-rollouts actions against a running control plane.
 * Argo's plugin patches the Rollout's `status`; here `status` belongs to the rollout machine, so
 * promote, abort and retry stamp an annotation with a fresh value (each stamp is one request)
 * and pause / resume set `spec.paused`, as Argo's do. undo reads the ReplicaSet of the revision
 * from the cluster and puts its pod template back into `spec.template`, as Argo's undo does.
 */
import { resolve } from 'node:path';
import type { KubeObject } from '../shared/core/objects.js';
import { ACTION_ANNOTATIONS } from '../shared/rollouts/rollout.js';
import {
  OWNER_LABEL,
  POD_TEMPLATE_HASH_LABEL,
  REVISION_ANNOTATION,
} from '../shared/rollouts/replicaset.js';
import type { Io, Values } from './remote.js';
import { client, clusterFromKubeconfig } from './remote.js';

export const ROLLOUT_HELP = `argosls rollout: Argo Rollouts actions

Usage: argosls rollout <action> NAME [options]

Actions:
  status NAME [--watch]        Phase, message, step, weights and ReplicaSets. --watch follows
                               until the rollout is Healthy, Paused or Degraded. -o json: status.
  promote NAME [--full]        Lift the current pause (or skip the current step); --full skips
                               every remaining step (and, for blue-green, promotes at once).
  abort NAME                   Send all traffic back to stable and scale the canary down.
  retry NAME                   Start an aborted update again.
  pause NAME | resume NAME     Set or clear spec.paused.
  undo NAME [--to-revision N]  Roll back to revision N's pod template (default: the previous).

Options: --server, --token, -n/--namespace as for the other commands; --kubeconfig for undo
(default .argo-serverless/kubeconfig, the one npm start writes).
`;

type Call = Awaited<ReturnType<typeof client>>;

export async function rolloutCommand(
  positionals: string[],
  values: Values & { full?: boolean | undefined; 'to-revision'?: string | undefined },
  io: Io,
): Promise<number> {
  const [action, name] = positionals;
  if (!action || action === 'help') {
    io.out.write(ROLLOUT_HELP);
    return action ? 0 : 2;
  }
  if (!name) {
    io.err.write(`argosls rollout ${action}: give the Rollout name\n`);
    return 2;
  }
  const ns = values.namespace ?? 'default';
  const path = `/resources/Rollout/${ns}/${name}`;
  const call = await client(values);
  const patch = (body: unknown) =>
    call('PATCH', path, JSON.stringify(body), 'application/merge-patch+json');
  const stamp = new Date().toISOString();
  try {
    switch (action) {
      case 'status': {
        if (!values.watch) {
          const ro = (await call('GET', path)) as unknown as KubeObject;
          if (values.output === 'json') io.out.write(`${JSON.stringify(ro['status'], null, 2)}\n`);
          else io.out.write(describeRollout(ro));
          return 0;
        }
        return await watch(call, path, io);
      }
      case 'promote':
        await patch({
          spec: { paused: false },
          metadata: {
            annotations: { [ACTION_ANNOTATIONS.promote]: values.full ? `${stamp};full` : stamp },
          },
        });
        io.err.write(`rollout '${name}' ${values.full ? 'fully promoted' : 'promoted'}\n`);
        return 0;
      case 'abort':
        await patch({ metadata: { annotations: { [ACTION_ANNOTATIONS.abort]: stamp } } });
        io.err.write(`rollout '${name}' aborted\n`);
        return 0;
      case 'retry':
        await patch({ metadata: { annotations: { [ACTION_ANNOTATIONS.retry]: stamp } } });
        io.err.write(`rollout '${name}' restarted\n`);
        return 0;
      case 'pause':
      case 'resume':
        await patch({ spec: { paused: action === 'pause' ? true : null } });
        io.err.write(`rollout '${name}' ${action}d\n`);
        return 0;
      case 'undo': {
        const template = await revisionTemplate(values, ns, name, values['to-revision']);
        await patch({ spec: { template } });
        io.err.write(`rollout '${name}' undo\n`);
        return 0;
      }
      default:
        io.err.write(`argosls rollout: unknown action '${action}'\n${ROLLOUT_HELP}`);
        return 2;
    }
  } catch (err) {
    io.err.write(`argosls rollout ${action}: ${(err as Error).message}\n`);
    return 1;
  }
}

/** The pod template of revision `to` (default: the newest but one), without its hash label. */
async function revisionTemplate(
  values: Values,
  ns: string,
  name: string,
  to: string | undefined,
): Promise<unknown> {
  const kube = clusterFromKubeconfig(
    values.kubeconfig ?? resolve('.argo-serverless', 'kubeconfig'),
  );
  const sets = await kube.list('apps/v1', 'ReplicaSet', {
    namespace: ns,
    labelSelector: `${OWNER_LABEL}=${name}`,
  });
  const revisionOf = (rs: KubeObject) =>
    Number(((rs.metadata.annotations ?? {}) as Record<string, string>)[REVISION_ANNOTATION] ?? 0);
  const byRevision = [...sets].sort((a, b) => revisionOf(b) - revisionOf(a));
  const target = to ? byRevision.find((rs) => revisionOf(rs) === Number(to)) : byRevision[1];
  if (!target)
    throw new Error(
      to ? `no revision ${to} of rollout '${name}'` : `rollout '${name}' has no previous revision`,
    );
  const template = structuredClone(
    ((target.spec ?? {}) as { template?: { metadata?: { labels?: Record<string, string> } } })
      .template ?? {},
  );
  delete template.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL];
  return template;
}

async function watch(call: Call, path: string, io: Io): Promise<number> {
  let last = '';
  for (;;) {
    const ro = (await call('GET', path)) as unknown as KubeObject;
    const status = (ro['status'] ?? {}) as { phase?: string; message?: string };
    const line = `${status.phase ?? 'Progressing'}${status.message ? ` - ${status.message}` : ''}`;
    if (line !== last) io.out.write(`${line}\n`);
    last = line;
    if (status.phase === 'Healthy' || status.phase === 'Paused') return 0;
    if (status.phase === 'Degraded') return 1;
    await new Promise((ok) => setTimeout(ok, 500));
  }
}

export function describeRollout(ro: KubeObject): string {
  const spec = (ro.spec ?? {}) as {
    replicas?: number;
    strategy?: { canary?: { steps?: unknown[] }; blueGreen?: unknown };
  };
  const status = (ro['status'] ?? {}) as {
    phase?: string;
    message?: string;
    currentStepIndex?: number;
    stableRS?: string;
    currentPodHash?: string;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    canary?: { weights?: { canary?: { weight?: number }; stable?: { weight?: number } } };
    blueGreen?: { activeSelector?: string; previewSelector?: string };
  };
  const steps = spec.strategy?.canary?.steps?.length;
  const lines = [
    `Name:            ${ro.metadata.name}`,
    `Namespace:       ${ro.metadata.namespace}`,
    `Status:          ${status.phase ?? 'Progressing'}${status.message ? ` (${status.message})` : ''}`,
    `Strategy:        ${spec.strategy?.blueGreen ? 'BlueGreen' : 'Canary'}`,
    ...(steps !== undefined ? [`  Step:          ${status.currentStepIndex ?? 0}/${steps}`] : []),
    ...(status.canary?.weights
      ? [
          `  SetWeight:     ${status.canary.weights.canary?.weight ?? 0}`,
          `  ActualWeight:  ${status.canary.weights.canary?.weight ?? 0}`,
        ]
      : []),
    ...(status.blueGreen
      ? [
          `  Active:        ${status.blueGreen.activeSelector ?? ''}`,
          `  Preview:       ${status.blueGreen.previewSelector ?? ''}`,
        ]
      : []),
    `Stable:          ${status.stableRS ?? ''}`,
    `Current:         ${status.currentPodHash ?? ''}`,
    `Replicas:        Desired ${spec.replicas ?? 1}  Current ${status.replicas ?? 0}  Updated ${status.updatedReplicas ?? 0}  Ready ${status.readyReplicas ?? 0}  Available ${status.availableReplicas ?? 0}`,
  ];
  return `${lines.join('\n')}\n`;
}
