/**
 * `argo lint` for Workflow, WorkflowTemplate, ClusterWorkflowTemplate and CronWorkflow: Argo's
 * schema (strict: unknown fields are errors) plus the checks Argo's validator makes: template
 * types and names, references (templates, templateRef, workflowTemplateRef, entrypoint, onExit,
 * DAG dependencies and targets, cycles), variables (`{{inputs.parameters.x}}`,
 * `{{workflow.parameters.x}}`, `{{steps.x...}}`, `{{tasks.x...}}`), required arguments, volumes.
 * Every issue names its field path.
 */
import { checkAgainstSchema } from './schema.js';
import { dependsLogic } from './depends.js';
import { parseCronSchedule } from './cron.js';
import type { CronWorkflowSpec, DAGTask, Template, TemplateCall, WorkflowSpec } from './types.js';
import { templateTypes, WORKFLOW_KINDS } from './types.js';

export interface LintIssue {
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

export interface LintOptions {
  /** Argo's default: unknown fields are errors. false: warnings. */
  strict?: boolean;
}

interface LintObject {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: {
    name?: string;
    namespace?: string;
    generateName?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: unknown;
}

/** WorkflowTemplates (by namespace/name) and ClusterWorkflowTemplates (by name) refs resolve against. */
export interface TemplateLibrary {
  workflowTemplate(namespace: string, name: string): WorkflowSpec | undefined;
  clusterWorkflowTemplate(name: string): WorkflowSpec | undefined;
  /** References cannot be checked here (the templates live elsewhere): skip those checks. */
  opaque?: boolean;
}

/** For validating one object alone (API apply): references are checked when the workflow runs. */
export const OPAQUE_LIBRARY: TemplateLibrary = {
  workflowTemplate: () => undefined,
  clusterWorkflowTemplate: () => undefined,
  opaque: true,
};

export function libraryOf(objects: readonly unknown[]): TemplateLibrary {
  const namespaced = new Map<string, WorkflowSpec>();
  const cluster = new Map<string, WorkflowSpec>();
  const names = new Map<string, WorkflowSpec>();
  for (const o of objects as LintObject[]) {
    if (!o || typeof o !== 'object' || !o.metadata?.name) continue;
    if (o.kind === 'WorkflowTemplate') {
      namespaced.set(`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o.spec as WorkflowSpec);
      names.set(o.metadata.name, o.spec as WorkflowSpec);
    }
    if (o.kind === 'ClusterWorkflowTemplate') cluster.set(o.metadata.name, o.spec as WorkflowSpec);
  }
  return {
    // A template written without a namespace is found from any namespace (files linted together).
    workflowTemplate: (ns, name) =>
      namespaced.get(`${ns}/${name}`) ?? namespaced.get(`/${name}`) ?? names.get(name),
    clusterWorkflowTemplate: (name) => cluster.get(name),
  };
}

export function lintObject(
  object: unknown,
  library: TemplateLibrary,
  options: LintOptions = {},
): LintIssue[] {
  const strict = options.strict ?? true;
  const o = object as LintObject;
  if (
    !o ||
    typeof o !== 'object' ||
    typeof o.kind !== 'string' ||
    !WORKFLOW_KINDS.includes(o.kind)
  ) {
    return [
      {
        path: 'kind',
        message: `not an Argo Workflows kind (${WORKFLOW_KINDS.join(', ')})`,
        severity: 'error',
      },
    ];
  }
  const issues: LintIssue[] = checkAgainstSchema(object, o.kind, strict);
  if (issues.some((i) => i.severity === 'error')) return issues;
  if (!o.spec || typeof o.spec !== 'object') {
    issues.push({ path: 'spec', message: 'required field is missing', severity: 'error' });
    return issues;
  }
  const namespace = o.metadata?.namespace ?? 'default';
  if (o.kind === 'CronWorkflow') {
    const cron = o.spec as CronWorkflowSpec;
    lintCron(cron, issues);
    if (cron.workflowSpec) {
      new SpecLinter(
        cron.workflowSpec,
        'spec.workflowSpec',
        namespace,
        library,
        issues,
        'Workflow',
        o.metadata,
      ).run();
    }
  } else {
    new SpecLinter(
      o.spec as WorkflowSpec,
      'spec',
      namespace,
      library,
      issues,
      o.kind,
      o.metadata,
    ).run();
  }
  return issues;
}

function lintCron(spec: CronWorkflowSpec, issues: LintIssue[]): void {
  const schedules = [...(spec.schedule ? [spec.schedule] : []), ...(spec.schedules ?? [])];
  if (schedules.length === 0)
    issues.push({
      path: 'spec.schedules',
      message: 'a schedule or schedules is required',
      severity: 'error',
    });
  schedules.forEach((s, i) => {
    try {
      parseCronSchedule(s);
    } catch (err) {
      const path =
        spec.schedule === s && i === 0
          ? 'spec.schedule'
          : `spec.schedules[${i - (spec.schedule ? 1 : 0)}]`;
      issues.push({
        path,
        message: `cron schedule ${s} is malformed: ${(err as Error).message}`,
        severity: 'error',
      });
    }
  });
  if (spec.timezone) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: spec.timezone });
    } catch {
      issues.push({
        path: 'spec.timezone',
        message: `invalid timezone "${spec.timezone}"`,
        severity: 'error',
      });
    }
  }
  if (spec.concurrencyPolicy && !['Allow', 'Forbid', 'Replace'].includes(spec.concurrencyPolicy)) {
    issues.push({
      path: 'spec.concurrencyPolicy',
      message: `'${spec.concurrencyPolicy}' is not a valid concurrencyPolicy`,
      severity: 'error',
    });
  }
  if (spec.startingDeadlineSeconds !== undefined && spec.startingDeadlineSeconds < 0) {
    issues.push({
      path: 'spec.startingDeadlineSeconds',
      message: 'startingDeadlineSeconds must be positive',
      severity: 'error',
    });
  }
  if (!spec.workflowSpec)
    issues.push({
      path: 'spec.workflowSpec',
      message: 'required field is missing',
      severity: 'error',
    });
}

const NAME = /^[a-zA-Z0-9][-a-zA-Z0-9_]*$/;
const TAG = /\{\{\s*([^=][^}]*?)\s*\}\}/g;
const WORKFLOW_VARIABLES = new Set([
  'workflow.name',
  'workflow.namespace',
  'workflow.uid',
  'workflow.serviceAccountName',
  'workflow.mainEntrypoint',
  'workflow.parameters',
  'workflow.parameters.json',
  'workflow.annotations',
  'workflow.annotations.json',
  'workflow.labels',
  'workflow.labels.json',
  'workflow.status',
  'workflow.failures',
  'workflow.duration',
  'workflow.priority',
  'workflow.creationTimestamp',
  'workflow.scheduledTime',
  'workflow.outputs',
]);

class SpecLinter {
  private readonly templates = new Map<string, { template: Template; index: number }>();
  private readonly globalParams = new Set<string>();
  private readonly volumes = new Set<string>();

  constructor(
    private readonly spec: WorkflowSpec,
    private readonly base: string,
    private readonly namespace: string,
    private readonly library: TemplateLibrary,
    private readonly issues: LintIssue[],
    private readonly kind: string,
    private readonly metadata: LintObject['metadata'],
  ) {}

  private error(path: string, message: string): void {
    this.issues.push({ path, message, severity: 'error' });
  }

  run(): void {
    const { spec, base } = this;
    const templates = spec.templates ?? [];
    const referenced = spec.workflowTemplateRef
      ? spec.workflowTemplateRef.clusterScope
        ? this.library.clusterWorkflowTemplate(spec.workflowTemplateRef.name)
        : this.library.workflowTemplate(this.namespace, spec.workflowTemplateRef.name)
      : undefined;
    if (spec.workflowTemplateRef) {
      if (templates.length > 0) {
        this.error(
          `${base}.templates`,
          'Templates is invalid field in spec if workflow referred WorkflowTemplate reference',
        );
      }
      if (!referenced) {
        if (this.library.opaque) return;
        const kind = spec.workflowTemplateRef.clusterScope
          ? 'ClusterWorkflowTemplate'
          : 'WorkflowTemplate';
        this.error(
          `${base}.workflowTemplateRef.name`,
          `${kind} "${spec.workflowTemplateRef.name}" not found`,
        );
        return;
      }
    }
    const args = [
      ...(spec.arguments?.parameters ?? []),
      ...(referenced?.arguments?.parameters ?? []),
    ];
    for (const p of args) this.globalParams.add(p.name);
    spec.arguments?.parameters?.forEach((p, i) => {
      const path = `${base}.arguments.parameters[${i}]`;
      if (p.enum && p.enum.length === 0)
        this.error(`${path}.enum`, 'should contain at least one value');
      if (p.enum && p.value !== undefined && !p.enum.map(String).includes(String(p.value))) {
        this.error(`${path}.value`, `"${String(p.value)}" should be present in the enum list`);
      }
    });
    for (const v of [...(spec.volumes ?? []), ...(referenced?.volumes ?? [])])
      this.volumes.add(v.name);
    for (const c of [
      ...(spec.volumeClaimTemplates ?? []),
      ...(referenced?.volumeClaimTemplates ?? []),
    ]) {
      if (c.metadata?.name) this.volumes.add(c.metadata.name);
    }
    templates.forEach((t, i) => {
      const path = `${base}.templates[${i}]`;
      if (!t.name) this.error(`${path}.name`, 'name is required');
      else if (!NAME.test(t.name))
        this.error(`${path}.name`, `'${t.name}' is invalid: must be alphanumeric, '-' or '_'`);
      else if (this.templates.has(t.name)) this.error(`${path}.name`, `'${t.name}' is not unique`);
      else this.templates.set(t.name, { template: t, index: i });
    });
    const entrypoint = spec.entrypoint ?? referenced?.entrypoint;
    if (this.kind === 'Workflow' && !entrypoint)
      this.error(`${base}.entrypoint`, 'spec.entrypoint is required');
    if (entrypoint && !spec.workflowTemplateRef && !this.templates.has(entrypoint)) {
      this.error(`${base}.entrypoint`, `template name '${entrypoint}' undefined`);
    }
    if (spec.onExit && !spec.workflowTemplateRef && !this.templates.has(spec.onExit)) {
      this.error(`${base}.onExit`, `template name '${spec.onExit}' undefined`);
    }
    if (
      spec.podGC?.strategy &&
      ![
        'OnPodCompletion',
        'OnPodSuccess',
        'OnWorkflowCompletion',
        'OnWorkflowSuccess',
        '',
      ].includes(spec.podGC.strategy)
    ) {
      this.error(`${base}.podGC.strategy`, `unknown strategy '${spec.podGC.strategy}'`);
    }
    for (const [name, hook] of Object.entries(spec.hooks ?? {})) {
      if (name !== 'exit' && !hook.expression)
        this.error(`${base}.hooks.${name}.expression`, 'Expression required');
      this.checkCall(hook as TemplateCall, `${base}.hooks.${name}`);
    }
    templates.forEach((t, i) => this.lintTemplate(t, `${base}.templates[${i}]`));
  }

  private lintTemplate(t: Template, path: string): void {
    const types = templateTypes(t);
    if (types.length === 0) {
      this.error(
        path,
        `template type unspecified. choose one of: container, containerSet, steps, script, resource, dag, suspend, template, template ref`,
      );
      return;
    }
    if (types.length > 1) {
      this.error(path, `multiple template types specified (${types.join(', ')}). choose one`);
      return;
    }
    const inputs = new Set((t.inputs?.parameters ?? []).map((p) => p.name));
    const inputArtifacts = new Set((t.inputs?.artifacts ?? []).map((a) => a.name));
    this.checkNames(t.inputs?.parameters ?? [], `${path}.inputs.parameters`);
    this.checkNames(t.inputs?.artifacts ?? [], `${path}.inputs.artifacts`);
    t.inputs?.artifacts?.forEach((a, i) => {
      if (a.from) this.error(`${path}.inputs.artifacts[${i}].from`, 'from not valid in inputs');
    });
    t.outputs?.parameters?.forEach((p, i) => {
      const pp = `${path}.outputs.parameters[${i}]`;
      if (p.value !== undefined && p.valueFrom)
        this.error(pp, 'has both valueFrom and value specified, choose one');
      if (p.value === undefined && !p.valueFrom)
        this.error(pp, 'does not have valueFrom or value specified');
      if (
        (t.container || t.script || t.containerSet) &&
        p.valueFrom &&
        !p.valueFrom.path &&
        !p.valueFrom.supplied &&
        !p.valueFrom.expression &&
        !p.valueFrom.configMapKeyRef &&
        !p.valueFrom.default
      ) {
        this.error(`${pp}.valueFrom.path`, 'path must be specified for container templates');
      }
      if (
        (t.steps || t.dag) &&
        p.valueFrom &&
        !p.valueFrom.parameter &&
        !p.valueFrom.expression &&
        !p.valueFrom.supplied
      ) {
        this.error(
          `${pp}.valueFrom`,
          'parameter or expression must be specified for steps/dag templates',
        );
      }
    });
    const container = t.container ?? t.script;
    if (
      container &&
      !container.image &&
      !this.spec.templateDefaults?.container &&
      !this.spec.templateDefaults?.script
    ) {
      this.error(`${path}.${t.container ? 'container' : 'script'}.image`, 'image may not be empty');
    }
    if (t.resource) {
      const actions = ['get', 'create', 'apply', 'delete', 'replace', 'patch'];
      if (!actions.includes(t.resource.action))
        this.error(`${path}.resource.action`, `must be one of: ${actions.join(', ')}`);
      const needsManifest = t.resource.action !== 'delete' && t.resource.action !== 'get';
      if (needsManifest && !t.resource.manifest && !t.resource.manifestFrom)
        this.error(
          `${path}.resource.manifest`,
          'either manifest or manifestFrom must be specified',
        );
      if (t.resource.manifestFrom && !inputArtifacts.has(t.resource.manifestFrom.artifact.name)) {
        this.error(
          `${path}.resource.manifestFrom.artifact.name`,
          `artifact ${t.resource.manifestFrom.artifact.name} in manifestFrom refers to a non-existent artifact`,
        );
      }
    }
    if (t.parallelism !== undefined && !t.steps && !t.dag)
      this.error(`${path}.parallelism`, 'parallelism is only valid for steps and dag templates');
    if (t.activeDeadlineSeconds !== undefined && (t.steps || t.dag)) {
      this.error(
        `${path}.activeDeadlineSeconds`,
        'activeDeadlineSeconds is only valid for leaf templates',
      );
    }
    this.checkVolumes(t, path);
    // Variables in the template body (not its steps/tasks, checked per call below).
    const { steps: _steps, dag: _dag, ...body } = t;
    this.checkVariables(body, path, (tag) => this.leafVariableOk(tag, inputs, inputArtifacts, t));
    if (t.steps) this.lintSteps(t, path, inputs, inputArtifacts);
    if (t.dag) this.lintDag(t, path, inputs, inputArtifacts);
  }

  private leafVariableOk(
    tag: string,
    inputs: Set<string>,
    artifacts: Set<string>,
    t: Template,
  ): boolean | undefined {
    if (tag.startsWith('inputs.parameters.'))
      return inputs.has(tag.slice('inputs.parameters.'.length));
    if (tag.startsWith('inputs.artifacts.')) {
      const rest = tag.slice('inputs.artifacts.'.length);
      return artifacts.has(rest) || artifacts.has(rest.replace(/\.path$/, ''));
    }
    if (tag === 'inputs.parameters') return true;
    if (tag.startsWith('outputs.')) return Boolean(t.outputs) || tag === 'outputs.result';
    return undefined;
  }

  private checkNames(list: { name: string }[], path: string): void {
    const seen = new Set<string>();
    list.forEach((item, i) => {
      if (!item.name) this.error(`${path}[${i}].name`, 'name is required');
      else if (seen.has(item.name))
        this.error(`${path}[${i}].name`, `'${item.name}' is not unique`);
      seen.add(item.name);
    });
  }

  private checkVolumes(t: Template, path: string): void {
    const local = new Set((t.volumes ?? []).map((v) => v.name));
    const check = (mounts: { name: string }[] | undefined, mpath: string) =>
      mounts?.forEach((m, i) => {
        if (!this.volumes.has(m.name) && !local.has(m.name) && !m.name.includes('{{')) {
          this.error(
            `${mpath}[${i}].name`,
            `volume "${m.name}" is not declared: add it to spec.volumes, spec.volumeClaimTemplates or the template's volumes`,
          );
        }
      });
    if (t.container) check(t.container.volumeMounts, `${path}.container.volumeMounts`);
    if (t.script) check(t.script.volumeMounts, `${path}.script.volumeMounts`);
    t.containerSet?.containers.forEach((c, i) =>
      check(c.volumeMounts, `${path}.containerSet.containers[${i}].volumeMounts`),
    );
    if (t.containerSet) check(t.containerSet.volumeMounts, `${path}.containerSet.volumeMounts`);
    t.sidecars?.forEach((c, i) => check(c.volumeMounts, `${path}.sidecars[${i}].volumeMounts`));
    t.initContainers?.forEach((c, i) =>
      check(c.volumeMounts, `${path}.initContainers[${i}].volumeMounts`),
    );
  }

  /** Walks every string under `value`; `ok(tag)` true/false decides, undefined falls back to globals. */
  private checkVariables(
    value: unknown,
    path: string,
    ok: (tag: string) => boolean | undefined,
  ): void {
    if (typeof value === 'string') {
      for (const m of value.matchAll(TAG)) {
        const tag = m[1]!.trim();
        const verdict = ok(tag) ?? this.globalVariableOk(tag);
        if (verdict === false) this.error(path, `failed to resolve {{${tag}}}`);
      }
      return;
    }
    if (Array.isArray(value)) value.forEach((v, i) => this.checkVariables(v, `${path}[${i}]`, ok));
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) this.checkVariables(v, `${path}.${k}`, ok);
    }
  }

  private globalVariableOk(tag: string): boolean {
    if (WORKFLOW_VARIABLES.has(tag)) return true;
    if (tag.startsWith('workflow.parameters.')) {
      // A WorkflowTemplate's parameters may come from the Workflow that uses it.
      return (
        this.kind !== 'Workflow' || this.globalParams.has(tag.slice('workflow.parameters.'.length))
      );
    }
    if (tag.startsWith('workflow.')) {
      return (
        WORKFLOW_VARIABLES.has(tag) ||
        /^workflow\.(annotations|labels|outputs|creationTimestamp|scheduledTime|duration)\./.test(
          tag,
        )
      );
    }
    if (tag.startsWith('inputs.')) return false;
    // item, pod.name, node.name, retries, steps.name, tasks.name, lastRetry.*, custom: resolved at run time.
    return true;
  }

  private resolveCall(call: TemplateCall, path: string): Template | undefined {
    if (call.inline) return call.inline;
    if (call.template) {
      if (this.spec.workflowTemplateRef) return undefined;
      const found = this.templates.get(call.template)?.template;
      if (!found) this.error(`${path}.template`, `template name '${call.template}' undefined`);
      return found;
    }
    if (call.templateRef) {
      const ref = call.templateRef;
      const spec = ref.clusterScope
        ? this.library.clusterWorkflowTemplate(ref.name)
        : this.library.workflowTemplate(this.namespace, ref.name);
      if (!spec) {
        if (this.library.opaque) return undefined;
        this.error(
          `${path}.templateRef`,
          `template reference ${ref.name}.${ref.template} not found`,
        );
        return undefined;
      }
      const t = spec.templates?.find((x) => x.name === ref.template);
      if (!t)
        this.error(
          `${path}.templateRef.template`,
          `template reference ${ref.name}.${ref.template} not found`,
        );
      return t;
    }
    this.error(path, 'template or templateRef is required');
    return undefined;
  }

  /** A step's or task's call: the template exists and gets every input it has no default for. */
  private checkCall(call: TemplateCall, path: string): void {
    const t = this.resolveCall(call, path);
    if (!t) return;
    const given = new Set((call.arguments?.parameters ?? []).map((p) => p.name));
    for (const p of t.inputs?.parameters ?? []) {
      if (!given.has(p.name) && p.value === undefined && p.default === undefined && !p.valueFrom) {
        this.error(`${path}.arguments.parameters`, `inputs.parameters.${p.name} was not supplied`);
      }
    }
    const givenArtifacts = new Set((call.arguments?.artifacts ?? []).map((a) => a.name));
    for (const a of t.inputs?.artifacts ?? []) {
      const located =
        a.raw ||
        a.s3 ||
        a.http ||
        a.git ||
        a.gcs ||
        a.artifactory ||
        a.azure ||
        a.hdfs ||
        a.oss ||
        a.from;
      if (!givenArtifacts.has(a.name) && !located && !a.optional) {
        this.error(`${path}.arguments.artifacts`, `inputs.artifacts.${a.name} was not supplied`);
      }
    }
    call.arguments?.artifacts?.forEach((a, i) => {
      if (
        !a.from &&
        !a.fromExpression &&
        !a.raw &&
        !a.s3 &&
        !a.http &&
        !a.git &&
        !a.gcs &&
        !a.artifactory &&
        !a.azure &&
        !a.oss &&
        !a.hdfs &&
        !(a as { key?: string }).key
      ) {
        this.error(
          `${path}.arguments.artifacts[${i}]`,
          `${a.name}.from, artifact location, or key is required`,
        );
      }
      if (a.from && a.fromExpression)
        this.error(
          `${path}.arguments.artifacts[${i}]`,
          `${a.name} shouldn't have both from and fromExpression`,
        );
    });
  }

  private lintSteps(t: Template, path: string, inputs: Set<string>, artifacts: Set<string>): void {
    const earlier = new Set<string>();
    t.steps!.forEach((group, g) => {
      const steps: TemplateCall[] = Array.isArray(group)
        ? group
        : ((group as { steps?: TemplateCall[] }).steps ?? []);
      const inGroup = new Set<string>();
      steps.forEach((step, s) => {
        const sp = `${path}.steps[${g}][${s}]`;
        if (!step.name) return this.error(`${sp}.name`, 'name is required');
        if (!NAME.test(step.name)) this.error(`${sp}.name`, `'${step.name}' is invalid`);
        if (inGroup.has(step.name) || earlier.has(step.name))
          this.error(`${sp}.name`, `'${step.name}' is not unique`);
        inGroup.add(step.name);
        this.checkCall(step, sp);
        this.checkVariables(step, sp, (tag) => {
          const leaf = this.leafVariableOk(tag, inputs, artifacts, t);
          if (leaf !== undefined) return leaf;
          if (tag.startsWith('steps.')) {
            const name = tag.split('.')[1]!;
            // A step's own hooks read its outputs.
            return name === 'name' || earlier.has(name) || name === step.name;
          }
          if (tag === 'item' || tag.startsWith('item.'))
            return Boolean(step.withItems || step.withParam || step.withSequence);
          return undefined;
        });
      });
      for (const n of inGroup) earlier.add(n);
    });
    this.checkVariables(t.outputs ?? {}, `${path}.outputs`, (tag) =>
      tag.startsWith('steps.') ? earlier.has(tag.split('.')[1]!) : undefined,
    );
  }

  private lintDag(t: Template, path: string, inputs: Set<string>, artifacts: Set<string>): void {
    const tasks = t.dag!.tasks ?? [];
    if (tasks.length === 0) return this.error(`${path}.dag.tasks`, 'must have at least one task');
    const byName = new Map<string, DAGTask>();
    this.checkNames(tasks, `${path}.dag.tasks`);
    for (const task of tasks) byName.set(task.name, task);
    const usesDepends = tasks.some((x) => x.depends !== undefined);
    const usesDependencies = tasks.some((x) => x.dependencies !== undefined);
    if (usesDepends && usesDependencies)
      this.error(
        `${path}.dag`,
        "cannot use both 'depends' and 'dependencies' in the same DAG template",
      );
    const deps = new Map<string, string[]>();
    tasks.forEach((task, i) => {
      const tp = `${path}.dag.tasks[${i}]`;
      if (usesDepends && task.continueOn) {
        this.error(
          `${tp}.continueOn`,
          "cannot use 'continueOn' when using 'depends'. Instead use 'dep-task.Failed'/'dep-task.Errored'",
        );
      }
      const logic = dependsLogic(task, byName);
      for (const bad of logic.invalidResults) {
        this.error(
          `${tp}.depends`,
          `task result '${bad.result}' for task '${bad.task}' is invalid`,
        );
      }
      for (const d of logic.dependencies) {
        if (!byName.has(d))
          this.error(
            `${tp}.${task.depends !== undefined ? 'depends' : 'dependencies'}`,
            `unknown task "${d}"`,
          );
      }
      deps.set(
        task.name,
        logic.dependencies.filter((d) => byName.has(d)),
      );
    });
    const cycle = findCycle(deps);
    if (cycle) this.error(`${path}.dag.tasks`, `dependency cycle: ${cycle.join(' -> ')}`);
    if (t.dag!.target) {
      for (const target of t.dag!.target.split(/\s+/).filter((x) => x && !x.includes('{{'))) {
        if (!byName.has(target))
          this.error(`${path}.dag.target`, `target '${target}' is not defined`);
      }
    }
    tasks.forEach((task, i) => {
      const tp = `${path}.dag.tasks[${i}]`;
      this.checkCall(task, tp);
      const ancestors = cycle ? new Set<string>() : ancestry(task.name, deps);
      this.checkVariables(task, tp, (tag) => {
        const leaf = this.leafVariableOk(tag, inputs, artifacts, t);
        if (leaf !== undefined) return leaf;
        if (tag.startsWith('tasks.')) {
          const name = tag.split('.')[1]!;
          if (name === 'name') return true;
          if (!byName.has(name)) return false;
          if (
            !cycle &&
            !ancestors.has(name) &&
            (tag.includes('.outputs.') || tag.endsWith('.status'))
          ) {
            // Argo: "missing dependency" when a task reads outputs of a task it does not depend on.
            return tag.endsWith('.status') ? true : false;
          }
          return true;
        }
        if (tag === 'item' || tag.startsWith('item.'))
          return Boolean(task.withItems || task.withParam || task.withSequence);
        return undefined;
      });
    });
    this.checkVariables(t.outputs ?? {}, `${path}.outputs`, (tag) =>
      tag.startsWith('tasks.') ? byName.has(tag.split('.')[1]!) : undefined,
    );
  }
}

function ancestry(name: string, deps: ReadonlyMap<string, string[]>): Set<string> {
  const seen = new Set<string>();
  const stack = [...(deps.get(name) ?? [])];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push(...(deps.get(n) ?? []));
  }
  return seen;
}

function findCycle(deps: ReadonlyMap<string, string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 'done') return undefined;
    if (state.get(n) === 'visiting') return [...path.slice(path.indexOf(n)), n];
    state.set(n, 'visiting');
    path.push(n);
    for (const d of deps.get(n) ?? []) {
      const c = visit(d);
      if (c) return c;
    }
    path.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of deps.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}

export function formatIssue(issue: LintIssue): string {
  return `${issue.path}: ${issue.message}`;
}
