/**
 * The workflow operator: Argo's reconcile pass as a pure function. `operate(state, now)` walks
 * the workflow from its entrypoint exactly as Argo's controller does (steps, DAGs, retries,
 * loops, exit handlers), creating nodes and asking for pods, timers and resource actions; a
 * fulfilled subtree is not walked again. All time comes from `now` (the event's time).
 */
import type { EffectRequest, Json, JsonObject } from '../core/types.js';
import { evaluateGovaluate } from '../expr/govaluate.js';
import { evaluateExpr } from '../expr/expr-lang.js';
import { expressionEnv, replaceInString, replaceInValue, TemplateError } from '../expr/template.js';
import type { Scope } from '../expr/template.js';
import { MONTH_NAMES, WEEKDAY_NAMES } from '../expr/calendar.js';
import { parseGoDuration } from './cron.js';
import { dependsLogic } from './depends.js';
import type { TaskResults } from './depends.js';
import type {
  NodeArtifact,
  NodeOutputs,
  NodeParameter,
  NodePhase,
  NodeStatus,
  NodeType,
} from './nodes.js';
import { isFailedOrError, isFulfilled, isoTime, nodeId, podName } from './nodes.js';
import type { WorkflowState, WorkflowStatus } from './state.js';
import {
  armTimer,
  podEnded,
  progressCounts,
  putNode,
  recordGlobalArtifact,
  recordGlobalParameter,
  setNodePhase,
} from './state.js';
import type {
  Artifact,
  DAGTask,
  Parameter,
  RetryStrategy,
  Template,
  TemplateCall,
  WorkflowStep,
} from './types.js';
import { scalarString, templateTypes } from './types.js';

/** What one pass asks the outside world for. */
export type OperatorAction =
  | {
      kind: 'createPod';
      nodeId: string;
      node: NodeStatus;
      template: Template;
      cluster: string;
      podName: string;
      serviceAccountName?: string;
    }
  | { kind: 'resource' | 'http'; nodeId: string; template: Template; tag: string }
  | { kind: 'timer'; effect: EffectRequest }
  | { kind: 'deletePods'; podNames: string[]; cluster: string }
  | { kind: 'createPvcs'; claims: JsonObject[] };

/** Where a template was found, so the templates it calls resolve in the same place. */
type TemplateHome = { kind: 'local' } | { kind: 'namespaced' | 'cluster'; name: string };

class OperatorError extends Error {}

export interface OperateResult {
  state: WorkflowState;
  actions: OperatorAction[];
}

const DEFAULT_RETRY_POLICY = 'OnFailure';

/** Pods one pass may ask for (their manifests are logged with the version that asks). */
export const MAX_PODS_PER_PASS = 50;

export function operate(state: WorkflowState, now: number): OperateResult {
  const op = new Operation(state, now);
  op.run();
  return { state: op.state, actions: op.actions };
}

class Operation {
  readonly actions: OperatorAction[] = [];
  private readonly nodes: Record<string, NodeStatus>;
  private readonly globals: Scope = {};
  private readonly nowIso: string;
  private runningPods = 0;
  private podsThisPass = 0;

  constructor(
    readonly state: WorkflowState,
    private readonly now: number,
  ) {
    state.status.nodes ??= {};
    state.settled ??= {};
    state.dagFrontier ??= {};
    state.dagFailed ??= {};
    this.nodes = state.status.nodes;
    this.nowIso = isoTime(now);
  }

  private get spec() {
    return this.state.spec;
  }

  run(): void {
    const status = this.state.status;
    if (isWorkflowDone(status.phase)) return;
    if (!status.phase || status.phase === 'Pending') {
      status.phase = 'Running';
      status.startedAt = this.nowIso;
      status.finishedAt = null;
      if (this.spec.volumeClaimTemplates?.length) {
        this.actions.push({
          kind: 'createPvcs',
          claims: this.spec.volumeClaimTemplates.map((c) => this.pvc(c)),
        });
      }
    }
    try {
      this.setGlobals();
    } catch (err) {
      return this.finish('Error', (err as Error).message);
    }
    this.runningPods = this.state.activePods;
    const entrypoint = this.spec.entrypoint!;
    const args = {
      parameters: this.spec.arguments?.parameters ?? [],
      artifacts: this.spec.arguments?.artifacts ?? [],
    };
    let main: NodeStatus | undefined;
    try {
      main = this.executeTemplate(
        this.state.name,
        { name: this.state.name, template: entrypoint },
        { kind: 'local' },
        args,
        undefined,
      );
    } catch (err) {
      return this.finish('Error', (err as Error).message);
    }
    this.checkDeadline();
    if (!main || !isFulfilled(main.phase)) return this.updateProgress();
    // The exit handler runs once the main tree is done, with workflow.status and failures set.
    if (this.spec.onExit && !this.shutdownTerminate()) {
      this.globals['workflow.status'] = workflowPhaseOf(main.phase);
      this.globals['workflow.failures'] = JSON.stringify(this.failures());
      const exitNode = this.executeTemplate(
        `${this.state.name}.onExit`,
        { name: 'onExit', template: this.spec.onExit },
        { kind: 'local' },
        args,
        undefined,
      );
      if (!exitNode || !isFulfilled(exitNode.phase)) return this.updateProgress();
      if (isFailedOrError(exitNode.phase) && !isFailedOrError(main.phase)) {
        return this.finish(workflowPhaseOf(exitNode.phase), exitNode.message ?? '');
      }
    }
    const message = isFailedOrError(main.phase) ? (main.message ?? this.firstFailureMessage()) : '';
    this.finish(workflowPhaseOf(main.phase), message);
  }

  private shutdownTerminate(): boolean {
    return this.spec.shutdown === 'Terminate';
  }

  private checkDeadline(): void {
    const seconds = this.spec.activeDeadlineSeconds;
    if (seconds === undefined || !this.state.status.startedAt) return;
    const deadline = Date.parse(this.state.status.startedAt) + seconds * 1000;
    if (this.now >= deadline) {
      this.failUnfinished('Step exceeded its deadline');
      return;
    }
    this.armTimer('deadline', deadline);
  }

  private failUnfinished(message: string): void {
    const stop: string[] = [];
    for (const node of Object.values(this.nodes)) {
      if (isFulfilled(node.phase)) continue;
      setNodePhase(this.state, node, 'Failed');
      node.message = message;
      node.finishedAt = this.nowIso;
      const pod = this.state.pods[node.id];
      if (pod && !pod.done) {
        podEnded(this.state, pod);
        stop.push(pod.podName);
      }
    }
    if (stop.length)
      this.actions.push({ kind: 'deletePods', podNames: stop, cluster: this.state.cluster });
  }

  private finish(phase: 'Succeeded' | 'Failed' | 'Error', message: string): void {
    const status = this.state.status;
    status.phase = phase;
    status.finishedAt = this.nowIso;
    if (message) status.message = message;
    else delete status.message;
    this.updateProgress();
  }

  private updateProgress(): void {
    const { done, total } = progressCounts(this.state);
    this.state.status.progress = `${done}/${total}`;
  }

  private failures(): JsonObject[] {
    return Object.values(this.nodes)
      .filter((n) => isFailedOrError(n.phase) && n.type === 'Pod')
      .map((n) => ({
        displayName: n.displayName,
        message: n.message ?? '',
        templateName: n.templateName ?? '',
        phase: n.phase,
        podName: n.id,
        finishedAt: n.finishedAt ?? '',
      }));
  }

  private firstFailureMessage(): string {
    const failed = Object.values(this.nodes).find((n) => isFailedOrError(n.phase) && n.message);
    return failed?.message ?? '';
  }

  // --- scope -------------------------------------------------------------------------------

  private setGlobals(): void {
    const g = this.globals;
    const s = this.state;
    g['workflow.name'] = s.name;
    g['workflow.namespace'] = s.namespace;
    g['workflow.uid'] = s.uid;
    g['workflow.mainEntrypoint'] = this.spec.entrypoint ?? '';
    g['workflow.serviceAccountName'] = this.spec.serviceAccountName ?? '';
    g['workflow.creationTimestamp'] = s.creationTimestamp;
    const created = new Date(s.creationTimestamp);
    for (const [k, v] of Object.entries(strftimeParts(created)))
      g[`workflow.creationTimestamp.${k}`] = v;
    g['workflow.duration'] = String(
      (this.now - Date.parse(s.status.startedAt ?? s.creationTimestamp)) / 1000,
    );
    if (this.spec['priority'] !== undefined) g['workflow.priority'] = String(this.spec['priority']);
    const params: { name: string; value: string }[] = [];
    for (const p of this.spec.arguments?.parameters ?? []) {
      const value = this.parameterValue(p, `spec.arguments.parameters.${p.name}`);
      if (value === undefined)
        throw new OperatorError(`spec.arguments.parameters.${p.name}.value is required`);
      if (p.enum && !p.enum.map(String).includes(value)) {
        throw new OperatorError(
          `spec.arguments.parameters.${p.name}: value "${value}" is not in the enum ${JSON.stringify(p.enum.map(String))}`,
        );
      }
      g[`workflow.parameters.${p.name}`] = value;
      params.push({ name: p.name, value });
    }
    g['workflow.parameters'] = JSON.stringify(params);
    g['workflow.parameters.json'] = JSON.stringify(params);
    for (const [k, v] of Object.entries(s.annotations)) g[`workflow.annotations.${k}`] = v;
    for (const [k, v] of Object.entries(s.labels)) g[`workflow.labels.${k}`] = v;
    g['workflow.annotations'] = JSON.stringify(s.annotations);
    g['workflow.annotations.json'] = JSON.stringify(s.annotations);
    g['workflow.labels'] = JSON.stringify(s.labels);
    g['workflow.labels.json'] = JSON.stringify(s.labels);
    for (const p of s.status.outputs?.parameters ?? [])
      g[`workflow.outputs.parameters.${p.name}`] = p.value ?? '';
    for (const a of s.status.outputs?.artifacts ?? [])
      g[`workflow.outputs.artifacts.${String(a['name'])}`] = a;
  }

  /** A parameter's value: value, then valueFrom (configMapKeyRef, default), then default. */
  private parameterValue(p: Parameter, where: string): string | undefined {
    const value = scalarString(p.value);
    if (value !== undefined) return replaceInString(value, this.globals);
    const from = p.valueFrom;
    if (from?.configMapKeyRef) {
      const cm =
        this.state.library.configMaps[`${this.state.namespace}/${from.configMapKeyRef.name}`];
      const v = cm?.[from.configMapKeyRef.key];
      if (v !== undefined) return v;
      if (from.default !== undefined) return scalarString(from.default);
      if (from.configMapKeyRef.optional) return '';
      throw new OperatorError(
        `${where}: ConfigMap ${from.configMapKeyRef.name} has no key ${from.configMapKeyRef.key}`,
      );
    }
    if (from?.expression)
      return stringify(evaluateExpr(from.expression, expressionEnv(this.globals)));
    if (from?.default !== undefined) return scalarString(from.default);
    return scalarString(p.default);
  }

  // --- templates ---------------------------------------------------------------------------

  private resolveTemplate(
    call: TemplateCall,
    home: TemplateHome,
  ): { template: Template; home: TemplateHome } {
    if (call.inline) return { template: { ...call.inline, name: call.inline.name ?? '' }, home };
    if (call.templateRef) {
      const ref = call.templateRef;
      const lib = this.state.library;
      const spec = ref.clusterScope
        ? lib.clusterWorkflowTemplates[ref.name]
        : lib.workflowTemplates[`${this.state.namespace}/${ref.name}`];
      if (!spec)
        throw new OperatorError(
          `${ref.clusterScope ? 'ClusterWorkflowTemplate' : 'WorkflowTemplate'} "${ref.name}" not found`,
        );
      const template = spec.templates?.find((t) => t.name === ref.template);
      if (!template) throw new OperatorError(`template ${ref.template} not found in ${ref.name}`);
      return {
        template: this.withDefaults(template),
        home: { kind: ref.clusterScope ? 'cluster' : 'namespaced', name: ref.name },
      };
    }
    const name = call.template!;
    const templates =
      home.kind === 'local'
        ? this.spec.templates
        : (home.kind === 'cluster'
            ? this.state.library.clusterWorkflowTemplates[home.name]
            : this.state.library.workflowTemplates[`${this.state.namespace}/${home.name}`]
          )?.templates;
    const template = templates?.find((t) => t.name === name);
    if (!template) throw new OperatorError(`template name '${name}' undefined`);
    return { template: this.withDefaults(template), home };
  }

  private withDefaults(t: Template): Template {
    const defaults = this.spec.templateDefaults;
    if (!defaults) return t;
    const merged = deepMerge(
      defaults as JsonObject,
      t as unknown as JsonObject,
    ) as unknown as Template;
    return merged;
  }

  private templateScope(home: TemplateHome): string {
    return home.kind === 'local' ? `local/${this.state.name}` : `${home.kind}/${home.name}`;
  }

  /** Inputs from arguments and defaults, then substituted into the template (Argo's ProcessArgs). */
  private processArgs(
    template: Template,
    args: { parameters?: Parameter[]; artifacts?: Artifact[] },
    nodeName: string,
    scope: Scope,
  ): { template: Template; inputs: NodeStatus['inputs']; local: Scope } {
    const local: Scope = {};
    const params: NodeParameter[] = [];
    for (const p of template.inputs?.parameters ?? []) {
      const arg = args.parameters?.find((a) => a.name === p.name);
      let value = arg ? (scalarString(arg.value) ?? this.argValueFrom(arg, scope)) : undefined;
      if (value === undefined) {
        // A default may itself be templated (`{{workflow.parameters.x}}`, `{{=expr}}`).
        const fallback = this.inputDefault(p);
        value =
          fallback === undefined
            ? undefined
            : replaceInString(fallback, { ...this.globals, ...scope, ...local });
      }
      if (value === undefined)
        throw new OperatorError(`inputs.parameters.${p.name} was not supplied`);
      if (p.enum && !p.enum.map(String).includes(value)) {
        throw new OperatorError(
          `inputs.parameters.${p.name}: value "${value}" is not in the enum ${JSON.stringify(p.enum.map(String))}`,
        );
      }
      local[`inputs.parameters.${p.name}`] = value;
      params.push({ name: p.name, value });
    }
    local['inputs.parameters'] = JSON.stringify(params);
    const artifacts: NodeArtifact[] = [];
    for (const declared of template.inputs?.artifacts ?? []) {
      // A declared location may be templated (`s3.key: "{{workflow.name}}/results"`).
      const a = replaceInValue(declared, { ...this.globals, ...scope, ...local });
      const arg = args.artifacts?.find((x) => x.name === a.name);
      const resolved = this.resolveArtifact(a, arg, scope);
      if (!resolved) {
        if (a.optional) continue;
        throw new OperatorError(`inputs.artifacts.${a.name} was not supplied`);
      }
      artifacts.push(resolved);
      local[`inputs.artifacts.${a.name}`] = resolved as unknown as Json;
      if (a.path) local[`inputs.artifacts.${a.name}.path`] = a.path;
    }
    // Path placeholders, so commands need not repeat paths.
    for (const a of template.outputs?.artifacts ?? [])
      if (a.path) local[`outputs.artifacts.${a.name}.path`] = a.path;
    for (const p of template.outputs?.parameters ?? []) {
      if (p.valueFrom?.path) local[`outputs.parameters.${p.name}.path`] = p.valueFrom.path;
    }
    const id = nodeId(this.state.name, nodeName);
    local['pod.name'] = podName(this.state.name, nodeName, template.name);
    local['node.name'] = nodeName;
    local['node.id'] = id;
    const full = { ...this.globals, ...scope, ...local };
    const { steps, dag, ...body } = template;
    // Steps and tasks are substituted per call later (they see their siblings' outputs).
    const substituted = replaceInValue(body, full, { strict: ['inputs.'] }) as Template;
    if (steps) substituted.steps = steps;
    if (dag)
      substituted.dag = {
        ...dag,
        ...(dag.target ? { target: replaceInString(dag.target, full) } : {}),
      };
    const inputs: NodeStatus['inputs'] = {};
    if (params.length) inputs.parameters = params;
    if (artifacts.length) inputs.artifacts = artifacts;
    return { template: substituted, inputs, local };
  }

  private argValueFrom(arg: Parameter, _scope: Scope): string | undefined {
    if (arg.valueFrom?.configMapKeyRef)
      return this.parameterValue(arg, `arguments.parameters.${arg.name}`);
    if (arg.valueFrom?.default !== undefined) return scalarString(arg.valueFrom.default);
    return undefined;
  }

  private inputDefault(p: Parameter): string | undefined {
    if (p.value !== undefined) return scalarString(p.value);
    if (p.valueFrom)
      return this.parameterValue({ ...p, value: undefined }, `inputs.parameters.${p.name}`);
    return scalarString(p.default);
  }

  private resolveArtifact(
    declared: Artifact,
    arg: Artifact | undefined,
    scope: Scope,
  ): NodeArtifact | undefined {
    const source = arg ?? declared;
    if (source.from) {
      const ref = source.from.replace(/^\{\{\s*|\s*\}\}$/g, '');
      const found = scope[ref] ?? this.globals[ref];
      if (!found || typeof found !== 'object') {
        if (declared.optional || arg?.optional) return undefined;
        throw new OperatorError(`unable to resolve artifact ${source.from}`);
      }
      return {
        ...(found as NodeArtifact),
        name: declared.name,
        ...(declared.path ? { path: declared.path } : {}),
        ...(source.subPath ? { subPath: source.subPath } : {}),
      };
    }
    if (source.fromExpression) {
      const found = evaluateExpr(
        source.fromExpression,
        expressionEnv({ ...this.globals, ...scope }),
      );
      if (!found || typeof found !== 'object')
        throw new OperatorError(`fromExpression ${source.fromExpression} did not give an artifact`);
      return {
        ...(found as NodeArtifact),
        name: declared.name,
        ...(declared.path ? { path: declared.path } : {}),
      };
    }
    const location = pickLocation(source) ?? (arg ? pickLocation(declared) : undefined);
    if (!location) return undefined;
    return { name: declared.name, ...(declared.path ? { path: declared.path } : {}), ...location };
  }

  // --- nodes -------------------------------------------------------------------------------

  private readonly ids = new Map<string, string>();

  private idOf(name: string): string {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = nodeId(this.state.name, name);
      this.ids.set(name, id);
    }
    return id;
  }

  private node(name: string): NodeStatus | undefined {
    return this.nodes[this.idOf(name)];
  }

  private initNode(
    name: string,
    type: NodeType,
    phase: NodePhase,
    opts: {
      displayName?: string;
      boundaryID?: string;
      template?: Template;
      call?: TemplateCall;
      home?: TemplateHome;
      message?: string;
    } = {},
  ): NodeStatus {
    const id = nodeId(this.state.name, name);
    const node: NodeStatus = {
      id,
      name,
      displayName: opts.displayName ?? displayNameOf(name),
      type,
      templateScope: this.templateScope(opts.home ?? { kind: 'local' }),
      phase,
      startedAt: this.nowIso,
      finishedAt: null,
    };
    if (opts.call?.templateRef) node.templateRef = opts.call.templateRef;
    else if (opts.template?.name) node.templateName = opts.template.name;
    if (opts.boundaryID) node.boundaryID = opts.boundaryID;
    if (opts.message) node.message = opts.message;
    if (isFulfilled(phase)) node.finishedAt = this.nowIso;
    if (type === 'Pod') node.progress = '0/1';
    putNode(this.state, node);
    return node;
  }

  private markPhase(node: NodeStatus, phase: NodePhase, message?: string): NodeStatus {
    if (node.phase !== phase) {
      setNodePhase(this.state, node, phase);
      if (isFulfilled(phase)) {
        node.finishedAt = this.nowIso;
        if (node.type === 'Pod') node.progress = phase === 'Succeeded' ? '1/1' : '0/1';
      }
    }
    if (message !== undefined) {
      if (message) node.message = message;
      else delete node.message;
    }
    return node;
  }

  private addChild(parent: NodeStatus, child: NodeStatus): void {
    const children = (parent.children ??= []);
    // A set kept beside the array (same identity while it grows): `includes` on a TaskGroup of
    // 100,000 children on every add would be quadratic.
    let known = childSets.get(children);
    if (!known) childSets.set(children, (known = new Set(children)));
    if (known.has(child.id)) return;
    known.add(child.id);
    children.push(child.id);
  }

  // --- execution ---------------------------------------------------------------------------

  /**
   * Runs one call of a template under node `nodeName`; returns its node (undefined when it
   * could not start yet, e.g. parallelism).
   */
  executeTemplate(
    nodeName: string,
    call: TemplateCall,
    home: TemplateHome,
    args: { parameters?: Parameter[]; artifacts?: Artifact[] },
    boundaryID: string | undefined,
    scope: Scope = {},
  ): NodeStatus | undefined {
    const existing = this.node(nodeName);
    if (existing && isFulfilled(existing.phase)) return existing;
    if (existing?.type === 'Pod' && this.podNeedsNoPass(call, home)) return existing;
    let resolved: { template: Template; home: TemplateHome };
    let processed: { template: Template; inputs: NodeStatus['inputs']; local: Scope };
    try {
      resolved = this.resolveTemplate(call, home);
      processed = this.processArgs(resolved.template, args, nodeName, scope);
    } catch (err) {
      if (!(err instanceof OperatorError || err instanceof TemplateError || err instanceof Error))
        throw err;
      const node = existing ?? this.initNode(nodeName, 'Skipped', 'Error', { boundaryID, call });
      return this.markPhase(node, 'Error', (err as Error).message);
    }
    const template = processed.template;
    const retry = template.retryStrategy ?? this.spec.retryStrategy;
    const isLeafOrAny = retry !== undefined;
    if (isLeafOrAny)
      return this.executeWithRetries(
        nodeName,
        call,
        resolved.home,
        template,
        processed.inputs,
        boundaryID,
        retry,
        processed.local,
      );
    return this.executeKind(
      nodeName,
      call,
      resolved.home,
      template,
      processed.inputs,
      boundaryID,
      existing,
      processed.local,
    );
  }

  /** A node whose work is one effect (resource, http): its report comes back by tag. */
  private startRequest(
    kind: 'resource' | 'http',
    node: NodeStatus,
    template: Template,
  ): NodeStatus {
    const tag = `${kind[0]}${++this.state.requestSeq}`;
    this.state.pending[tag] = { nodeId: node.id, kind };
    this.actions.push({ kind, nodeId: node.id, template, tag });
    return node;
  }

  /**
   * A running pod node needs nothing from a pass (no retries, no deadline to check): skip the
   * template's substitution, which would otherwise cost every running pod on every event.
   */
  private podNeedsNoPass(call: TemplateCall, home: TemplateHome): boolean {
    if (this.spec.retryStrategy || this.spec.shutdown) return false;
    try {
      const { template } = this.resolveTemplate(call, home);
      return (
        !template.retryStrategy && template.activeDeadlineSeconds === undefined && !template.timeout
      );
    } catch {
      return false;
    }
  }

  private executeWithRetries(
    nodeName: string,
    call: TemplateCall,
    home: TemplateHome,
    template: Template,
    inputs: NodeStatus['inputs'],
    boundaryID: string | undefined,
    retry: RetryStrategy,
    local: Scope,
  ): NodeStatus | undefined {
    let retryNode = this.node(nodeName);
    if (!retryNode) {
      retryNode = this.initNode(nodeName, 'Retry', 'Running', { boundaryID, template, call, home });
      if (inputs && Object.keys(inputs).length) retryNode.inputs = inputs;
    }
    const attempts = (retryNode.children ?? []).map((id) => this.nodes[id]!).filter(Boolean);
    const last = attempts.at(-1);
    if (last && !isFulfilled(last.phase)) {
      this.executeAttempt(
        nodeName,
        attempts.length - 1,
        call,
        home,
        template,
        inputs,
        retryNode,
        local,
      );
      const again = this.node(`${nodeName}(${attempts.length - 1})`)!;
      if (!isFulfilled(again.phase)) return retryNode;
      return this.executeWithRetries(
        nodeName,
        call,
        home,
        template,
        inputs,
        boundaryID,
        retry,
        local,
      );
    }
    if (last) {
      if (!isFailedOrError(last.phase)) {
        if (last.outputs) retryNode.outputs = last.outputs;
        return this.markPhase(retryNode, last.phase === 'Skipped' ? 'Skipped' : 'Succeeded');
      }
      const decision = this.retryDecision(retry, attempts, last, retryNode);
      if (decision.stop) {
        if (last.outputs) retryNode.outputs = last.outputs;
        return this.markPhase(retryNode, last.phase, decision.message ?? last.message ?? '');
      }
      if (decision.waitUntil !== undefined && this.now < decision.waitUntil) {
        this.armTimer(`retry/${retryNode.id}`, decision.waitUntil);
        retryNode.message = `Backoff for ${humanDuration(decision.waitUntil - this.now)}`;
        return retryNode;
      }
      delete retryNode.message;
    }
    this.executeAttempt(nodeName, attempts.length, call, home, template, inputs, retryNode, local);
    return retryNode;
  }

  private executeAttempt(
    nodeName: string,
    index: number,
    call: TemplateCall,
    home: TemplateHome,
    template: Template,
    inputs: NodeStatus['inputs'],
    retryNode: NodeStatus,
    local: Scope,
  ): void {
    const childName = `${nodeName}(${index})`;
    const existing = this.node(childName);
    const retryScope: Scope = { retries: String(index) };
    const withRetries = index === 0 ? template : (replaceInValue(template, retryScope) as Template);
    const child = this.executeKind(
      childName,
      call,
      home,
      withRetries,
      inputs,
      retryNode.id,
      existing,
      { ...local, ...retryScope },
    );
    if (child) {
      this.addChild(retryNode, child);
      if (child.phase === 'Running' && retryNode.phase !== 'Running')
        this.markPhase(retryNode, 'Running');
    }
  }

  private retryDecision(
    retry: RetryStrategy,
    attempts: NodeStatus[],
    last: NodeStatus,
    _retryNode: NodeStatus,
  ): { stop: boolean; message?: string; waitUntil?: number } {
    if (this.spec.shutdown)
      return { stop: true, message: `Stopped with strategy '${this.spec.shutdown}'` };
    const policy = retry.retryPolicy ?? (retry.expression ? 'Always' : DEFAULT_RETRY_POLICY);
    const onFailed = policy === 'Always' || policy === 'OnFailure' || policy === 'OnTransientError';
    const onError = policy === 'Always' || policy === 'OnError' || policy === 'OnTransientError';
    if ((last.phase === 'Failed' && !onFailed) || (last.phase === 'Error' && !onError))
      return { stop: true, message: last.message ?? '' };
    const limit = retry.limit === undefined ? undefined : Number(retry.limit);
    if (limit !== undefined && attempts.length > limit)
      return { stop: true, message: 'No more retries left' };
    if (retry.expression) {
      const env = expressionEnv({
        ...this.globals,
        'lastRetry.exitCode': last.outputs?.exitCode ?? '-1',
        'lastRetry.status': last.phase,
        'lastRetry.duration': String(
          ((last.finishedAt ? Date.parse(last.finishedAt) : this.now) -
            Date.parse(last.startedAt)) /
            1000,
        ),
        'lastRetry.message': last.message ?? '',
      });
      if (evaluateExpr(retry.expression, env) !== true)
        return { stop: true, message: 'retryStrategy.expression evaluated to false' };
    }
    if (retry.backoff) {
      const base = durationMs(retry.backoff.duration ?? '0');
      const factor = retry.backoff.factor === undefined ? 1 : Number(retry.backoff.factor);
      let wait = base * (factor > 0 ? factor ** (attempts.length - 1) : 1);
      if (retry.backoff.cap) wait = Math.min(wait, durationMs(retry.backoff.cap));
      const lastEnd = last.finishedAt ? Date.parse(last.finishedAt) : this.now;
      const waitUntil = lastEnd + wait;
      if (retry.backoff.maxDuration) {
        const maxEnd = Date.parse(attempts[0]!.startedAt) + durationMs(retry.backoff.maxDuration);
        if (this.now >= maxEnd) return { stop: true, message: 'Max duration limit exceeded' };
        if (waitUntil > maxEnd)
          return { stop: true, message: 'Backoff would exceed max duration limit' };
      }
      return { stop: false, waitUntil };
    }
    return { stop: false };
  }

  private executeKind(
    nodeName: string,
    call: TemplateCall,
    home: TemplateHome,
    template: Template,
    inputs: NodeStatus['inputs'],
    boundaryID: string | undefined,
    existing: NodeStatus | undefined,
    local: Scope,
  ): NodeStatus | undefined {
    if (existing && isFulfilled(existing.phase)) return existing;
    const [type] = templateTypes(template);
    const unsupported = template.daemon
      ? 'daemon'
      : template.synchronization || this.spec['synchronization']
        ? 'synchronization'
        : undefined;
    if (unsupported && !existing) {
      // Said plainly rather than run with different semantics (a daemon never ends; a mutex
      // ignored would let steps overlap).
      const node = this.initNode(nodeName, 'Skipped', 'Error', {
        boundaryID,
        template,
        call,
        home,
      });
      return this.markPhase(
        node,
        'Error',
        `${unsupported} (templates.${template.name}) is not supported yet by argo-serverless`,
      );
    }
    const opts = { boundaryID, template, call, home };
    const withInputs = (node: NodeStatus) => {
      if (inputs && Object.keys(inputs).length && !node.inputs) node.inputs = inputs;
      return node;
    };
    switch (type) {
      case 'Container':
      case 'Script':
      case 'ContainerSet':
        return this.executePod(nodeName, call, home, template, inputs, boundaryID, existing);
      case 'Steps':
        return this.executeSteps(
          nodeName,
          template,
          home,
          existing ? existing : withInputs(this.initNode(nodeName, 'Steps', 'Running', opts)),
          local,
        );
      case 'DAG':
        return this.executeDag(
          nodeName,
          template,
          home,
          existing ? existing : withInputs(this.initNode(nodeName, 'DAG', 'Running', opts)),
          local,
        );
      case 'Suspend':
        return this.executeSuspend(
          existing ?? withInputs(this.initNode(nodeName, 'Suspend', 'Running', opts)),
          template,
        );
      case 'Resource':
        return (
          existing ??
          this.startRequest(
            'resource',
            withInputs(this.initNode(nodeName, 'Pod', 'Pending', opts)),
            template,
          )
        );
      case 'HTTP':
        // Argo's HTTP template runs in its agent; here the effect worker makes the request.
        return (
          existing ??
          this.startRequest(
            'http',
            withInputs(this.initNode(nodeName, 'HTTP', 'Running', opts)),
            template,
          )
        );
      default: {
        const node = existing ?? this.initNode(nodeName, 'Skipped', 'Error', opts);
        return this.markPhase(
          node,
          'Error',
          `${type ?? 'unknown'} templates are not supported yet (templates.${template.name})`,
        );
      }
    }
  }

  private executePod(
    nodeName: string,
    call: TemplateCall,
    home: TemplateHome,
    template: Template,
    inputs: NodeStatus['inputs'],
    boundaryID: string | undefined,
    existing: NodeStatus | undefined,
  ): NodeStatus | undefined {
    if (existing) {
      this.checkPodDeadline(existing, template);
      return existing;
    }
    if (this.spec.shutdown) {
      const node = this.initNode(nodeName, 'Pod', 'Failed', { boundaryID, template, call, home });
      return this.markPhase(
        node,
        'Failed',
        `workflow shutdown with strategy: ${this.spec.shutdown}`,
      );
    }
    if (this.spec.suspend) return undefined;
    if (this.spec.parallelism !== undefined && this.runningPods >= this.spec.parallelism)
      return undefined;
    // A wide fan-out starts in slices: one version's effects must fit one log item. The next
    // pass (an effect report, or the `continue` timer) starts the next slice.
    if (this.podsThisPass >= MAX_PODS_PER_PASS) {
      this.armTimer('continue', this.now);
      return undefined;
    }
    this.podsThisPass++;
    const node = this.initNode(nodeName, 'Pod', 'Pending', { boundaryID, template, call, home });
    if (inputs && Object.keys(inputs).length) node.inputs = inputs;
    const cluster = clusterOf(template, this.spec) ?? this.state.cluster;
    if (cluster !== this.state.cluster) node.cluster = cluster;
    const name = podName(this.state.name, nodeName, template.name);
    this.state.pods[node.id] = { nodeId: node.id, podName: name, cluster };
    this.state.podIndex[name] = node.id;
    this.state.activePods++;
    this.state.active[node.id] = true;
    this.runningPods++;
    const serviceAccountName = template.serviceAccountName ?? this.spec.serviceAccountName;
    this.actions.push({
      kind: 'createPod',
      nodeId: node.id,
      node,
      template,
      cluster,
      podName: name,
      ...(serviceAccountName ? { serviceAccountName } : {}),
    });
    this.armPoll();
    return node;
  }

  private checkPodDeadline(node: NodeStatus, template: Template): void {
    if (isFulfilled(node.phase)) return;
    const seconds =
      template.activeDeadlineSeconds === undefined
        ? undefined
        : Number(template.activeDeadlineSeconds);
    const timeout = template.timeout ? durationMs(template.timeout) : undefined;
    const limits = [seconds === undefined ? undefined : seconds * 1000, timeout].filter(
      (x): x is number => x !== undefined,
    );
    if (!limits.length) return;
    const deadline = Date.parse(node.startedAt) + Math.min(...limits);
    if (this.now >= deadline) {
      const pod = this.state.pods[node.id];
      if (pod && !pod.done) {
        podEnded(this.state, pod);
        this.actions.push({ kind: 'deletePods', podNames: [pod.podName], cluster: pod.cluster });
      }
      this.markPhase(
        node,
        'Failed',
        'Pod was active on the node longer than the specified deadline',
      );
    } else this.armTimer(`deadline/${node.id}`, deadline);
  }

  private executeSuspend(node: NodeStatus, template: Template): NodeStatus {
    if (isFulfilled(node.phase)) return node;
    const duration = template.suspend?.duration;
    if (duration !== undefined && String(duration) !== '') {
      const until = Date.parse(node.startedAt) + durationMs(duration);
      if (this.now >= until) {
        this.suspendOutputs(node, template);
        return this.markPhase(node, 'Succeeded');
      }
      this.armTimer(`suspend/${node.id}`, until);
    }
    return node;
  }

  /** A resumed suspend node's outputs: supplied values, else their defaults. */
  suspendOutputs(node: NodeStatus, template: Template): void {
    const params = (template.outputs?.parameters ?? []).map((p) => ({
      name: p.name,
      value: scalarString(p.valueFrom?.default) ?? scalarString(p.value) ?? '',
    }));
    if (params.length) node.outputs = { ...node.outputs, parameters: params };
  }

  // --- steps -------------------------------------------------------------------------------

  private executeSteps(
    nodeName: string,
    template: Template,
    home: TemplateHome,
    node: NodeStatus,
    local: Scope,
  ): NodeStatus {
    if (isFulfilled(node.phase)) return node;
    const scope: Scope = { ...local };
    const groups = template.steps ?? [];
    let previous: NodeStatus | undefined;
    for (let i = 0; i < groups.length; i++) {
      const raw = groups[i]!;
      const steps: WorkflowStep[] = Array.isArray(raw)
        ? raw
        : ((raw as { steps?: WorkflowStep[] }).steps ?? []);
      const sgName = `${nodeName}[${i}]`;
      let sg = this.node(sgName);
      if (!sg)
        sg = this.initNode(sgName, 'StepGroup', 'Running', {
          boundaryID: node.id,
          home,
          displayName: `[${i}]`,
        });
      if (i === 0) this.addChild(node, sg);
      else if (previous) {
        const outbound = (previous.children ?? []).flatMap((c) => this.outboundNodes(c));
        if (outbound.length === 0) this.addChild(previous, sg);
        for (const o of outbound) this.addChild(this.nodes[o]!, sg);
      }
      const group = this.executeStepGroup(sgName, steps, sg, node, home, scope);
      if (!isFulfilled(group.phase)) return node;
      if (isFailedOrError(group.phase)) {
        node.outboundNodes = this.stepsOutbound(nodeName, groups.length);
        return this.markPhase(node, 'Failed', group.message ?? '');
      }
      previous = group;
    }
    node.outboundNodes = this.stepsOutbound(nodeName, groups.length);
    try {
      const outputs = this.templateOutputs(template, scope);
      if (outputs) node.outputs = outputs;
    } catch (err) {
      return this.markPhase(node, 'Error', (err as Error).message);
    }
    return this.markPhase(node, 'Succeeded');
  }

  private stepsOutbound(nodeName: string, groups: number): string[] {
    for (let i = groups - 1; i >= 0; i--) {
      const sg = this.node(`${nodeName}[${i}]`);
      if (sg) return (sg.children ?? []).flatMap((c) => this.outboundNodes(c));
    }
    return [];
  }

  private executeStepGroup(
    sgName: string,
    steps: WorkflowStep[],
    sg: NodeStatus,
    stepsNode: NodeStatus,
    home: TemplateHome,
    scope: Scope,
  ): NodeStatus {
    if (isFulfilled(sg.phase)) {
      this.addStepsToScope(sgName, steps, scope);
      return sg;
    }
    const children: { node: NodeStatus; step: WorkflowStep; base: string }[] = [];
    for (const step of steps) {
      let expanded: WorkflowStep[];
      try {
        const resolved = this.substituteCall(step, scope) as WorkflowStep;
        expanded =
          resolved.withItems || resolved.withParam || resolved.withSequence
            ? this.expandItems(resolved, scope)
            : [resolved];
        if (
          expanded.length === 0 &&
          (resolved.withItems || resolved.withParam || resolved.withSequence)
        ) {
          const childName = `${sgName}.${step.name}`;
          const skipped =
            this.node(childName) ??
            this.initNode(childName, 'Skipped', 'Skipped', {
              boundaryID: stepsNode.id,
              home,
              call: step,
              message: 'Skipped, empty params',
            });
          this.addChild(sg, skipped);
          continue;
        }
      } catch (err) {
        const childName = `${sgName}.${step.name}`;
        const errored =
          this.node(childName) ??
          this.initNode(childName, 'Skipped', 'Error', {
            boundaryID: stepsNode.id,
            home,
            call: step,
            message: (err as Error).message,
          });
        this.addChild(sg, errored);
        return this.markPhase(
          sg,
          'Error',
          `step group deemed errored due to child ${childName} error: ${(err as Error).message}`,
        );
      }
      for (const s of expanded) {
        const childName = `${sgName}.${s.name}`;
        let when: boolean;
        try {
          when = shouldExecute(s.when);
        } catch (err) {
          const errored =
            this.node(childName) ??
            this.initNode(childName, 'Skipped', 'Error', {
              boundaryID: stepsNode.id,
              home,
              call: s,
              message: (err as Error).message,
            });
          this.addChild(sg, errored);
          return this.markPhase(sg, 'Error', (err as Error).message);
        }
        if (!when) {
          const skipped =
            this.node(childName) ??
            this.initNode(childName, 'Skipped', 'Skipped', {
              boundaryID: stepsNode.id,
              home,
              call: s,
              message: `when '${s.when}' evaluated false`,
            });
          this.addChild(sg, skipped);
          children.push({ node: skipped, step: s, base: step.name });
          continue;
        }
        const child = this.executeTemplate(
          childName,
          s,
          home,
          s.arguments ?? {},
          stepsNode.id,
          scope,
        );
        if (child) {
          this.addChild(sg, child);
          children.push({ node: child, step: s, base: step.name });
        }
      }
    }
    let complete = children.length === steps.length || this.allExpandedStarted(sg, steps);
    for (const { node, step } of children) {
      if (!isFulfilled(node.phase)) complete = false;
      else if (!this.exitHandlerDone(node, step, stepsNode.id, home, scope, 'steps'))
        complete = false;
    }
    if (!complete) return sg;
    for (const { node, step } of children) {
      if (isFailedOrError(node.phase) && !continuesOn(step, node.phase)) {
        return this.markPhase(sg, 'Failed', `child '${node.id}' failed`);
      }
    }
    this.addStepsToScope(sgName, steps, scope);
    return this.markPhase(sg, 'Succeeded');
  }

  private allExpandedStarted(sg: NodeStatus, steps: WorkflowStep[]): boolean {
    // Expanded loops add several children per step; the group is complete when every step has
    // at least one child node (parallelism may hold some back: then not every item exists).
    const names = new Set((sg.children ?? []).map((id) => this.nodes[id]?.displayName ?? ''));
    return steps.every((s) => [...names].some((n) => n === s.name || n.startsWith(`${s.name}(`)));
  }

  private addStepsToScope(sgName: string, steps: WorkflowStep[], scope: Scope): void {
    for (const step of steps) {
      const childName = `${sgName}.${step.name}`;
      const single = this.node(childName);
      if (single && !single.name.endsWith(')')) {
        this.addNodeToScope(scope, `steps.${step.name}`, single);
        continue;
      }
      // Loop items are the step group's children (not all nodes: that would cost every pass
      // the whole workflow).
      const group = this.node(sgName);
      const items = (group?.children ?? [])
        .map((id) => this.nodes[id])
        .filter(
          (n): n is NodeStatus =>
            n !== undefined &&
            n.name.startsWith(`${childName}(`) &&
            n.type !== 'Skipped' &&
            !n.name.slice(childName.length).includes('.'),
        );
      items.sort((a, b) => itemIndex(a.name) - itemIndex(b.name));
      this.addAggregateToScope(scope, `steps.${step.name}`, items);
      if (single) this.addNodeToScope(scope, `steps.${step.name}`, single);
    }
  }

  private addNodeToScope(scope: Scope, prefix: string, node: NodeStatus): void {
    scope[`${prefix}.id`] = node.id;
    scope[`${prefix}.status`] = node.phase;
    scope[`${prefix}.startedAt`] = node.startedAt;
    scope[`${prefix}.finishedAt`] = node.finishedAt ?? '';
    scope[`${prefix}.hostNodeName`] = node.hostNodeName ?? '';
    const outputs = node.outputs;
    if (!outputs) return;
    if (outputs.result !== undefined) scope[`${prefix}.outputs.result`] = outputs.result;
    if (outputs.exitCode !== undefined) scope[`${prefix}.exitCode`] = outputs.exitCode;
    for (const p of outputs.parameters ?? [])
      scope[`${prefix}.outputs.parameters.${p.name}`] = p.value ?? '';
    if (outputs.parameters)
      scope[`${prefix}.outputs.parameters`] = JSON.stringify(
        outputs.parameters.map((p) => ({ name: p.name, value: p.value })),
      );
    for (const a of outputs.artifacts ?? [])
      scope[`${prefix}.outputs.artifacts.${a.name}`] = a as unknown as Json;
  }

  /** Loop outputs: `outputs.result` as a JSON list, `outputs.parameters` as a list of maps. */
  private addAggregateToScope(scope: Scope, prefix: string, items: NodeStatus[]): void {
    const results: unknown[] = [];
    const params: Record<string, string>[] = [];
    for (const n of items) {
      if (n.outputs?.result !== undefined) results.push(parseMaybeJson(n.outputs.result));
      if (n.outputs?.parameters?.length)
        params.push(Object.fromEntries(n.outputs.parameters.map((p) => [p.name, p.value ?? ''])));
    }
    scope[`${prefix}.outputs.result`] = JSON.stringify(results);
    scope[`${prefix}.outputs.parameters`] = JSON.stringify(params);
    const names = new Set(params.flatMap((p) => Object.keys(p)));
    for (const name of names)
      scope[`${prefix}.outputs.parameters.${name}`] = JSON.stringify(params.map((p) => p[name]));
    const failed = items.some((n) => isFailedOrError(n.phase));
    scope[`${prefix}.status`] = failed ? 'Failed' : 'Succeeded';
  }

  private substituteCall(call: TemplateCall, scope: Scope): TemplateCall {
    const { inline, ...rest } = call;
    const full = { ...this.globals, ...scope };
    const out = replaceInValue(rest, full) as TemplateCall;
    if (inline) out.inline = inline;
    return out;
  }

  private expandItems(call: TemplateCall, scope: Scope): TemplateCall[] {
    let items: unknown[];
    if (call.withItems) items = call.withItems;
    else if (call.withParam !== undefined) {
      try {
        items = JSON.parse(call.withParam) as unknown[];
      } catch {
        throw new OperatorError(
          `withParam value could not be parsed as a JSON list: ${call.withParam.trim()}`,
        );
      }
      if (!Array.isArray(items))
        throw new OperatorError(`withParam value is not a JSON list: ${call.withParam.trim()}`);
    } else items = expandSequence(call.withSequence!);
    const { withItems: _i, withParam: _p, withSequence: _s, ...base } = call;
    return items.map((item, i) => {
      const local: Scope = {};
      let label: string;
      if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
        const entries = Object.entries(item as Record<string, unknown>);
        for (const [k, v] of entries) local[`item.${k}`] = goFormat(v);
        local['item'] = JSON.stringify(item);
        label = entries
          .map(([k, v]) => `${k}:${goFormat(v)}`)
          .sort()
          .join(',');
      } else if (Array.isArray(item)) {
        local['item'] = JSON.stringify(item);
        label = `[${item.map(goFormat).join(' ')}]`;
      } else {
        local['item'] = goFormat(item);
        label = goFormat(item);
      }
      const expanded = replaceInValue(base, {
        ...this.globals,
        ...scope,
        ...local,
      }) as TemplateCall;
      expanded.name = `${call.name}(${i}:${label})`;
      return expanded;
    });
  }

  /** A step's or task's exit handler (`onExit` or `hooks.exit`) has run when its node is done. */
  private exitHandlerDone(
    node: NodeStatus,
    call: TemplateCall,
    boundaryID: string,
    home: TemplateHome,
    scope: Scope,
    kind: 'steps' | 'tasks',
  ): boolean {
    const hook = call.hooks?.['exit'];
    const onExit = call.onExit;
    if (!hook && !onExit) return true;
    if (node.phase === 'Skipped' || node.phase === 'Omitted') return true;
    const exitName = `${node.name}.onExit`;
    const local: Scope = { ...scope };
    this.addNodeToScope(local, `${kind}.${displayNameOf(node.name)}`, node);
    this.addNodeToScope(local, `${kind}.${call.name}`, node);
    const exitCall: TemplateCall = hook
      ? {
          name: 'onExit',
          ...(hook.template ? { template: hook.template } : {}),
          ...(hook.templateRef ? { templateRef: hook.templateRef } : {}),
          ...(hook.arguments ? { arguments: hook.arguments } : {}),
        }
      : { name: 'onExit', template: onExit! };
    const resolved = replaceInValue(exitCall.arguments ?? {}, {
      ...this.globals,
      ...local,
    }) as TemplateCall['arguments'];
    const exitNode = this.executeTemplate(
      exitName,
      exitCall,
      home,
      resolved ?? {},
      boundaryID,
      local,
    );
    if (exitNode) {
      const parent = this.nodes[boundaryID];
      if (parent && !(parent.children ?? []).includes(exitNode.id)) {
        // Argo attaches a step's exit node under the step's own node.
        this.addChild(node, exitNode);
      }
    }
    return Boolean(exitNode && isFulfilled(exitNode.phase));
  }

  // --- DAG ---------------------------------------------------------------------------------

  private executeDag(
    nodeName: string,
    template: Template,
    home: TemplateHome,
    node: NodeStatus,
    local: Scope,
  ): NodeStatus {
    if (isFulfilled(node.phase)) return node;
    const tasks = template.dag?.tasks ?? [];
    const shape = dagShape(tasks);
    const { byName, logic, leaves } = shape;
    const targets = template.dag?.target
      ? template.dag.target.split(/\s+/).filter(Boolean)
      : leaves;
    const ctx: DagContext = {
      nodeName,
      node,
      template,
      home,
      byName,
      logic,
      visited: new Set(),
      failFast: template.dag?.failFast !== false && template.failFast !== false,
      local,
    };
    this.walkDagFrontier(ctx, shape, targets);
    // A task still running after this pass means the DAG is running: Argo's walk below would
    // stop at it too. Only the tasks this pass visited (the frontier) can be running.
    for (const visited of ctx.visited) {
      const task = this.node(`${nodeName}.${visited}`);
      if (task && !isFulfilled(task.phase)) return node;
    }
    const phase = this.assessDag(ctx, targets);
    if (phase === 'Running') return node;
    node.outboundNodes = targets.flatMap((t) => {
      const tn = this.node(`${nodeName}.${t}`);
      return tn ? this.outboundNodes(tn.id) : [];
    });
    if (phase !== 'Succeeded') return this.markPhase(node, phase, this.dagFailureMessage(ctx));
    const scope = this.dagScope(
      ctx,
      tasks.map((t) => t.name),
    );
    try {
      const outputs = this.templateOutputs(template, scope);
      if (outputs) node.outputs = outputs;
    } catch (err) {
      return this.markPhase(node, 'Error', (err as Error).message);
    }
    return this.markPhase(node, 'Succeeded');
  }

  private dagFailureMessage(ctx: DagContext): string {
    for (const t of ctx.byName.keys()) {
      const n = this.node(`${ctx.nodeName}.${t}`);
      if (n && isFailedOrError(n.phase) && n.message) return n.message;
    }
    return '';
  }

  private dagScope(ctx: DagContext, names: Iterable<string>): Scope {
    const scope: Scope = { ...ctx.local };
    for (const name of names) {
      const n = this.node(`${ctx.nodeName}.${name}`);
      if (!n) continue;
      if (n.type === 'TaskGroup') {
        const items = (n.children ?? [])
          .map((id) => this.nodes[id]!)
          .filter((c) => c && c.type !== 'Skipped');
        this.addAggregateToScope(scope, `tasks.${name}`, items);
        scope[`tasks.${name}.status`] = n.phase;
      } else this.addNodeToScope(scope, `tasks.${name}`, n);
    }
    return scope;
  }

  /**
   * The ancestors a task's own text refers to (`tasks.<name>`, `tasks['<name>']`): all Argo puts
   * in scope are ancestors, but only the referenced ones can matter, and collecting every ancestor
   * of every task makes a long chain quadratic.
   */
  private referencedAncestors(ctx: DagContext, name: string, task: DAGTask): string[] {
    const text = JSON.stringify(task);
    if (!text.includes('tasks')) return [];
    const referenced = new Set<string>();
    for (const m of text.matchAll(/tasks(?:\.([\w-]+)|\[\\?['"]([\w-]+)\\?['"]\])/g))
      referenced.add(m[1] ?? m[2]!);
    if (referenced.size === 0) return [];
    return this.ancestors(ctx, name).filter((a) => referenced.has(a));
  }

  private ancestors(ctx: DagContext, name: string): string[] {
    const seen = new Set<string>();
    const stack = [...(ctx.logic.get(name)?.dependencies ?? [])];
    while (stack.length) {
      const d = stack.pop()!;
      if (seen.has(d)) continue;
      seen.add(d);
      stack.push(...(ctx.logic.get(d)?.dependencies ?? []));
    }
    return [...seen];
  }

  /**
   * Argo walks a DAG back from its targets on every pass; that costs the whole DAG each time (a
   * 100,000-task chain would be quadratic). The same decisions are taken here from the frontier,
   * kept between passes: the unsettled tasks whose dependencies have all started (a task can
   * only start once they are fulfilled, so no other task can change). A task that starts opens
   * its dependents; a task that settles leaves, and its failure is remembered for failFast.
   */
  private walkDagFrontier(ctx: DagContext, shape: DagShape, targets: string[]): void {
    const dagId = ctx.node.id;
    const settled = (this.state.settled[dagId] ??= {});
    const relevant = relevantTasks(shape, targets);
    const frontier = (this.state.dagFrontier[dagId] ??= this.initialFrontier(ctx, relevant));
    const failed = (this.state.dagFailed[dagId] ??= {});
    const started = (name: string) => this.taskStarted(ctx, name);
    const work = Object.keys(frontier);
    for (let i = 0; i < work.length; i++) {
      const name = work[i]!;
      this.executeDagTask(ctx, name);
      if (frontier[name] === 1 && (settled[name] || started(name))) {
        frontier[name] = 2;
        for (const d of shape.dependents.get(name) ?? []) {
          if (frontier[d] || settled[d] || !relevant.has(d)) continue;
          if (ctx.logic.get(d)!.dependencies.every(started)) {
            frontier[d] = 1;
            work.push(d);
          }
        }
      }
      if (settled[name]) {
        delete frontier[name];
        const n = this.node(`${ctx.nodeName}.${name}`);
        if (n && isFailedOrError(n.phase)) failed[name] = 1;
      }
    }
  }

  private taskStarted(ctx: DagContext, name: string): boolean {
    return Boolean(this.node(`${ctx.nodeName}.${name}`));
  }

  /** The frontier of a DAG met for the first time (or from a snapshot that predates it). */
  private initialFrontier(ctx: DagContext, relevant: Set<string>): Record<string, 1 | 2> {
    const settled = this.state.settled[ctx.node.id] ?? {};
    const started = (name: string) => this.taskStarted(ctx, name);
    const frontier: Record<string, 1 | 2> = {};
    for (const name of relevant) {
      if (!settled[name] && ctx.logic.get(name)!.dependencies.every(started)) frontier[name] = 1;
    }
    return frontier;
  }

  private executeDagTask(ctx: DagContext, name: string): void {
    if (ctx.visited.has(name)) return;
    ctx.visited.add(name);
    // A settled task (fulfilled, its exit handler done) never changes again, nor do the tasks it
    // depends on: the walk stops there, so a pass costs the DAG's frontier, not its size.
    const settled = (this.state.settled[ctx.node.id] ??= {});
    if (settled[name]) return;
    const task = ctx.byName.get(name);
    if (!task) return;
    const taskName = `${ctx.nodeName}.${name}`;
    const existing = this.node(taskName);
    if (existing && isFulfilled(existing.phase)) {
      const hasExitHandler = Boolean(task.hooks?.['exit'] || task.onExit);
      if (
        existing.type === 'TaskGroup' ||
        !hasExitHandler ||
        this.exitHandlerDone(
          existing,
          task,
          ctx.node.id,
          ctx.home,
          this.dagScope(ctx, this.ancestors(ctx, name)),
          'tasks',
        )
      ) {
        settled[name] = 1;
        if (isFailedOrError(existing.phase)) ctx.hasFailure = undefined;
      }
      return;
    }
    const deps = ctx.logic.get(name)!.dependencies;
    // Argo stops starting new tasks once a task failed, unless failFast is false.
    if (!existing && ctx.failFast && this.dagHasFailure(ctx)) {
      for (const d of deps) this.executeDagTask(ctx, d);
      return;
    }
    const connect = (child: NodeStatus) => {
      if (deps.length === 0) this.addChild(ctx.node, child);
      for (const d of deps) {
        const dn = this.node(`${ctx.nodeName}.${d}`);
        if (!dn) continue;
        for (const o of this.outboundNodes(dn.id)) this.addChild(this.nodes[o]!, child);
      }
    };
    if (!existing && deps.length) {
      for (const d of deps) this.executeDagTask(ctx, d);
      const results = new Map<string, TaskResults>();
      for (const d of deps) {
        const dn = this.node(`${ctx.nodeName}.${d}`);
        if (!dn || !isFulfilled(dn.phase)) return;
        const dt = ctx.byName.get(d);
        if (
          dt &&
          (dt.hooks?.['exit'] || dt.onExit) &&
          dn.phase !== 'Skipped' &&
          dn.phase !== 'Omitted'
        ) {
          const exitNode = this.node(`${dn.name}.onExit`);
          if (!exitNode || !isFulfilled(exitNode.phase)) return;
        }
        results.set(d, taskResults(dn, this.nodes));
      }
      let execute: boolean;
      try {
        execute = evaluateDependsExpr(ctx.logic.get(name)!.logic, results);
      } catch (err) {
        const errored = this.initNode(taskName, 'Skipped', 'Error', {
          boundaryID: ctx.node.id,
          home: ctx.home,
          call: task,
          message: (err as Error).message,
        });
        connect(errored);
        return;
      }
      if (!execute) {
        const omitted = this.initNode(taskName, 'Skipped', 'Omitted', {
          boundaryID: ctx.node.id,
          home: ctx.home,
          call: task,
          message: 'omitted: depends condition not met',
        });
        connect(omitted);
        return;
      }
    }
    const scope = this.dagScope(ctx, this.referencedAncestors(ctx, name, task));
    let resolved: DAGTask;
    let expanded: DAGTask[];
    const cacheKey = `${this.state.uid}/${this.state.name}/${taskName}`;
    try {
      // A started loop's items do not change (its inputs are settled): expand them once.
      const cached = existing ? expansions.get(cacheKey) : undefined;
      resolved = cached?.resolved ?? (this.substituteCall(task, scope) as DAGTask);
      expanded =
        cached?.expanded ??
        (resolved.withItems || resolved.withParam !== undefined || resolved.withSequence
          ? (this.expandItems(resolved, scope) as DAGTask[])
          : [resolved]);
      if (!cached) rememberExpansion(cacheKey, resolved, expanded);
    } catch (err) {
      const errored =
        existing ??
        this.initNode(taskName, 'Skipped', 'Error', {
          boundaryID: ctx.node.id,
          home: ctx.home,
          call: task,
          message: (err as Error).message,
        });
      if (!existing) connect(errored);
      return;
    }
    const isLoop = Boolean(task.withItems || task.withParam !== undefined || task.withSequence);
    let group: NodeStatus | undefined;
    if (isLoop) {
      if (expanded.length === 0) {
        if (!existing)
          connect(
            this.initNode(taskName, 'Skipped', 'Skipped', {
              boundaryID: ctx.node.id,
              home: ctx.home,
              call: task,
              message: 'Skipped, empty params',
            }),
          );
        return;
      }
      group = existing;
      if (!group) {
        group = this.initNode(taskName, 'TaskGroup', 'Running', {
          boundaryID: ctx.node.id,
          home: ctx.home,
          call: task,
        });
        connect(group);
      }
    }
    if (!group) {
      // Not a loop: the one call, every pass.
      this.runDagCall(ctx, expanded[0]!, scope, group, connect);
      return;
    }
    // A loop's items are visited once each on the way (`next`), then only while open: a pass
    // costs the items in flight, not the loop's size (a 100,000-item fan-out).
    const loop = ((this.state.loops ??= {})[group.id] ??= { next: 0, open: [] });
    loop.open = loop.open.filter(
      (i) => this.runDagCall(ctx, expanded[i]!, scope, group, connect) === 'open',
    );
    while (loop.next < expanded.length) {
      const outcome = this.runDagCall(ctx, expanded[loop.next]!, scope, group, connect);
      if (outcome === 'blocked') break;
      if (outcome === 'open') loop.open.push(loop.next);
      loop.next++;
    }
    if (loop.next < expanded.length || loop.open.length) return;
    const children = (group.children ?? []).map((id) => this.nodes[id]!);
    if (children.some((c) => !isFulfilled(c.phase))) return;
    const failed = children.find((c) => isFailedOrError(c.phase));
    this.markPhase(group, failed ? failed.phase : 'Succeeded');
  }

  /**
   * One call of a DAG task (the task, or one item of its loop): `done` once it and its exit
   * handler are fulfilled, `open` while running, `blocked` when it cannot start yet (parallelism
   * or this pass's pod budget).
   */
  private runDagCall(
    ctx: DagContext,
    t: DAGTask,
    scope: Scope,
    group: NodeStatus | undefined,
    connect: (child: NodeStatus) => void,
  ): 'done' | 'open' | 'blocked' {
    const parallelism = ctx.template.parallelism;
    const childName = `${ctx.nodeName}.${t.name}`;
    let child = this.node(childName);
    if (!child) {
      if (parallelism !== undefined && this.runningInBoundary(ctx.node.id) >= parallelism)
        return 'blocked';
      let when: boolean;
      try {
        when = shouldExecute(t.when);
      } catch (err) {
        child = this.initNode(childName, 'Skipped', 'Error', {
          boundaryID: ctx.node.id,
          home: ctx.home,
          call: t,
          message: (err as Error).message,
        });
        if (group) this.addChild(group, child);
        else connect(child);
        return 'done';
      }
      if (!when) {
        child = this.initNode(childName, 'Skipped', 'Skipped', {
          boundaryID: ctx.node.id,
          home: ctx.home,
          call: t,
          message: `when '${t.when}' evaluated false`,
        });
        if (group) this.addChild(group, child);
        else connect(child);
        return 'done';
      }
    }
    const executed = this.executeTemplate(
      childName,
      t,
      ctx.home,
      t.arguments ?? {},
      ctx.node.id,
      scope,
    );
    if (!executed) return 'blocked';
    if (!child) {
      if (group) this.addChild(group, executed);
      else connect(executed);
    }
    if (!isFulfilled(executed.phase)) return 'open';
    return this.exitHandlerDone(executed, t, ctx.node.id, ctx.home, scope, 'tasks')
      ? 'done'
      : 'open';
  }

  private runningInBoundary(boundaryId: string): number {
    let n = 0;
    for (const node of Object.values(this.nodes)) {
      if (
        node.boundaryID === boundaryId &&
        (node.type === 'Pod' ||
          node.type === 'Retry' ||
          node.type === 'Steps' ||
          node.type === 'DAG') &&
        !isFulfilled(node.phase)
      )
        n++;
    }
    return n;
  }

  /** Computed once per pass and DAG, as Argo evaluates it once per reconciliation. */
  private dagHasFailure(ctx: DagContext): boolean {
    if (ctx.hasFailure === undefined) ctx.hasFailure = this.findDagFailure(ctx);
    return ctx.hasFailure;
  }

  private findDagFailure(ctx: DagContext): boolean {
    // Only started tasks can have failed: the frontier's, and the settled ones remembered.
    const candidates = new Set([
      ...Object.keys(this.state.dagFrontier[ctx.node.id] ?? {}),
      ...Object.keys(this.state.dagFailed[ctx.node.id] ?? {}),
    ]);
    for (const name of candidates) {
      const task = ctx.byName.get(name);
      if (!task) continue;
      const n = this.node(`${ctx.nodeName}.${name}`);
      if (
        n &&
        isFailedOrError(n.phase) &&
        !continuesOn(task, n.phase) &&
        !this.failureHandled(ctx, name)
      )
        return true;
    }
    return false;
  }

  /** A failed task some other task depends on by result (`A.Failed`) is handled, not fatal. */
  private failureHandled(ctx: DagContext, name: string): boolean {
    for (const [other, logic] of ctx.logic) {
      if (
        other !== name &&
        logic.dependencies.includes(name) &&
        /\.(Failed|Errored|AllFailed)\b/.test(ctx.byName.get(other)?.depends ?? '')
      )
        return true;
    }
    return false;
  }

  /** Argo's assessDAGPhase: walk from the DAG's children, carrying branch phases to the targets. */
  private assessDag(ctx: DagContext, targets: string[]): NodePhase {
    if (this.spec.shutdown) {
      const anyRunning = [...ctx.byName.keys()].some((t) => {
        const n = this.node(`${ctx.nodeName}.${t}`);
        return n && !isFulfilled(n.phase);
      });
      if (!anyRunning) return 'Failed';
    }
    const targetIds = new Map(
      targets.map((t) => [nodeId(this.state.name, `${ctx.nodeName}.${t}`), '' as NodePhase | '']),
    );
    const queue: { id: string; phase: NodePhase }[] = (ctx.node.children ?? []).map((id) => ({
      id,
      phase: 'Succeeded' as NodePhase,
    }));
    const seen = new Set<string>();
    // An index, not shift(): shifting makes the walk quadratic in a wide DAG.
    for (let head = 0; head < queue.length; head++) {
      const { id, phase } = queue[head]!;
      const key = `${id}/${phase}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const n = this.nodes[id];
      if (!n) return 'Running';
      let branch = phase;
      if (!isFulfilled(n.phase)) return 'Running';
      branch = n.phase;
      if (targetIds.has(id)) {
        const prev = targetIds.get(id)!;
        if (!(prev && isFailedOrError(prev as NodePhase))) targetIds.set(id, branch);
      }
      const next =
        n.type === 'Retry'
          ? (n.children ?? []).slice(-1).flatMap((c) => this.nodes[c]?.children ?? [])
          : (n.children ?? []);
      for (const c of next) queue.push({ id: c, phase: branch });
    }
    let result: NodePhase = 'Succeeded';
    for (const t of targets) {
      const p = targetIds.get(nodeId(this.state.name, `${ctx.nodeName}.${t}`));
      if (!p) {
        // A target no branch reached: it will never run once a failure stopped the DAG.
        if (ctx.failFast && this.dagHasFailure(ctx)) {
          result = this.dagFailurePhase(ctx);
          break;
        }
        result = 'Running';
        continue;
      }
      if (isFailedOrError(p)) {
        const task = ctx.byName.get(t);
        if (task && continuesOn(task, p)) continue;
        result = p;
        if (ctx.failFast) break;
      }
    }
    return result;
  }

  private dagFailurePhase(ctx: DagContext): NodePhase {
    for (const name of ctx.byName.keys()) {
      const n = this.node(`${ctx.nodeName}.${name}`);
      if (n && isFailedOrError(n.phase)) return n.phase;
    }
    return 'Failed';
  }

  private outboundNodes(id: string): string[] {
    const n = this.nodes[id];
    if (!n) return [];
    if (
      n.type === 'Pod' ||
      n.type === 'Skipped' ||
      n.type === 'Suspend' ||
      n.type === 'Container' ||
      n.type === 'HTTP'
    )
      return [id];
    if (n.type === 'TaskGroup' || n.type === 'StepGroup') {
      const out = (n.children ?? []).flatMap((c) => this.outboundNodes(c));
      return out.length ? out : [id];
    }
    if (n.type === 'Retry') {
      const last = (n.children ?? []).at(-1);
      return last ? this.outboundNodes(last) : [id];
    }
    return n.outboundNodes?.length ? n.outboundNodes : [id];
  }

  // --- outputs -----------------------------------------------------------------------------

  /** A steps / DAG template's outputs from `valueFrom.parameter` / `expression` / `from`. */
  private templateOutputs(template: Template, scope: Scope): NodeOutputs | undefined {
    const out = template.outputs;
    if (!out) return undefined;
    const full = { ...this.globals, ...scope };
    const outputs: NodeOutputs = {};
    for (const p of out.parameters ?? []) {
      let value: string | undefined;
      if (p.valueFrom?.parameter) {
        try {
          value = replaceInString(p.valueFrom.parameter, full, { strict: true });
        } catch (err) {
          value = scalarString(p.valueFrom.default);
          if (value === undefined) throw err;
        }
      } else if (p.valueFrom?.expression)
        value = stringify(evaluateExpr(p.valueFrom.expression, expressionEnv(full)));
      else if (p.value !== undefined) value = replaceInString(scalarString(p.value)!, full);
      else value = scalarString(p.valueFrom?.default);
      const param: NodeParameter = { name: p.name, ...(value !== undefined ? { value } : {}) };
      if (p.globalName) {
        param.globalName = p.globalName;
        this.setGlobalOutput(p.globalName, value ?? '');
      }
      (outputs.parameters ??= []).push(param);
    }
    for (const a of out.artifacts ?? []) {
      if (!a.from && !a.fromExpression) continue;
      const found = a.from
        ? full[a.from.replace(/^\{\{\s*|\s*\}\}$/g, '')]
        : evaluateExpr(a.fromExpression!, expressionEnv(full));
      if (!found || typeof found !== 'object') {
        if (a.optional) continue;
        throw new OperatorError(
          `unable to resolve outputs from scope: ${a.from ?? a.fromExpression}`,
        );
      }
      const art = { ...(found as NodeArtifact), name: a.name };
      if (a.globalName) this.setGlobalArtifact(a.globalName, art);
      (outputs.artifacts ??= []).push(art);
    }
    return outputs.parameters || outputs.artifacts ? outputs : undefined;
  }

  setGlobalOutput(name: string, value: string): void {
    recordGlobalParameter(this.state, name, value);
    this.globals[`workflow.outputs.parameters.${name}`] = value;
  }

  setGlobalArtifact(name: string, artifact: NodeArtifact): void {
    this.globals[`workflow.outputs.artifacts.${name}`] = recordGlobalArtifact(
      this.state,
      name,
      artifact,
    );
  }

  // --- timers ------------------------------------------------------------------------------

  private armTimer(timerId: string, fireAt: number): void {
    const current = this.state.timers[timerId];
    if (current && current.fireAt === fireAt && !current.fired) return;
    this.actions.push({ kind: 'timer', effect: armTimer(this.state, timerId, fireAt) });
  }

  private armPoll(): void {
    const current = this.state.timers['poll'];
    if (current && !current.fired && current.fireAt > this.now) return;
    this.armTimer('poll', this.now + this.state.pollBackoffMs);
  }

  private pvc(claim: { metadata: { name: string }; spec?: JsonObject }): JsonObject {
    return {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: `${this.state.name}-${claim.metadata.name}`,
        namespace: this.state.namespace,
        labels: { 'workflows.argoproj.io/workflow': this.state.name },
      },
      spec: claim.spec ?? {},
    };
  }
}

interface DagContext {
  nodeName: string;
  node: NodeStatus;
  template: Template;
  home: TemplateHome;
  byName: Map<string, DAGTask>;
  logic: Map<string, ReturnType<typeof dependsLogic>>;
  visited: Set<string>;
  failFast: boolean;
  /** The DAG template's own inputs (`{{inputs.parameters.x}}` in its tasks). */
  local: Scope;
  hasFailure?: boolean;
}

/** Children arrays' ids as sets (derived; an array replaced by a new one gets a new set). */
const childSets = new WeakMap<string[], Set<string>>();

/** Loop expansions of started DAG tasks, by workflow and node (derived data; bounded). */
const expansions = new Map<string, { resolved: DAGTask; expanded: DAGTask[] }>();

function rememberExpansion(key: string, resolved: DAGTask, expanded: DAGTask[]): void {
  expansions.set(key, { resolved, expanded });
  if (expansions.size > 2_000) expansions.delete(expansions.keys().next().value as string);
}

/** A DAG's tasks by name, their dependencies, dependents and leaves. */
interface DagShape {
  byName: Map<string, DAGTask>;
  logic: Map<string, ReturnType<typeof dependsLogic>>;
  dependents: Map<string, string[]>;
  leaves: string[];
  /** Tasks the targets need (themselves and their ancestors), by target list. */
  relevant: Map<string, Set<string>>;
}

/** Derived once per template. */
const dagShapes = new WeakMap<DAGTask[], DagShape>();

function dagShape(tasks: DAGTask[]): DagShape {
  let shape = dagShapes.get(tasks);
  if (!shape) {
    const byName = new Map(tasks.map((t) => [t.name, t]));
    const logic = new Map(tasks.map((t) => [t.name, dependsLogic(t, byName)]));
    const dependents = new Map<string, string[]>();
    for (const [name, l] of logic) {
      for (const d of l.dependencies) dependents.set(d, [...(dependents.get(d) ?? []), name]);
    }
    shape = { byName, logic, dependents, leaves: leafTasks(tasks, logic), relevant: new Map() };
    dagShapes.set(tasks, shape);
  }
  return shape;
}

function relevantTasks(shape: DagShape, targets: string[]): Set<string> {
  const id = targets.join(' ');
  let relevant = shape.relevant.get(id);
  if (!relevant) {
    relevant = new Set();
    const stack = targets.filter((t) => shape.byName.has(t));
    while (stack.length) {
      const name = stack.pop()!;
      if (relevant.has(name)) continue;
      relevant.add(name);
      stack.push(...(shape.logic.get(name)?.dependencies ?? []));
    }
    shape.relevant.set(id, relevant);
  }
  return relevant;
}

function leafTasks(
  tasks: DAGTask[],
  logic: Map<string, ReturnType<typeof dependsLogic>>,
): string[] {
  const depended = new Set<string>();
  for (const l of logic.values()) for (const d of l.dependencies) depended.add(d);
  return tasks.map((t) => t.name).filter((n) => !depended.has(n));
}

function taskResults(node: NodeStatus, nodes: Record<string, NodeStatus>): TaskResults {
  let anySucceeded = false;
  let allFailed = false;
  if (node.type === 'TaskGroup') {
    const children = (node.children ?? [])
      .map((id) => nodes[id])
      .filter((c): c is NodeStatus => Boolean(c));
    allFailed = children.length > 0;
    for (const c of children) {
      anySucceeded ||= c.phase === 'Succeeded';
      allFailed &&= c.phase === 'Failed';
    }
  }
  return {
    Succeeded: node.phase === 'Succeeded',
    Failed: node.phase === 'Failed',
    Errored: node.phase === 'Error',
    Skipped: node.phase === 'Skipped',
    Omitted: node.phase === 'Omitted',
    Daemoned: Boolean(node.daemoned) && node.phase !== 'Pending',
    AnySucceeded: anySucceeded,
    AllFailed: allFailed,
  };
}

export function evaluateDependsExpr(
  logic: string,
  results: ReadonlyMap<string, TaskResults>,
): boolean {
  const env: Record<string, unknown> = {};
  for (const [name, r] of results) env[name.replaceAll('-', '_')] = r;
  const value = evaluateExpr(logic.replaceAll('-', '_'), env);
  if (typeof value !== 'boolean')
    throw new OperatorError(`depends '${logic}' did not evaluate to a boolean`);
  return value;
}

/** Argo's `when`: govaluate with bare words read as strings. */
export function shouldExecute(when: string | undefined): boolean {
  if (!when) return true;
  let value: unknown;
  try {
    value = evaluateGovaluate(when, {}, { variablesAsStrings: true });
  } catch (err) {
    throw new OperatorError(
      `Invalid 'when' expression '${when}': ${(err as Error).message} (hint: try wrapping the affected expression in quotes ("))`,
    );
  }
  if (typeof value !== 'boolean')
    throw new OperatorError(`Expected boolean evaluation for '${when}'. Got ${String(value)}`);
  return value;
}

function continuesOn(call: TemplateCall, phase: NodePhase): boolean {
  if (!call.continueOn) return false;
  return (
    (phase === 'Failed' && call.continueOn.failed === true) ||
    (phase === 'Error' && call.continueOn.error === true)
  );
}

function workflowPhaseOf(phase: NodePhase): 'Succeeded' | 'Failed' | 'Error' {
  if (phase === 'Error') return 'Error';
  if (phase === 'Failed') return 'Failed';
  return 'Succeeded';
}

export function isWorkflowDone(phase: WorkflowStatus['phase']): boolean {
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Error';
}

function displayNameOf(name: string): string {
  // The last segment after a '.' not inside parentheses or brackets.
  let depth = 0;
  for (let i = name.length - 1; i >= 0; i--) {
    const c = name[i];
    if (c === ')' || c === ']') depth++;
    else if (c === '(' || c === '[') depth--;
    else if (c === '.' && depth === 0) return name.slice(i + 1);
  }
  return name;
}

function itemIndex(name: string): number {
  const m = /\((\d+)(:[^)]*)?\)$/.exec(name);
  return m ? Number(m[1]) : 0;
}

function goFormat(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function stringify(v: unknown): string {
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

export function expandSequence(seq: {
  count?: unknown;
  start?: unknown;
  end?: unknown;
  format?: string;
}): string[] {
  const num = (v: unknown, field: string) => {
    const n = Number(v);
    if (!Number.isInteger(n))
      throw new OperatorError(`withSequence.${field} "${String(v)}" is not an integer`);
    return n;
  };
  if (seq.count !== undefined && seq.end !== undefined)
    throw new OperatorError('withSequence: only one of count or end can be defined');
  const start = seq.start === undefined ? 0 : num(seq.start, 'start');
  let values: number[];
  if (seq.count !== undefined) {
    const count = num(seq.count, 'count');
    values = Array.from({ length: count }, (_, i) => start + i);
  } else {
    const end = seq.end === undefined ? 0 : num(seq.end, 'end');
    values = [];
    if (start <= end) for (let i = start; i <= end; i++) values.push(i);
    else for (let i = start; i >= end; i--) values.push(i);
  }
  return values.map((v) => (seq.format ? goSprintf(seq.format, v) : String(v)));
}

function goSprintf(format: string, value: number): string {
  return format.replace(/%(0?)(\d*)([dxXos])/, (_m, zero: string, width: string, verb: string) => {
    let s =
      verb === 'x'
        ? value.toString(16)
        : verb === 'X'
          ? value.toString(16).toUpperCase()
          : verb === 'o'
            ? value.toString(8)
            : String(value);
    if (width) s = s.padStart(Number(width), zero ? '0' : ' ');
    return s;
  });
}

export function durationMs(v: unknown): number {
  if (typeof v === 'number') return v * 1000;
  const text = String(v).trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Argo also accepts days ("1d").
  const days = /^(\d+)d(.*)$/.exec(text);
  if (days) return Number(days[1]) * 86_400_000 + (days[2] ? parseGoDuration(days[2]) : 0);
  return parseGoDuration(text);
}

function humanDuration(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s} seconds`;
  const m = Math.round(s / 60);
  return m === 1 ? '1 minute' : `${m} minutes`;
}

function pickLocation(a: Artifact): Partial<NodeArtifact> | undefined {
  for (const k of [
    'raw',
    's3',
    'http',
    'git',
    'gcs',
    'artifactory',
    'azure',
    'hdfs',
    'oss',
    'plugin',
  ] as const) {
    if (a[k]) return { [k]: a[k] as Json } as Partial<NodeArtifact>;
  }
  const key = (a as { key?: string }).key;
  if (key) return { s3: { key } };
  return undefined;
}

function strftimeParts(d: Date): Record<string, string> {
  const pad = (n: number) => String(n).padStart(2, '0');
  const days = WEEKDAY_NAMES;
  const months = MONTH_NAMES;
  return {
    Y: String(d.getUTCFullYear()),
    y: pad(d.getUTCFullYear() % 100),
    m: pad(d.getUTCMonth() + 1),
    d: pad(d.getUTCDate()),
    H: pad(d.getUTCHours()),
    M: pad(d.getUTCMinutes()),
    S: pad(d.getUTCSeconds()),
    j: String(
      Math.floor(
        (Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) -
          Date.UTC(d.getUTCFullYear(), 0, 0)) /
          86_400_000,
      ),
    ).padStart(3, '0'),
    A: days[d.getUTCDay()]!,
    a: days[d.getUTCDay()]!.slice(0, 3),
    B: months[d.getUTCMonth()]!,
    b: months[d.getUTCMonth()]!.slice(0, 3),
    e: String(d.getUTCDate()).padStart(2, ' '),
    s: String(Math.floor(d.getTime() / 1000)),
  };
}

function deepMerge(base: JsonObject, over: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      b &&
      v &&
      typeof b === 'object' &&
      typeof v === 'object' &&
      !Array.isArray(b) &&
      !Array.isArray(v)
        ? deepMerge(b as JsonObject, v as JsonObject)
        : v;
  }
  return out;
}

/** Our multi-cluster extension: a template or workflow may name a registered cluster. */
export const CLUSTER_ANNOTATION = 'workflows.argo-serverless.dev/cluster';

function clusterOf(
  template: Template,
  spec: { podMetadata?: { annotations?: Record<string, string> } },
): string | undefined {
  return (
    template.metadata?.annotations?.[CLUSTER_ANNOTATION] ??
    spec.podMetadata?.annotations?.[CLUSTER_ANNOTATION]
  );
}
