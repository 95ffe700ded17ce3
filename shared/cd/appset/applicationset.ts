/**
 * The ApplicationSet as a pure reducer: Argo's ApplicationSet controller re-cut as events.
 *
 * A reconcile starts on apply, on the requeue timer (the git generator's `requeueAfterSeconds`,
 * 3 minutes by default; 3 minutes after an error) and on a hint from an owned Application. The
 * `cd.appset.generate` effect does the reading: it runs the generators (git through the
 * GitSource port, clusters from the cluster Secrets), renders the Applications, and reads the
 * live Applications, the registered clusters and the projects they name. The decision is made
 * here on those facts: Argo's validation (names, project, destination), the create / update /
 * delete plan per applicationsSync, sent as Apply / Patch / Delete messages to
 * `in-cluster/Application/<ns>/<name>`, and the status (conditions and resources) as Argo sets
 * them.
 *
 * Ownership is recorded twice on every Application: Argo's controller ownerReference (for
 * tools that read it) and an annotation naming this ApplicationSet's resource key, which is what
 * we select by. Nothing garbage-collects by ownerReference here, so deleting the ApplicationSet
 * deletes its Applications through messages (or orphans them when the policy forbids deletion).
 */
import { CoreEffects } from '../../core/effects.js';
import type { KubeObject } from '../../core/objects.js';
import type { EffectRequest, Json, JsonObject, ResourceKey } from '../../core/types.js';
import { formatKey, HOME_CLUSTER, parseKey } from '../../core/types.js';
import { allowsDelete, effectiveSyncPolicy, planAppSetChanges } from './reconcile.js';
import type { AppSetPlan } from './reconcile.js';
import { validateApplications } from './render.js';
import {
  IN_CLUSTER_NAME,
  IN_CLUSTER_SERVER,
  RESOURCES_FINALIZER,
  type Application,
  type ApplicationSet,
  type ApplicationSetGenerator,
  type RegisteredCluster,
} from './types.js';

export const AppSetEffects = {
  /** input: GenerateInput -> GenerateResult. */
  Generate: 'cd.appset.generate',
} as const;

/** The annotation naming the owning ApplicationSet's resource key on each generated Application. */
export const APPSET_OWNER_ANNOTATION = 'cd.argo-serverless.dev/applicationset';

/**
 * Event an Application may send to the key in its owner annotation when its sync or health
 * status changes or it is deleted: Argo's controller watches the Applications it owns and
 * reconciles on their changes.
 */
export const APPLICATION_CHANGED = 'ApplicationChanged';

/** Argo's generators.DefaultRequeueAfter (ARGOCD_APPLICATIONSET_CONTROLLER_REQUEUE_AFTER). */
export const DEFAULT_REQUEUE_MS = 3 * 60_000;
/** Argo's ReconcileRequeueOnValidationError: after a generation or validation error. */
export const ERROR_REQUEUE_MS = 3 * 60_000;
/** After the generate effect itself failed (the control plane could not be read). */
const RETRY_MS = 10_000;

export const CONDITION_TYPES = {
  ErrorOccurred: 'ErrorOccurred',
  ParametersGenerated: 'ParametersGenerated',
  ResourcesUpToDate: 'ResourcesUpToDate',
  RolloutProgressing: 'RolloutProgressing',
  InvalidRolloutConfig: 'InvalidRolloutConfig',
} as const;

export const REASONS = {
  ErrorOccurred: 'ErrorOccurred',
  ApplicationSetUpToDate: 'ApplicationSetUpToDate',
  ParametersGenerated: 'ParametersGenerated',
  UpdateApplicationError: 'UpdateApplicationError',
  ApplicationParamsGenerationError: 'ApplicationGenerationFromParamsError',
  RenderTemplateParamsError: 'RenderTemplateParamsError',
  ApplicationValidationError: 'ApplicationValidationError',
} as const;

export interface AppSetCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

/** One entry of status.resources (Argo's ResourceStatus for an owned Application). */
export interface AppSetResourceStatus {
  group: string;
  version: string;
  kind: string;
  name: string;
  namespace: string;
  status?: string;
  health?: { status: string };
}

export interface AppSetStatus {
  conditions?: AppSetCondition[];
  resources?: AppSetResourceStatus[];
  resourcesCount?: number;
  health?: { status: string; message: string };
}

export interface GenerateInput {
  tag: string;
  /** The ApplicationSet's resource key (the owner annotation's value). */
  key: ResourceKey;
  appSet: ApplicationSet;
  /** Names of the Applications this ApplicationSet knows it owns (read even without a lister). */
  known: string[];
}

export interface GenerateResult {
  tag: string;
  /** Every rendered Application, valid or not, in generator order; empty after an error. */
  generated: Application[];
  /** Why generating failed, with Argo's reason (ApplicationGenerationFromParamsError...). */
  error?: { reason: string; message: string };
  /** The live Applications owned by this ApplicationSet, and any whose name it generated. */
  live: Application[];
  /** The registered clusters (cluster Secrets; the home cluster is implied). */
  clusters: RegisteredCluster[];
  /** Which of the projects the generated Applications name exist. */
  projects: string[];
}

export interface AppSetState {
  key: ResourceKey;
  namespace: string;
  name: string;
  appSet: ApplicationSet;
  /** The generate effect in flight (its tag), and whether another reconcile is wanted after it. */
  generating?: string;
  again?: boolean;
  seq: number;
  timer: { generation: number; armed?: number };
  /** Names of the Applications it owns, as of its last decision. */
  owned: string[];
  status: AppSetStatus;
  deleted?: boolean;
}

export type AppSetEvent =
  | { type: 'xstate.init'; at: number }
  | { type: 'ObjectApplied'; at: number; object: KubeObject }
  | { type: 'ObjectDeleting' | 'ObjectDeleted'; at: number; object: KubeObject | null }
  | { type: 'EffectSucceeded'; at: number; result: Json }
  | { type: 'EffectFailed'; at: number; reason: string; tag?: Json }
  | { type: 'TimerFired'; at: number; timerId: string; generation: number }
  | { type: typeof APPLICATION_CHANGED; at: number; name?: string }
  | { type: string; at: number; [k: string]: unknown };

export function initialAppSetState(key: ResourceKey, object: KubeObject): AppSetState {
  const ref = parseKey(key);
  return {
    key,
    namespace: ref.namespace,
    name: ref.name,
    appSet: asAppSet(object),
    seq: 0,
    timer: { generation: 0 },
    owned: [],
    status: {},
  };
}

function asAppSet(object: KubeObject): ApplicationSet {
  const { status: _ignored, ...rest } = object;
  return structuredClone(rest) as unknown as ApplicationSet;
}

export function reduceAppSet(state: AppSetState, event: AppSetEvent, effects: EffectRequest[]) {
  if (state.deleted) return;
  switch (event.type) {
    case 'xstate.init':
      break;
    case 'ObjectApplied':
      state.appSet = asAppSet((event as { object: KubeObject }).object);
      break;
    case 'ObjectDeleting':
    case 'ObjectDeleted': {
      const object = (event as { object: KubeObject | null }).object;
      if (object) state.appSet = asAppSet(object);
      deleteOwned(state, event.type === 'ObjectDeleting', effects);
      return;
    }
    case 'TimerFired': {
      const e = event as { timerId: string; generation: number };
      if (e.timerId !== 'requeue' || state.timer.armed !== e.generation) return;
      delete state.timer.armed;
      break;
    }
    case APPLICATION_CHANGED:
      break;
    case 'EffectSucceeded': {
      const result = (event as { result: Json }).result as unknown as GenerateResult | null;
      if (!result || typeof result.tag !== 'string' || result.tag !== state.generating) return;
      delete state.generating;
      decide(state, result, event.at, effects);
      if (!state.again) return;
      state.again = false;
      break;
    }
    case 'EffectFailed': {
      const e = event as { reason: string; tag?: Json };
      if (typeof e.tag !== 'string' || e.tag !== state.generating) return;
      delete state.generating;
      // Argo returns the error to controller-runtime, which retries with backoff; no condition.
      if (state.again) {
        state.again = false;
        break;
      }
      armRequeue(state, event.at + RETRY_MS, effects);
      return;
    }
    default:
      return;
  }
  generate(state, effects);
}

function generate(state: AppSetState, effects: EffectRequest[]): void {
  if (state.generating) {
    state.again = true;
    return;
  }
  const tag = `generate#${++state.seq}`;
  state.generating = tag;
  const input: GenerateInput = {
    tag,
    key: state.key,
    appSet: state.appSet,
    known: [...state.owned],
  };
  effects.push({ kind: AppSetEffects.Generate, input: input as unknown as Json });
}

function armRequeue(state: AppSetState, fireAt: number, effects: EffectRequest[]): void {
  const generation = ++state.timer.generation;
  state.timer.armed = generation;
  effects.push({ kind: CoreEffects.SetTimer, input: { timerId: 'requeue', generation, fireAt } });
}

// ---------------------------------------------------------------------------------------------
// One reconcile's decision

function decide(state: AppSetState, result: GenerateResult, at: number, effects: EffectRequest[]) {
  const appSet = state.appSet;
  if (result.error) {
    setConditions(
      state,
      [condition('ErrorOccurred', 'True', result.error.reason, result.error.message)],
      false,
      at,
    );
    armRequeue(state, at + ERROR_REQUEUE_MS, effects);
    return;
  }
  const invalid = validateGenerated(appSet, result.generated, result);
  const ownerOf = ownerOfFor(state.key, state.name);
  const valid = result.generated.filter((a) => !invalid.has(a.metadata.name ?? ''));
  const mine = result.live.filter((a) => ownerOf(a) === 'mine');
  // An Application of a generated name that nobody owns is adopted, as SetControllerReference
  // does; one another ApplicationSet controls is left alone and reported.
  const generatedNames = new Set(result.generated.map((a) => a.metadata.name));
  const adoptable = result.live.filter(
    (a) => ownerOf(a) === 'none' && generatedNames.has(a.metadata.name),
  );
  const foreign = new Map<string, string>();
  for (const a of result.live) {
    const owner = ownerOf(a);
    if (typeof owner === 'object' && generatedNames.has(a.metadata.name))
      foreign.set(
        a.metadata.name,
        `error while wrapping using MutateFn: Object ${state.namespace}/${a.metadata.name} is already owned by another ApplicationSet controller ${owner.name}`,
      );
  }
  const desired = valid
    .filter((a) => !foreign.has(a.metadata.name))
    .map((a) => withOwnerAnnotation(a, state.key));
  const policy = effectiveSyncPolicy(appSet);
  const plan = planAppSetChanges(
    desired,
    [...mine, ...adoptable],
    {
      applicationsSync: policy,
      preserveResourcesOnDeletion: appSet.spec.syncPolicy?.preserveResourcesOnDeletion === true,
      ...(appSet.spec.preservedFields ? { preservedFields: appSet.spec.preservedFields } : {}),
      clusters: result.clusters,
    },
    generatedNames,
  );
  // Argo stops before deleting when a create or update failed.
  if (foreign.size > 0) plan.delete = [];
  send(state, plan, effects);

  const live = new Map(result.live.map((a) => [a.metadata.name, a]));
  const deleted = new Set(plan.delete.map((d) => d.application.metadata.name));
  const owned = new Set<string>();
  for (const a of [...mine, ...plan.create, ...plan.update]) owned.add(a.metadata.name);
  for (const name of deleted) owned.delete(name);
  state.owned = [...owned].sort();
  setResources(state, live);

  let requeue = requeueAfterMs(appSet);
  if (foreign.size > 0) {
    const first = [...foreign.keys()].sort()[0]!;
    setConditions(
      state,
      [condition('ErrorOccurred', 'True', REASONS.UpdateApplicationError, foreign.get(first)!)],
      true,
      at,
    );
    requeue = ERROR_REQUEUE_MS;
  } else if (invalid.size > 0) {
    setConditions(
      state,
      [
        condition(
          'ErrorOccurred',
          'True',
          REASONS.ApplicationValidationError,
          validationMessage(invalid),
        ),
      ],
      true,
      at,
    );
    if (requeue === 0) requeue = ERROR_REQUEUE_MS;
  } else {
    setConditions(
      state,
      [
        condition(
          'ResourcesUpToDate',
          'True',
          REASONS.ApplicationSetUpToDate,
          'All applications have been generated successfully',
        ),
      ],
      true,
      at,
    );
  }
  if (requeue > 0) armRequeue(state, at + requeue, effects);
}

export type Owner = 'mine' | 'none' | { name: string };

/**
 * Who controls an Application, seen from the ApplicationSet `key`: our owner annotation first,
 * then Argo's controller ownerReference (an Application written by Argo itself, or by hand).
 */
export function ownerOfFor(key: ResourceKey, appSetName: string) {
  return (app: KubeObject): Owner => {
    const annotation = app.metadata.annotations?.[APPSET_OWNER_ANNOTATION];
    if (annotation !== undefined) {
      if (annotation === key) return 'mine';
      return { name: nameOfKey(annotation) };
    }
    const refs = (app.metadata['ownerReferences'] ?? []) as unknown as {
      kind?: string;
      name?: string;
      controller?: boolean;
    }[];
    const controller = refs.find((r) => r.controller === true);
    if (!controller) return 'none';
    if (controller.kind === 'ApplicationSet' && controller.name === appSetName) return 'mine';
    return { name: controller.name ?? '' };
  };
}

function nameOfKey(key: string): string {
  try {
    return parseKey(key).name;
  } catch {
    return key;
  }
}

function withOwnerAnnotation(app: Application, key: ResourceKey): Application {
  return {
    ...app,
    metadata: {
      ...app.metadata,
      annotations: { ...(app.metadata.annotations ?? {}), [APPSET_OWNER_ANNOTATION]: key },
    },
  };
}

export function applicationKey(namespace: string, name: string): ResourceKey {
  return formatKey({ cluster: HOME_CLUSTER, kind: 'Application', namespace, name });
}

/** The object to Apply: what the user side owns (no status, no resourceVersion precondition). */
function forApply(app: Application): KubeObject {
  const { status: _status, ...rest } = app;
  const { resourceVersion: _rv, ...metadata } = app.metadata;
  return { ...rest, metadata } as KubeObject;
}

function send(state: AppSetState, plan: AppSetPlan, effects: EffectRequest[]): void {
  const message = (name: string, event: JsonObject) =>
    effects.push({
      kind: CoreEffects.SendMessage,
      input: { key: applicationKey(state.namespace, name), event },
    });
  for (const app of plan.create)
    message(app.metadata.name, { type: 'Apply', object: forApply(app) as unknown as Json });
  for (const app of plan.update) {
    // An Application being deleted is left to finish; once gone it is created again.
    if (app.metadata.deletionTimestamp) continue;
    message(app.metadata.name, { type: 'Apply', object: forApply(app) as unknown as Json });
  }
  for (const d of plan.delete) {
    const name = d.application.metadata.name;
    if (d.removeFinalizers.length > 0) {
      // Either order of these two messages ends in the Application's deletion without cascade.
      const kept = d.application.metadata.finalizers ?? [];
      message(name, {
        type: 'Patch',
        patchType: 'merge',
        patch: { metadata: { finalizers: kept.length > 0 ? kept : null } },
      });
    }
    message(name, { type: 'Delete' });
  }
}

/**
 * The ApplicationSet is going: its Applications go with it when the policy allows deletion
 * (Kubernetes' garbage collector does this in Argo); otherwise they stay, their owner references
 * and owner annotation removed, as Argo's removeOwnerReferencesOnDeleteAppSet does.
 */
function deleteOwned(state: AppSetState, deleting: boolean, effects: EffectRequest[]): void {
  state.deleted = true;
  delete state.generating;
  delete state.timer.armed;
  const remove = allowsDelete(effectiveSyncPolicy(state.appSet));
  for (const name of state.owned) {
    const event: JsonObject = remove
      ? { type: 'Delete' }
      : {
          type: 'Patch',
          patchType: 'merge',
          patch: {
            metadata: { ownerReferences: null, annotations: { [APPSET_OWNER_ANNOTATION]: null } },
          },
        };
    effects.push({
      kind: CoreEffects.SendMessage,
      input: { key: applicationKey(state.namespace, name), event },
    });
  }
  const finalizers = state.appSet.metadata.finalizers ?? [];
  if (deleting && finalizers.includes(RESOURCES_FINALIZER)) {
    const kept = finalizers.filter((f) => f !== RESOURCES_FINALIZER);
    effects.push({
      kind: CoreEffects.SendMessage,
      input: {
        key: state.key,
        event: {
          type: 'Patch',
          patchType: 'merge',
          patch: { metadata: { finalizers: kept.length > 0 ? kept : null } },
        },
      },
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Validation (Argo's validateGeneratedApplications)

/**
 * Invalid generated Applications by name, with Argo's messages: no name, duplicate name (both
 * from validateApplications), a project that does not exist, a destination naming no cluster.
 */
export function validateGenerated(
  appSet: ApplicationSet,
  generated: readonly Application[],
  facts: { projects: readonly string[]; clusters: readonly RegisteredCluster[] },
): Map<string, string> {
  const errors = new Map<string, string>();
  const named = validateApplications(appSet, generated);
  for (const i of named.invalid) errors.set(i.name, i.message);
  const projects = new Set(facts.projects);
  for (const app of named.valid) {
    const project = typeof app.spec['project'] === 'string' ? app.spec['project'] : '';
    if (!projects.has(project)) {
      errors.set(
        app.metadata.name,
        `application references project ${project} which does not exist`,
      );
      continue;
    }
    const problem = destinationProblem(app.spec['destination'], facts.clusters);
    if (problem)
      errors.set(app.metadata.name, `application destination spec is invalid: ${problem}`);
  }
  return errors;
}

/** Argo's GetDestinationCluster, as the error it returns (undefined when the cluster exists). */
export function destinationProblem(
  destination: Json | undefined,
  clusters: readonly RegisteredCluster[],
): string | undefined {
  const dest = (
    destination && typeof destination === 'object' && !Array.isArray(destination) ? destination : {}
  ) as JsonObject;
  const server = typeof dest['server'] === 'string' ? dest['server'] : '';
  const name = typeof dest['name'] === 'string' ? dest['name'] : '';
  if (name !== '' && server !== '')
    return `application destination can't have both name and server defined: ${name} ${server}`;
  const trim = (s: string) => s.replace(/\/+$/, '');
  if (server !== '') {
    const url = trim(server);
    if (url === IN_CLUSTER_SERVER || clusters.some((c) => trim(c.server) === url)) return undefined;
    return `error getting cluster by server "${server}": rpc error: code = NotFound desc = cluster "${url}" not found`;
  }
  if (name !== '') {
    let urls = clusters.filter((c) => c.name === name).map((c) => c.server);
    if (urls.length === 0 && name === IN_CLUSTER_NAME) urls = [IN_CLUSTER_SERVER];
    if (urls.length === 0) return `there are no clusters with this name: ${name}`;
    if (urls.length > 1)
      return `there are ${urls.length} clusters with the same name: [${urls.join(' ')}]`;
    return undefined;
  }
  return 'Destination server missing from app spec';
}

/** Argo keeps the message of the last name in order, and says how many more there are. */
function validationMessage(errors: Map<string, string>): string {
  const names = [...errors.keys()].sort();
  const last = errors.get(names.at(-1)!)!;
  return names.length > 1 ? `${last} (and ${names.length - 1} more)` : last;
}

// ---------------------------------------------------------------------------------------------
// Requeue (Argo's getMinRequeueAfter)

/** The smallest non-zero requeue of the generators; 0 when none asks (list, clusters). */
export function requeueAfterMs(appSet: ApplicationSet): number {
  return minNonZero((appSet.spec.generators ?? []).map(generatorRequeueMs));
}

function generatorRequeueMs(gen: ApplicationSetGenerator): number {
  const own: number[] = [];
  if (gen.git) {
    const seconds = gen.git.requeueAfterSeconds;
    own.push(typeof seconds === 'number' ? seconds * 1000 : DEFAULT_REQUEUE_MS);
  }
  if (gen.matrix) own.push(minNonZero((gen.matrix.generators ?? []).map(generatorRequeueMs)));
  if (gen.merge) own.push(minNonZero((gen.merge.generators ?? []).map(generatorRequeueMs)));
  return minNonZero(own);
}

function minNonZero(values: number[]): number {
  const set = values.filter((v) => v > 0);
  return set.length > 0 ? Math.min(...set) : 0;
}

// ---------------------------------------------------------------------------------------------
// Status

function condition(
  type: keyof typeof CONDITION_TYPES,
  status: AppSetCondition['status'],
  reason: string,
  message: string,
): AppSetCondition {
  return { type: CONDITION_TYPES[type], status, reason, message };
}

/**
 * Argo's setApplicationSetStatusCondition + SetConditions: ParametersGenerated is always
 * evaluated; ResourcesUpToDate=True implies ErrorOccurred=False and ErrorOccurred=True implies
 * ResourcesUpToDate=False; unevaluated conditions are kept; an unchanged condition keeps its
 * lastTransitionTime; the rollout conditions are dropped (progressive sync is not supported).
 */
export function nextConditions(
  previous: readonly AppSetCondition[],
  given: readonly AppSetCondition[],
  parametersGenerated: boolean,
  at: number,
): AppSetCondition[] {
  const evaluated = new Set<string>([
    CONDITION_TYPES.ParametersGenerated,
    CONDITION_TYPES.RolloutProgressing,
    CONDITION_TYPES.InvalidRolloutConfig,
  ]);
  const incoming: AppSetCondition[] = [];
  if (!given.some((c) => c.type === CONDITION_TYPES.ParametersGenerated)) {
    const error = given.find((c) => c.type === CONDITION_TYPES.ErrorOccurred);
    incoming.push(
      parametersGenerated
        ? condition(
            'ParametersGenerated',
            'True',
            REASONS.ParametersGenerated,
            'Successfully generated parameters for all Applications',
          )
        : condition(
            'ParametersGenerated',
            'False',
            REASONS.ErrorOccurred,
            error?.message ?? 'progressive sync',
          ),
    );
  }
  for (const c of given) {
    evaluated.add(c.type);
    incoming.push(c);
    if (c.type === CONDITION_TYPES.ResourcesUpToDate && c.status === 'True') {
      evaluated.add(CONDITION_TYPES.ErrorOccurred);
      incoming.push(condition('ErrorOccurred', 'False', c.reason, c.message));
    } else if (c.type === CONDITION_TYPES.ErrorOccurred && c.status === 'True') {
      evaluated.add(CONDITION_TYPES.ResourcesUpToDate);
      incoming.push(condition('ResourcesUpToDate', 'False', REASONS.ErrorOccurred, c.message));
    }
  }
  const now = new Date(at).toISOString();
  const out: AppSetCondition[] = previous
    .filter((c) => !evaluated.has(c.type))
    .map((c) => ({ ...c, lastTransitionTime: c.lastTransitionTime ?? now }));
  for (const c of incoming) {
    if (!evaluated.has(c.type)) continue;
    const old = previous.find((p) => p.type === c.type);
    if (old && old.message === c.message && old.reason === c.reason && old.status === c.status)
      out.push(old);
    else out.push({ ...c, lastTransitionTime: now });
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return out.sort(
    (a, b) =>
      cmp(a.type, b.type) ||
      cmp(a.status, b.status) ||
      cmp(a.reason, b.reason) ||
      cmp(a.message, b.message) ||
      cmp(a.lastTransitionTime ?? '', b.lastTransitionTime ?? ''),
  );
}

/** Argo's CalculateHealth over the conditions. */
export function appSetHealth(conditions: readonly AppSetCondition[]): {
  status: string;
  message: string;
} {
  if (conditions.length === 0)
    return { status: 'Unknown', message: 'No status conditions found for ApplicationSet' };
  let progressing: AppSetCondition | undefined;
  let healthy: AppSetCondition | undefined;
  for (const c of conditions) {
    if (c.status !== 'True') continue;
    if (c.type === CONDITION_TYPES.ErrorOccurred) return { status: 'Degraded', message: c.message };
    if (c.type === CONDITION_TYPES.RolloutProgressing) progressing = c;
    if (c.type === CONDITION_TYPES.ResourcesUpToDate) healthy = c;
  }
  if (progressing) return { status: 'Progressing', message: progressing.message };
  if (healthy) return { status: 'Healthy', message: healthy.message };
  return { status: 'Unknown', message: 'Waiting for health status to be determined' };
}

function setConditions(
  state: AppSetState,
  given: AppSetCondition[],
  parametersGenerated: boolean,
  at: number,
): void {
  const conditions = nextConditions(state.status.conditions ?? [], given, parametersGenerated, at);
  state.status = { ...state.status, conditions, health: appSetHealth(conditions) };
}

/** status.resources: the owned Applications by name, with their sync and health status. */
function setResources(state: AppSetState, live: Map<string, Application>): void {
  const resources = state.owned.map((name) => {
    const status = (live.get(name)?.status ?? {}) as {
      sync?: { status?: string };
      health?: { status?: string };
    };
    const entry: AppSetResourceStatus = {
      group: 'argoproj.io',
      version: 'v1alpha1',
      kind: 'Application',
      name,
      namespace: state.namespace,
    };
    if (status.sync?.status) entry.status = status.sync.status;
    if (status.health?.status) entry.health = { status: status.health.status };
    return entry;
  });
  state.status = { ...state.status, resources, resourcesCount: resources.length };
}

export function appSetStatus(state: AppSetState): Json {
  return state.status as unknown as Json;
}
