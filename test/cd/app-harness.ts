/**
 * In-memory fakes of the Application's ports (a cluster, git, a renderer, the control plane) and
 * a driver that folds events through the reducer, runs its effects with the real effect handlers
 * against the fakes, and fires timers on a manual clock. Domain tests only: the effect handlers
 * are tested against the simulated cluster elsewhere.
 */
import type { Kubernetes, ObjectRef, PropagationPolicy } from '../../shared/core/kubernetes.js';
import { KubernetesError } from '../../shared/core/kubernetes.js';
import type { KubeObject } from '../../shared/core/objects.js';
import { applyObjectCommand, mergePatch, jsonPatch } from '../../shared/core/objects.js';
import type { EffectRequest, Json } from '../../shared/core/types.js';
import { resolveKind } from '../../shared/resources/catalog.js';
import type {
  ApplicationEvent,
  ApplicationSettings,
  ApplicationState,
} from '../../shared/cd/application.js';
import {
  DEFAULT_APPLICATION_SETTINGS,
  applicationStatus,
  initialApplicationState,
  reduceApplication,
} from '../../shared/cd/application.js';
import { applicationEffectHandlers } from '../../shared/cd/effect-handlers.js';
import type { ApplicationEffectDeps } from '../../shared/cd/effect-handlers.js';
import type { GitSource, Renderer } from '../../shared/cd/ports.js';
import type { ApplicationStatus } from '../../shared/cd/types.js';

/** Tests read fields they expect to be there; a missing one fails the assertion anyway. */
export type DeepRequired<T> = T extends (infer U)[]
  ? DeepRequired<U>[]
  : T extends object
    ? { [K in keyof T]-?: DeepRequired<T[K]> }
    : T;
import { GitError } from '../../shared/cd/ports.js';

const refKey = (r: { apiVersion: string; kind: string; namespace?: string; name: string }) =>
  `${r.apiVersion.includes('/') ? r.apiVersion.split('/')[0] : ''}/${r.kind}/${r.namespace ?? ''}/${r.name}`;

/** A cluster as a map: apply merges and keeps status, Deployments report themselves available. */
export class FakeKube implements Kubernetes {
  readonly objects = new Map<string, KubeObject>();
  readonly calls: string[] = [];
  private uid = 0;
  /** Make the next write of this kind fail with this message. */
  failApply: Record<string, string> = {};

  private settle(obj: KubeObject): KubeObject {
    if (obj.kind === 'Deployment') {
      const replicas = ((obj.spec ?? {}) as { replicas?: number }).replicas ?? 1;
      obj.status = {
        observedGeneration: obj.metadata.generation ?? 1,
        replicas,
        updatedReplicas: replicas,
        readyReplicas: replicas,
        availableReplicas: replicas,
      };
    }
    return obj;
  }

  async apply(object: KubeObject): Promise<KubeObject> {
    const key = refKey({ ...object, ...object.metadata });
    this.calls.push(`apply ${key}`);
    const failure = this.failApply[object.kind];
    if (failure) throw new KubernetesError('Invalid', 422, failure);
    const current = this.objects.get(key);
    const next = structuredClone(object);
    delete next.status;
    next.metadata = {
      ...next.metadata,
      uid: current?.metadata.uid ?? `uid-${++this.uid}`,
      generation:
        (current?.metadata.generation ?? 0) +
        (current && JSON.stringify(current.spec) === JSON.stringify(next.spec) ? 0 : 1),
    };
    if (current?.status !== undefined) next.status = current.status;
    this.objects.set(key, this.settle(next));
    return next;
  }

  async create(object: KubeObject): Promise<KubeObject> {
    const key = refKey({ ...object, ...object.metadata });
    this.calls.push(`create ${key}`);
    if (this.objects.has(key))
      throw new KubernetesError('AlreadyExists', 409, `${key} already exists`);
    const next = structuredClone(object);
    next.metadata = { ...next.metadata, uid: `uid-${++this.uid}`, generation: 1 };
    this.objects.set(key, this.settle(next));
    return next;
  }

  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    const obj = this.objects.get(refKey(ref));
    return obj ? structuredClone(obj) : undefined;
  }

  async list(
    apiVersion: string,
    kind: string,
    options: { namespace?: string } = {},
  ): Promise<KubeObject[]> {
    return [...this.objects.values()]
      .filter(
        (o) =>
          o.apiVersion === apiVersion &&
          o.kind === kind &&
          (!options.namespace || o.metadata.namespace === options.namespace),
      )
      .map((o) => structuredClone(o));
  }

  async patch(ref: ObjectRef, patch: unknown): Promise<KubeObject> {
    const current = this.objects.get(refKey(ref));
    if (!current) throw new KubernetesError('NotFound', 404, `${refKey(ref)} not found`);
    const next = mergePatch(current as unknown as Json, patch as Json) as unknown as KubeObject;
    if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0)
      this.objects.delete(refKey(ref));
    else this.objects.set(refKey(ref), next);
    return next;
  }

  async delete(
    ref: ObjectRef,
    options: { propagationPolicy?: PropagationPolicy } = {},
  ): Promise<boolean> {
    this.calls.push(`delete ${refKey(ref)} ${options.propagationPolicy ?? ''}`.trim());
    const current = this.objects.get(refKey(ref));
    // As the API server: an object with finalizers is only marked until they are removed.
    if (current && (current.metadata.finalizers ?? []).length > 0) {
      current.metadata.deletionTimestamp = new Date(0).toISOString();
      return true;
    }
    return this.objects.delete(refKey(ref));
  }

  async podLogs(): Promise<string> {
    throw new Error('not in this fake');
  }

  async discover(apiVersion: string, kind: string) {
    const info = resolveKind(kind);
    if (!info) throw new KubernetesError('NotFound', 404, `no resource for ${apiVersion} ${kind}`);
    return { resource: info.plural, namespaced: info.namespaced };
  }

  async proxy(): Promise<never> {
    throw new Error('not in this fake');
  }

  /** What a controller or a user does to an object's status (a Job finishing). */
  setStatus(apiVersion: string, kind: string, namespace: string, name: string, status: Json): void {
    const key = refKey({ apiVersion, kind, namespace, name });
    const obj = this.objects.get(key);
    if (!obj) throw new Error(`${key} does not exist`);
    obj.status = status;
  }

  find(kind: string, name: string): KubeObject | undefined {
    return [...this.objects.values()].find((o) => o.kind === kind && o.metadata.name === name);
  }
}

/** A repository whose branches point at commits; each commit renders to fixed manifests. */
export class FakeGit implements GitSource, Renderer {
  branches: Record<string, string> = {};
  manifests: Record<string, KubeObject[]> = {};
  resolves = 0;
  renders = 0;

  commit(branch: string, sha: string, manifests: KubeObject[]): void {
    this.branches[branch] = sha;
    this.manifests[sha] = manifests;
  }

  async resolve(_repoURL: string, revision: string): Promise<string> {
    this.resolves++;
    const rev = revision === 'HEAD' ? 'main' : revision;
    const sha = this.branches[rev] ?? (this.manifests[rev] ? rev : undefined);
    if (!sha) throw new GitError(`revision ${revision} not found`);
    return sha;
  }

  async checkout(repoURL: string, commit: string) {
    return { repoURL, commit, dir: `/fake/${commit}` };
  }

  async render(request: Parameters<Renderer['render']>[0]) {
    this.renders++;
    const commit = request.checkout?.commit ?? '';
    return {
      manifests: structuredClone(this.manifests[commit] ?? []),
      sourceType: 'Directory' as const,
    };
  }
}

/** argoproj.io objects and AppProjects, as the control plane holds them. */
export class FakeControlPlane {
  readonly objects = new Map<string, KubeObject>();
  readonly submitted: { key: string; type: string }[] = [];

  async get(key: string): Promise<KubeObject | null> {
    return structuredClone(this.objects.get(key) ?? null);
  }

  async submit(key: string, event: { type: string; [k: string]: unknown }): Promise<void> {
    this.submitted.push({ key, type: event.type });
    if (event.type === 'Apply')
      this.objects.set(key, structuredClone(event['object'] as KubeObject));
    if (event.type === 'Delete') this.objects.delete(key);
  }
}

/** An event without its time: the driver stamps it with its clock. */
export type EventInput = ApplicationEvent extends infer E
  ? E extends ApplicationEvent
    ? Omit<E, 'at'>
    : never
  : never;

export interface DriverOptions {
  settings?: Partial<ApplicationSettings>;
  deps?: Partial<ApplicationEffectDeps>;
}

/**
 * Runs one Application: its object (as the control plane stores it), the reducer's state, the
 * effects it asks for and its timers, on a clock that moves only when told.
 */
export class AppDriver {
  now = 1_767_225_600_000; // 2026-01-01T00:00:00Z
  state: ApplicationState;
  object: KubeObject | null;
  readonly timers: { timerId: string; generation: number; fireAt: number }[] = [];
  readonly log: ApplicationEvent['type'][] = [];
  readonly effects: EffectRequest[] = [];
  readonly kube = new FakeKube();
  readonly git = new FakeGit();
  readonly cp = new FakeControlPlane();
  private readonly settings: ApplicationSettings;
  private readonly handlers;
  private readonly queue: EffectRequest[] = [];
  private seq = 0;

  constructor(
    readonly key: string,
    app: KubeObject,
    options: DriverOptions = {},
  ) {
    this.settings = { ...DEFAULT_APPLICATION_SETTINGS, ...options.settings };
    this.handlers = new Map(
      applicationEffectHandlers({
        clusters: { forCluster: async () => this.kube },
        git: this.git,
        renderer: this.git,
        controlPlane: this.cp,
        sleep: async () => undefined,
        ...options.deps,
      }).map((h) => [h.kind, h]),
    );
    this.object = structuredClone(app);
    this.state = initialApplicationState(key, this.object);
    this.fold({ type: 'xstate.init', at: this.now });
  }

  /** The status as the API shows it (the machine's JSON, read with Argo CD's types). */
  status(): DeepRequired<ApplicationStatus> {
    return applicationStatus(this.state) as unknown as DeepRequired<ApplicationStatus>;
  }

  /** Folds one event (time: now) and queues its effects. */
  fold(event: ApplicationEvent): void {
    const effects: EffectRequest[] = [];
    this.log.push(event.type);
    reduceApplication(
      this.state,
      { ...event, at: this.now } as ApplicationEvent,
      effects,
      this.settings,
    );
    this.effects.push(...effects);
    this.queue.push(...effects);
  }

  /** Sends an event and runs every effect until none is left (timers stay pending). */
  async send(event: EventInput): Promise<void> {
    this.fold({ ...event, at: this.now } as ApplicationEvent);
    await this.settle();
  }

  /** Changes the Application object as the API would, and tells the machine. */
  async update(change: (app: KubeObject) => void): Promise<void> {
    const next = structuredClone(this.object as KubeObject);
    change(next);
    this.object = next;
    await this.send({ type: 'ObjectApplied', object: next } as EventInput);
  }

  async settle(): Promise<void> {
    for (let guard = 0; guard < 500 && this.queue.length > 0; guard++) {
      const effect = this.queue.shift() as EffectRequest;
      await this.run(effect);
    }
  }

  private async run(effect: EffectRequest): Promise<void> {
    if (effect.kind === 'timer.set') {
      const t = effect.input as { timerId: string; generation: number; fireAt: number };
      this.timers.push(t);
      return;
    }
    if (effect.kind === 'message.send') {
      const input = effect.input as {
        key: string;
        event: { type: string; patchType?: string; patch?: Json };
      };
      if (input.key !== this.key || !this.object) return;
      const outcome = applyObjectCommand(this.object, input.event as never, {
        key: this.key,
        messageId: `m${++this.seq}`,
        at: this.now,
      });
      if (!outcome.ok) return;
      this.object = outcome.object;
      if (outcome.change === 'deleted') this.fold({ type: 'ObjectDeleted', at: this.now });
      else if (outcome.change === 'updated' && this.object)
        this.fold({ type: 'ObjectApplied', at: this.now, object: this.object });
      return;
    }
    const handler = this.handlers.get(effect.kind);
    if (!handler) throw new Error(`no handler for ${effect.kind}`);
    const id = `e${++this.seq}`;
    try {
      const result = await handler.run(
        { ...effect, id, key: this.key, version: this.seq, at: this.now },
        { secret: async () => '', clock: { now: () => this.now }, log: console as never },
      );
      this.fold({ type: 'EffectSucceeded', at: this.now, result });
    } catch (err) {
      const tag = (effect.input as { tag?: Json }).tag;
      this.fold({
        type: 'EffectFailed',
        at: this.now,
        reason: (err as Error).message,
        ...(tag !== undefined ? { tag } : {}),
      });
    }
  }

  /** Moves the clock, firing due timers (the current generation of each only matters to the machine). */
  async advance(ms: number): Promise<void> {
    const until = this.now + ms;
    for (;;) {
      this.timers.sort((a, b) => a.fireAt - b.fireAt);
      const due = this.timers[0];
      if (!due || due.fireAt > until) break;
      this.timers.shift();
      this.now = Math.max(this.now, due.fireAt);
      await this.send({
        type: 'TimerFired',
        timerId: due.timerId,
        generation: due.generation,
      } as EventInput);
    }
    this.now = until;
  }

  /** Deletes the Application as the API would (finalizers first). */
  async deleteApp(): Promise<void> {
    const outcome = applyObjectCommand(
      this.object,
      { type: 'Delete' },
      {
        key: this.key,
        messageId: `m${++this.seq}`,
        at: this.now,
      },
    );
    if (!outcome.ok) throw new Error(outcome.reason);
    this.object = outcome.object;
    await this.send({
      type: outcome.change === 'deleted' ? 'ObjectDeleted' : 'ObjectDeleting',
    } as EventInput);
  }
}

void jsonPatch;

export const REPO = 'https://git.example.com/org/configs.git';

export function application(
  spec: Record<string, unknown>,
  extra: Partial<KubeObject['metadata']> = {},
): KubeObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'web', namespace: 'argocd', ...extra },
    spec: {
      project: 'default',
      source: { repoURL: REPO, targetRevision: 'main', path: 'app' },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'prod' },
      ...spec,
    } as Json,
  };
}

export function configMap(
  name: string,
  data: Record<string, string>,
  annotations: Record<string, string> = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, ...(Object.keys(annotations).length ? { annotations } : {}) },
    data,
  };
}

export function deployment(
  name: string,
  image: string,
  annotations: Record<string, string> = {},
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name, image }] },
      },
    },
  };
}

export function hookJob(
  name: string,
  hook: string,
  extra: Record<string, string> = {},
): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, annotations: { 'argocd.argoproj.io/hook': hook, ...extra } },
    spec: {
      template: {
        spec: { restartPolicy: 'Never', containers: [{ name: 'run', image: 'busybox' }] },
      },
    },
  };
}
