/**
 * The Application's effects: render (Argo CD's repo-server: resolve each source's revision to a
 * commit, check it out, render it), observe (the live objects the Application tracks, the
 * destination namespace and the AppProject, and compareApp's verdict on them) and apply (the sync
 * operation's writes, in order; argoproj.io kinds go to the control plane, never to a cluster).
 *
 * Apply reports each op's outcome in its result: a refused object is the task's SyncFailed, not a
 * failed effect. Only trouble worth another try (throttling, a 5xx, a network error) is thrown.
 */
import type { EffectHandler } from '../core/effects.js';
import { TransientError } from '../core/effects.js';
import type { Kubernetes } from '../core/kubernetes.js';
import { KubernetesError } from '../core/kubernetes.js';
import type { KubeObject } from '../core/objects.js';
import type { Json, JsonObject } from '../core/types.js';
import { CLUSTER_SCOPED_NAMESPACE, formatKey } from '../core/types.js';
import { resolveKind } from '../resources/catalog.js';
import type { ControlPlaneAccess } from '../workflows/effect-handlers.js';
import { compareApp } from './diff/diff.js';
import type { IgnoreDifferencesRule, JqRunner } from './diff/ignore-differences.js';
import { LAST_APPLIED_ANNOTATION } from './diff/normalize.js';
import type { Checkout, GitSource, Renderer } from './ports.js';
import { GitError } from './ports.js';
import type { AppProject } from './project.js';
import type {
  ApplyInput,
  ApplyOp,
  ApplyOutput,
  ObserveInput,
  ObserveOutput,
  RenderInput,
  RenderOutput,
} from './application.js';
import { ApplicationEffects, ARGOCD_FIELD_MANAGER } from './application.js';
import { groupOfApiVersion, isTrackedBy } from './tracking.js';
import { HOOK_FINALIZER } from './sync/hooks.js';

export interface ApplicationEffectDeps {
  clusters: { forCluster(name: string): Promise<Kubernetes> };
  /** Where sources come from; without it every refresh reports "no git source configured". */
  git?: GitSource;
  /** Directory, Kustomize and Helm rendering; without it "no renderer configured". */
  renderer?: Renderer;
  /** argoproj.io objects (Rollouts, child Applications, Workflows) and AppProjects live here. */
  controlPlane?: ControlPlaneAccess;
  /** The jq engine for ignoreDifferences.jqPathExpressions (jq-wasm by default). */
  jq?: JqRunner;
  /** How long a delete that waits for the object to go may wait (default 30 s). */
  deletionTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export function applicationEffectHandlers(deps: ApplicationEffectDeps): EffectHandler[] {
  return [
    {
      kind: ApplicationEffects.Render,
      run: async (effect) =>
        (await render(deps, effect.input as unknown as RenderInput)) as unknown as Json,
    },
    {
      kind: ApplicationEffects.Observe,
      run: async (effect) =>
        (await observe(deps, effect.input as unknown as ObserveInput)) as unknown as Json,
    },
    {
      kind: ApplicationEffects.Apply,
      run: async (effect) =>
        (await apply(deps, effect.input as unknown as ApplyInput, effect.id)) as unknown as Json,
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Render

const str = (v: Json | undefined): string => (typeof v === 'string' ? v : '');

function gitFailure(err: unknown): Error {
  if (err instanceof GitError && err.transient)
    return new TransientError(err.message, { cause: err });
  return err instanceof Error ? err : new Error(String(err));
}

export async function render(
  deps: ApplicationEffectDeps,
  input: RenderInput,
): Promise<RenderOutput> {
  const { git, renderer } = deps;
  if (!git)
    throw new Error(
      'no git source configured: this control plane cannot fetch sources (start it with a GitSource)',
    );
  if (!renderer)
    throw new Error(
      'no renderer configured: this control plane cannot render sources (start it with a Renderer)',
    );
  const revisions: string[] = [];
  for (const [i, source] of input.sources.entries()) {
    const wanted = input.revisions?.[i] ?? (str(source['targetRevision']) || 'HEAD');
    // A Helm repository chart's revision is its version: there is no commit to resolve.
    if (str(source['chart'])) {
      revisions.push(wanted);
      continue;
    }
    const repoURL = str(source['repoURL']);
    if (!repoURL) throw new Error(`spec.sources[${i}].repoURL is empty: name the repository`);
    try {
      revisions.push(await git.resolve(repoURL, wanted));
    } catch (err) {
      throw gitFailure(err);
    }
  }
  const base = { tag: input.tag, revisions, sourcesHash: input.sourcesHash };
  const known = input.known;
  if (
    known &&
    known.sourcesHash === input.sourcesHash &&
    known.revisions.length === revisions.length &&
    known.revisions.every((r, i) => r === revisions[i])
  )
    return { ...base, unchanged: true };

  const checkouts: (Checkout | undefined)[] = [];
  for (const [i, source] of input.sources.entries()) {
    if (str(source['chart'])) {
      checkouts.push(undefined);
      continue;
    }
    try {
      checkouts.push(await git.checkout(str(source['repoURL']), revisions[i]!));
    } catch (err) {
      throw gitFailure(err);
    }
  }
  const refs: Record<string, Checkout> = {};
  input.sources.forEach((source, i) => {
    const ref = str(source['ref']);
    if (ref && checkouts[i]) refs[ref] = checkouts[i];
  });
  const manifests: KubeObject[] = [];
  const sourceTypes: string[] = [];
  for (const [i, source] of input.sources.entries()) {
    // Argo: a source with only a `ref` provides value files to the others and renders nothing.
    if (str(source['ref']) && !str(source['path']) && !str(source['chart'])) continue;
    const checkout = checkouts[i];
    const result = await renderer.render({
      source,
      ...(checkout ? { checkout } : {}),
      refs,
      appName: input.appName,
      namespace: input.destinationNamespace,
    });
    manifests.push(...result.manifests);
    sourceTypes.push(result.sourceType);
  }
  return { ...base, manifests, sourceTypes };
}

// ---------------------------------------------------------------------------------------------
// Observe

/** managedFields are large and read only by the diff (which runs here, before this). */
function slim(obj: KubeObject): KubeObject {
  if (obj.metadata['managedFields'] === undefined) return obj;
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

function isNotFound(err: unknown): boolean {
  return err instanceof KubernetesError && err.code === 'NotFound';
}

async function discoverScope(
  kube: Kubernetes,
  apiVersion: string,
  kind: string,
): Promise<boolean | undefined> {
  try {
    return (await kube.discover(apiVersion, kind)).namespaced;
  } catch (err) {
    // A kind the cluster does not serve (its CRD not installed yet): nothing of it is live.
    if (
      isNotFound(err) ||
      (err instanceof Error && /not found|no resource|unknown/i.test(err.message))
    )
      return undefined;
    throw err;
  }
}

export async function observe(
  deps: ApplicationEffectDeps,
  input: ObserveInput,
): Promise<ObserveOutput> {
  const kube = await deps.clusters.forCluster(input.cluster);
  const live: KubeObject[] = [];
  const namespaced: Record<string, boolean> = {};
  for (const ref of input.kinds) {
    const scope = await discoverScope(kube, ref.apiVersion, ref.kind);
    if (scope === undefined) continue;
    namespaced[`${groupOfApiVersion(ref.apiVersion)}/${ref.kind}`] = scope;
    const items = await kube.list(ref.apiVersion, ref.kind, {});
    for (const obj of items) if (isTrackedBy(input.tracking, obj)) live.push(obj);
  }
  const cp = deps.controlPlane;
  for (const ref of input.controlPlane) {
    const info = resolveKind(ref.kind);
    const scoped = info ? info.namespaced : Boolean(ref.namespace);
    namespaced[`${groupOfApiVersion(ref.apiVersion)}/${ref.kind}`] = scoped;
    if (!cp) continue;
    const key = formatKey({
      cluster: input.cluster,
      kind: ref.kind,
      namespace: scoped
        ? ref.namespace || input.destinationNamespace || 'default'
        : CLUSTER_SCOPED_NAMESPACE,
      name: ref.name,
    });
    const obj = await cp.get(key);
    if (obj && isTrackedBy(input.tracking, obj)) live.push(obj);
  }
  const namespace = input.destinationNamespace
    ? ((await kube.get({
        apiVersion: 'v1',
        kind: 'Namespace',
        name: input.destinationNamespace,
      })) ?? null)
    : null;
  let project: AppProject | null = null;
  if (cp) {
    const key = formatKey({
      cluster: input.project.cluster,
      kind: 'AppProject',
      namespace: input.project.namespace,
      name: input.project.name,
    });
    project = ((await cp.get(key)) as unknown as AppProject | null) ?? null;
  }
  const output: ObserveOutput = {
    tag: input.tag,
    live: [],
    namespace: namespace ? slim(namespace) : null,
    project,
    namespaced,
  };
  if (input.compare) {
    const scope = (group: string, kind: string): boolean | undefined => {
      const known = namespaced[`${group}/${kind}`];
      if (known !== undefined) return known;
      const info = resolveKind(kind);
      return info && info.group === group ? info.namespaced : undefined;
    };
    const comparison = await compareApp(input.compare.desired, live, {
      destinationNamespace: input.destinationNamespace,
      namespaced: scope,
      ignoreDifferences: input.compare.ignoreDifferences as unknown as IgnoreDifferencesRule[],
      ...(deps.jq ? { jq: deps.jq } : {}),
    });
    output.comparison = {
      status: comparison.status,
      resources: comparison.resources,
      diffs: comparison.diffs.map((d) => (d.modified ? d.patch : [])),
    };
  }
  output.live = live.map(slim);
  return JSON.parse(JSON.stringify(output)) as ObserveOutput;
}

// ---------------------------------------------------------------------------------------------
// Apply

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** What kubectl apply records so the next diff can tell removed fields from server defaults. */
function withLastApplied(obj: KubeObject): KubeObject {
  const { status: _status, ...rest } = obj;
  const annotations = { ...(obj.metadata.annotations ?? {}) };
  delete annotations[LAST_APPLIED_ANNOTATION];
  const recorded = { ...rest, metadata: { ...obj.metadata, annotations } };
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      annotations: { ...annotations, [LAST_APPLIED_ANNOTATION]: JSON.stringify(recorded) },
    },
  };
}

function objectRef(obj: KubeObject) {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata.name,
    ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
  };
}

function verb(op: ApplyOp, existed: boolean): string {
  if (op.action === 'delete') return 'deleted';
  if (op.action === 'create' || !existed) return 'created';
  return 'configured';
}

async function applyToCluster(
  kube: Kubernetes,
  op: ApplyOp,
  deps: ApplicationEffectDeps,
): Promise<string> {
  const obj = op.object as KubeObject;
  const shown = (o: { kind: string; name: string }) => `${o.kind.toLowerCase()}/${o.name}`;
  switch (op.action) {
    case 'release': {
      const ref = op.ref as NonNullable<ApplyOp['ref']>;
      await releaseHook(kube, ref);
      return `${shown(ref)} released`;
    }
    case 'delete': {
      const ref = op.ref as NonNullable<ApplyOp['ref']>;
      // A hook keeps Argo's hook finalizer until its outcome is read: let it go first.
      await releaseHook(kube, ref);
      const existed = await kube.delete(ref, {
        propagationPolicy: op.propagationPolicy ?? 'Foreground',
      });
      if (op.waitForDeletion) await waitUntilGone(kube, ref, deps);
      return existed ? `${shown(ref)} deleted` : 'already deleted';
    }
    case 'create': {
      try {
        await kube.create(obj);
        return `${shown({ kind: obj.kind, name: obj.metadata.name })} created`;
      } catch (err) {
        if (err instanceof KubernetesError && err.code === 'AlreadyExists') {
          // A redelivered effect finds its own object: the create already happened.
          const existing = await kube.get(objectRef(obj));
          if (
            existing?.metadata.annotations?.['argocd.argoproj.io/tracking-id'] ===
            obj.metadata.annotations?.['argocd.argoproj.io/tracking-id']
          )
            return `${shown({ kind: obj.kind, name: obj.metadata.name })} created`;
        }
        throw err;
      }
    }
    case 'replace':
    case 'apply': {
      const existed = (await kube.get(objectRef(obj))) !== undefined;
      if (op.serverSideApply)
        await kube.apply(obj, { force: true, fieldManager: ARGOCD_FIELD_MANAGER });
      else
        await kube.apply(withLastApplied(obj), {
          force: true,
          fieldManager: 'kubectl-client-side-apply',
        });
      return `${shown({ kind: obj.kind, name: obj.metadata.name })} ${verb(op, existed)}${op.serverSideApply ? ' (server-side)' : ''}`;
    }
  }
}

async function releaseHook(kube: Kubernetes, ref: NonNullable<ApplyOp['ref']>): Promise<void> {
  const live = await kube.get(ref);
  const finalizers = live?.metadata.finalizers ?? [];
  if (!live || !finalizers.includes(HOOK_FINALIZER)) return;
  await kube.patch(
    ref,
    { metadata: { finalizers: finalizers.filter((f) => f !== HOOK_FINALIZER) } },
    'merge',
  );
}

async function waitUntilGone(
  kube: Kubernetes,
  ref: NonNullable<ApplyOp['ref']>,
  deps: ApplicationEffectDeps,
): Promise<void> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const limit = deps.deletionTimeoutMs ?? 30_000;
  for (let waited = 0; waited <= limit; waited += 200) {
    if ((await kube.get(ref)) === undefined) return;
    await sleep(200);
  }
  throw new TransientError(`${ref.kind} ${ref.namespace ?? ''}/${ref.name} is still being deleted`);
}

async function applyToControlPlane(
  cp: ControlPlaneAccess | undefined,
  cluster: string,
  op: ApplyOp,
  messageId: string,
): Promise<string> {
  if (!cp)
    throw new Error(
      'no control plane to submit argoproj.io objects to: they are never applied to a cluster',
    );
  const ref = (op.object ?? op.ref) as {
    kind: string;
    metadata?: { name: string; namespace?: string };
    name?: string;
    namespace?: string;
  };
  const name = ref.metadata?.name ?? ref.name ?? '';
  const namespace = ref.metadata?.namespace ?? ref.namespace ?? '';
  const info = resolveKind(ref.kind);
  const key = formatKey({
    cluster,
    kind: ref.kind,
    namespace: (info?.namespaced ?? true) ? namespace || 'default' : CLUSTER_SCOPED_NAMESPACE,
    name,
  });
  if (op.action === 'delete') {
    if (await cp.get(key)) await cp.submit(key, { type: 'Delete' }, messageId);
    return `${ref.kind.toLowerCase()}/${name} deleted`;
  }
  const existed = (await cp.get(key)) !== null;
  await cp.submit(key, { type: 'Apply', object: op.object as unknown as JsonObject }, messageId);
  return `${ref.kind.toLowerCase()}/${name} ${existed && op.action !== 'create' ? 'configured' : 'created'}`;
}

export async function apply(
  deps: ApplicationEffectDeps,
  input: ApplyInput,
  effectId: string,
): Promise<ApplyOutput> {
  const results: ApplyOutput['results'] = [];
  let kube: Kubernetes | undefined;
  for (const [i, op] of input.ops.entries()) {
    try {
      let message: string;
      if (op.controlPlane) {
        message = await applyToControlPlane(
          deps.controlPlane,
          input.cluster,
          op,
          `${effectId}/${i}`,
        );
      } else {
        kube ??= await deps.clusters.forCluster(input.cluster);
        message = await applyToCluster(kube, op, deps);
      }
      results.push({ id: op.id, ok: true, message });
    } catch (err) {
      if (err instanceof TransientError || (err as { retryable?: unknown }).retryable === true)
        throw err;
      // Deleting what is already gone is what was asked.
      if (op.action === 'delete' && isNotFound(err)) {
        results.push({ id: op.id, ok: true, message: 'already deleted' });
        continue;
      }
      results.push({ id: op.id, ok: false, message: messageOf(err) });
    }
  }
  return { tag: input.tag, results };
}
