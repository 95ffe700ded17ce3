import { describe, expect, it } from 'vitest';
import { parseYamlDocuments } from '../../shared/resources/yaml.js';
import { formatIssue, libraryOf, lintObject } from '../../shared/workflows/lint.js';
import { WORKFLOW_KINDS } from '../../shared/workflows/types.js';
import { corpusDocuments, seedDocuments } from '../support/corpus.js';

function lint(yaml: string, options: { strict?: boolean } = {}, others: string[] = []) {
  const docs = parseYamlDocuments(yaml);
  const library = libraryOf([...docs, ...others.flatMap((o) => parseYamlDocuments(o))]);
  return lintObject(docs[0], library, options);
}

function errors(yaml: string, others: string[] = []): string[] {
  return lint(yaml, {}, others)
    .filter((i) => i.severity === 'error')
    .map(formatIssue);
}

const wf = (templates: string, extra = '') => `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: t-}
spec:
  entrypoint: main
${extra}
  templates:
${templates}
`;

describe('argo lint: the corpus', () => {
  const docs = corpusDocuments('argo-workflows/examples');
  const library = libraryOf(docs.map((d) => d.object));
  const argoDocs = docs.filter((d) => WORKFLOW_KINDS.includes(String(d.object['kind'])));

  it('finds the corpus Workflows and templates', () => {
    expect(argoDocs.length).toBeGreaterThan(180);
  });

  it('every Workflow, template and CronWorkflow in Argo examples passes, as with argo lint', () => {
    const failures = argoDocs.flatMap((d) =>
      lintObject(d.object, library)
        .filter((i) => i.severity === 'error')
        .map((i) => `${d.file}: ${formatIssue(i)}`),
    );
    expect(failures).toEqual([]);
  });
});

describe('argo lint: the seeds', () => {
  it('workflow.yaml passes', () => {
    const docs = seedDocuments('workflow.yaml');
    expect(lintObject(docs[0], libraryOf(docs))).toEqual([]);
  });

  it('workflowtemplate.yaml mounts an undeclared volume "workspace": an error by field path', () => {
    const docs = seedDocuments('workflowtemplate.yaml');
    const issues = lintObject(docs[0], libraryOf(docs)).map(formatIssue);
    expect(issues).toHaveLength(3);
    expect(issues[0]).toBe(
      'spec.templates[1].container.volumeMounts[0].name: volume "workspace" is not declared: add it to spec.volumes, spec.volumeClaimTemplates or the template\'s volumes',
    );
  });
});

describe('argo lint: field-path errors', () => {
  const hello = `
    - name: main
      container: {image: busybox}`;

  it('an unknown field is an error by default and a warning with strict=false', () => {
    const yaml = wf(`
    - name: main
      container: {image: busybox, comand: [echo]}`);
    expect(errors(yaml)).toEqual(['spec.templates[0].container.comand: unknown field "comand"']);
    const relaxed = lint(yaml, { strict: false });
    expect(relaxed.map((i) => i.severity)).toEqual(['warning']);
  });

  it('a wrong type names the field', () => {
    expect(errors(wf(hello, '  parallelism: lots'))).toEqual([
      'spec.parallelism: expected a number, got string',
    ]);
  });

  it('an unknown dependency in depends names the task', () => {
    const yaml = wf(`
    - name: main
      dag:
        tasks:
          - {name: a, template: leaf}
          - {name: b, template: leaf, depends: "a && x"}
    - name: leaf
      container: {image: busybox}`);
    expect(errors(yaml)).toEqual(['spec.templates[0].dag.tasks[1].depends: unknown task "x"']);
  });

  it('a dependency cycle is an error', () => {
    const yaml = wf(`
    - name: main
      dag:
        tasks:
          - {name: a, template: leaf, dependencies: [c]}
          - {name: b, template: leaf, dependencies: [a]}
          - {name: c, template: leaf, dependencies: [b]}
    - name: leaf
      container: {image: busybox}`);
    expect(errors(yaml)).toEqual([
      'spec.templates[0].dag.tasks: dependency cycle: a -> c -> b -> a',
    ]);
  });

  it('depends and dependencies together, continueOn with depends, and bad task results are errors', () => {
    const yaml = wf(`
    - name: main
      dag:
        tasks:
          - {name: a, template: leaf, continueOn: {failed: true}, depends: "b.Done"}
          - {name: b, template: leaf, dependencies: []}
    - name: leaf
      container: {image: busybox}`);
    expect(errors(yaml)).toEqual([
      "spec.templates[0].dag: cannot use both 'depends' and 'dependencies' in the same DAG template",
      "spec.templates[0].dag.tasks[0].continueOn: cannot use 'continueOn' when using 'depends'. Instead use 'dep-task.Failed'/'dep-task.Errored'",
      "spec.templates[0].dag.tasks[0].depends: task result 'Done' for task 'b' is invalid",
    ]);
  });

  it('an undefined template, entrypoint and templateRef are errors', () => {
    expect(errors(wf(hello).replace('entrypoint: main', 'entrypoint: nope'))).toEqual([
      "spec.entrypoint: template name 'nope' undefined",
    ]);
    const yaml = wf(`
    - name: main
      steps:
        - - {name: a, template: missing}
          - {name: b, templateRef: {name: lib, template: absent}}`);
    expect(errors(yaml)).toEqual([
      "spec.templates[0].steps[0][0].template: template name 'missing' undefined",
      'spec.templates[0].steps[0][1].templateRef: template reference lib.absent not found',
    ]);
  });

  it('a templateRef resolves against WorkflowTemplates linted with it', () => {
    const library = `
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: lib}
spec:
  templates:
    - name: greet
      inputs: {parameters: [{name: who}]}
      container: {image: busybox, args: ["{{inputs.parameters.who}}"]}`;
    const yaml = wf(`
    - name: main
      steps:
        - - {name: a, templateRef: {name: lib, template: greet}}`);
    expect(errors(yaml, [library])).toEqual([
      'spec.templates[0].steps[0][0].arguments.parameters: inputs.parameters.who was not supplied',
    ]);
  });

  it('variables must resolve: inputs, workflow parameters and earlier steps', () => {
    const yaml = wf(
      `
    - name: main
      steps:
        - - name: a
            template: leaf
            arguments: {parameters: [{name: x, value: "{{steps.b.outputs.result}}"}]}
        - - name: b
            template: leaf
            arguments: {parameters: [{name: x, value: "{{workflow.parameters.nope}}"}]}
    - name: leaf
      inputs: {parameters: [{name: x}]}
      container: {image: busybox, args: ["{{inputs.parameters.y}}"]}`,
      '  arguments: {parameters: [{name: p, value: "1"}]}',
    );
    expect(errors(yaml)).toEqual([
      'spec.templates[0].steps[0][0].arguments.parameters[0].value: failed to resolve {{steps.b.outputs.result}}',
      'spec.templates[0].steps[1][0].arguments.parameters[0].value: failed to resolve {{workflow.parameters.nope}}',
      'spec.templates[1].container.args[0]: failed to resolve {{inputs.parameters.y}}',
    ]);
  });

  it('a template needs exactly one type', () => {
    expect(
      errors(
        wf(`
    - name: main
      container: {image: a}
      script: {image: a, source: x}`),
      ),
    ).toEqual([
      'spec.templates[0]: multiple template types specified (Container, Script). choose one',
    ]);
  });

  it('a CronWorkflow schedule must parse', () => {
    const yaml = `
apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata: {name: c}
spec:
  schedules: ["*/5 * * * *", "61 * * * *"]
  timezone: Mars/Olympus
  workflowSpec:
    entrypoint: main
    templates:
      - name: main
        container: {image: busybox}`;
    expect(errors(yaml)).toEqual([
      'spec.schedules[1]: cron schedule 61 * * * * is malformed: "61" is out of range 0-59',
      'spec.timezone: invalid timezone "Mars/Olympus"',
    ]);
  });
});
