/**
 * The cluster generator: one parameter set per registered cluster matching `selector`, plus the
 * home cluster (in-cluster) when the selector is empty and no registered cluster points at it.
 */
import type { Json } from '../../../core/types.js';
import { isEmptySelector, labelsMatch } from '../selector.js';
import { appendTemplatedValues, sanitizeName, type TemplateMode } from '../templating.js';
import {
  IN_CLUSTER_NAME,
  IN_CLUSTER_SERVER,
  type ClusterGenerator,
  type Params,
  type RegisteredCluster,
} from '../types.js';

/** Argo finds cluster Secrets by this label; the generator's selector is ANDed with it. */
export const CLUSTER_SECRET_LABEL = 'argocd.argoproj.io/secret-type';

export function clusterParams(
  gen: ClusterGenerator,
  clusters: readonly RegisteredCluster[],
  mode: TemplateMode,
  at: string,
): Params[] {
  const selector = gen.selector ?? {};
  // Argo keys the Secrets by cluster name (a later duplicate wins); we also order them by name,
  // where Argo's map order is random.
  const byName = new Map<string, RegisteredCluster>();
  for (const c of clusters) {
    const labels = { [CLUSTER_SECRET_LABEL]: 'cluster', ...c.labels };
    if (labelsMatch(selector, labels, `${at}.selector`)) byName.set(c.name, { ...c, labels });
  }
  const matched = [...byName.values()].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  const res: Params[] = matched.map((c) =>
    appendTemplatedValues(gen.values, clusterParamsOf(c, mode), mode),
  );
  // The home cluster has no Secret and so no labels: any selector term leaves it out.
  if (isEmptySelector(selector) && !matched.some((c) => c.server === IN_CLUSTER_SERVER)) {
    const local: Params = {
      name: IN_CLUSTER_NAME,
      nameNormalized: IN_CLUSTER_NAME,
      server: IN_CLUSTER_SERVER,
      project: '',
    };
    res.push(appendTemplatedValues(gen.values, local, mode));
  }
  return gen.flatList ? [{ clusters: res }] : res;
}

function clusterParamsOf(c: RegisteredCluster, mode: TemplateMode): Params {
  const params: Params = {
    name: c.name,
    nameNormalized: sanitizeName(c.name),
    server: c.server,
    project: c.project ?? '',
  };
  const labels = c.labels ?? {};
  const annotations = c.annotations ?? {};
  if (mode.goTemplate) {
    const metadata: { [k: string]: Json } = {};
    if (Object.keys(annotations).length > 0) metadata['annotations'] = { ...annotations };
    if (Object.keys(labels).length > 0) metadata['labels'] = { ...labels };
    params['metadata'] = metadata;
  } else {
    for (const [k, v] of Object.entries(annotations)) params[`metadata.annotations.${k}`] = v;
    for (const [k, v] of Object.entries(labels)) params[`metadata.labels.${k}`] = v;
  }
  return params;
}
