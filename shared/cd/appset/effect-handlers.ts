/**
 * The ApplicationSet's one effect, `cd.appset.generate`: everything a reconcile reads, and
 * nothing it decides. It runs the generators (git through the GitSource port, clusters from the
 * cluster Secrets), renders the Applications, and reads the live Applications this
 * ApplicationSet owns (or whose names it generated), the registered clusters and the projects
 * the Applications name. The machine (applicationset.ts) validates, plans and writes.
 *
 * Only a cluster's name, server, labels and project leave this effect: its credentials
 * (`config`) never enter the log.
 */
import type { EffectHandler } from '../../core/effects.js';
import type { KubeObject } from '../../core/objects.js';
import type { ResourceReader, Secrets } from '../../core/ports.js';
import type { Json } from '../../core/types.js';
import { HOME_CLUSTER } from '../../core/types.js';
import type { GitSource } from '../ports.js';
import { ARGOCD_NAMESPACE, projectFor } from '../projects.js';
import type { GenerateInput, GenerateResult } from './applicationset.js';
import { AppSetEffects, applicationKey, ownerOfFor, REASONS } from './applicationset.js';
import { CLUSTER_SECRET_LABEL } from './generators/clusters.js';
import { generateParams } from './generators/index.js';
import { gitTree } from './git-tree.js';
import { renderApplications } from './render.js';
import type { Application, GeneratorInputs, RegisteredCluster } from './types.js';

export interface AppSetEffectDeps {
  /** Reads Applications and AppProjects from the control plane. */
  resources: ResourceReader;
  /**
   * Lists a kind's current objects in one namespace of a cluster. With it, the owned
   * Applications are found by their owner annotation or controller reference, as Argo lists
   * them; without it only the Applications the ApplicationSet remembers are read.
   */
  listResources?: (
    kind: string,
    filter: { cluster: string; namespace: string },
  ) => Promise<KubeObject[]>;
  /** Where cluster Secrets are found; without it the home cluster is the only cluster. */
  secrets?: Secrets;
  /** Repository access for the git generator; without it a git generator reports an error. */
  git?: GitSource;
  /** Where AppProjects live (Argo CD's namespace); `argocd` by default. */
  argocdNamespace?: string;
}

export function appSetEffectHandlers(deps: AppSetEffectDeps): EffectHandler[] {
  return [
    {
      kind: AppSetEffects.Generate,
      run: async (effect) =>
        (await generate(deps, effect.input as unknown as GenerateInput)) as unknown as Json,
    },
  ];
}

export async function generate(
  deps: AppSetEffectDeps,
  input: GenerateInput,
): Promise<GenerateResult> {
  const { appSet } = input;
  const namespace = appSet.metadata.namespace ?? 'default';
  const clusters = deps.secrets ? await registeredClusters(deps.secrets) : [];
  const inputs: GeneratorInputs = { clusters, ...(deps.git ? { git: gitTree(deps.git) } : {}) };
  const base = { tag: input.tag, clusters };
  let generated: Application[] = [];
  let params;
  try {
    params = await generateParams(appSet, inputs);
  } catch (err) {
    return failed(base, REASONS.ApplicationParamsGenerationError, err);
  }
  try {
    generated = params.flatMap((g) => renderApplications(appSet, g.params, g.template));
  } catch (err) {
    return failed(base, REASONS.RenderTemplateParamsError, err);
  }
  const live = await liveApplications(deps, input, namespace, generated);
  const projects: string[] = [];
  const named = new Set(
    generated.map((a) => (typeof a.spec['project'] === 'string' ? a.spec['project'] : '')),
  );
  for (const name of [...named].sort()) {
    const read = async (key: string) => deps.resources.get(key);
    if (await projectFor(name, read, deps.argocdNamespace ?? ARGOCD_NAMESPACE)) projects.push(name);
  }
  return { ...base, generated, live, projects };
}

function failed(
  base: { tag: string; clusters: RegisteredCluster[] },
  reason: string,
  err: unknown,
): GenerateResult {
  const message = err instanceof Error ? err.message : String(err);
  return { ...base, generated: [], error: { reason, message }, live: [], projects: [] };
}

async function liveApplications(
  deps: AppSetEffectDeps,
  input: GenerateInput,
  namespace: string,
  generated: readonly Application[],
): Promise<Application[]> {
  const names = new Set([...input.known, ...generated.map((a) => a.metadata.name)]);
  const mine = ownerOfFor(input.key, input.appSet.metadata.name);
  if (deps.listResources) {
    const all = await deps.listResources('Application', { cluster: HOME_CLUSTER, namespace });
    return all.filter(
      (a) => names.has(a.metadata.name) || mine(a) === 'mine',
    ) as unknown as Application[];
  }
  const found: Application[] = [];
  for (const name of [...names].sort()) {
    if (!name || name.includes('/')) continue;
    const object = await deps.resources.get(applicationKey(namespace, name));
    if (object) found.push(object as unknown as Application);
  }
  return found;
}

/** Argo CD's cluster Secrets, as the generators and the destination check see them. */
async function registeredClusters(secrets: Secrets): Promise<RegisteredCluster[]> {
  const found = await secrets.listByLabel({ [CLUSTER_SECRET_LABEL]: 'cluster' });
  const clusters: RegisteredCluster[] = [];
  for (const s of found) {
    const server = s.data['server'];
    // Argo skips a cluster Secret it cannot read as a cluster; so do we.
    if (!server) continue;
    clusters.push({
      name: s.data['name'] || server,
      server,
      labels: { ...s.labels },
      ...(s.data['project'] ? { project: s.data['project'] } : {}),
    });
  }
  return clusters.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
