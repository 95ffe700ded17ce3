/**
 * argosls: the command line of argo-serverless. `lint` and `run` work on files alone; the other
 * commands talk to a running control plane (`npm start`) over its HTTP API.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { KubeObject } from '../shared/core/objects.js';
import { parseYamlDocuments } from '../shared/resources/yaml.js';
import { formatIssue, libraryOf, lintObject } from '../shared/workflows/lint.js';
import { WORKFLOW_KINDS } from '../shared/workflows/types.js';
import { runWorkflows } from './run.js';
import { remoteCommand, REMOTE_COMMANDS } from './remote.js';
import { rolloutCommand } from './rollout.js';
import { appCommand } from './app.js';
import { healthCommand } from '../shared/cd/health/cli.js';

export const HELP = `argosls: Argo Workflows on argo-serverless

Usage: argosls <command> [options]

Commands:
  lint FILE...                 Check Workflows, WorkflowTemplates, ClusterWorkflowTemplates and
                               CronWorkflows like \`argo lint\`. Exit 1 on errors.
      --strict=false           Unknown fields are warnings, not errors.
  run FILE...                  Run every Workflow in the files on an in-process embedded runtime
                               with a simulated cluster, to completion. ConfigMaps, Secrets, PVCs
                               and WorkflowTemplates in the files are loaded first.
      --executor host|sim      host: run busybox/alpine/python/node/argosay programs on this
                               machine (opt-in; see README). sim (default): a stand-in program
                               writes the declared outputs.
      -p, --parameter N=V      Set a workflow parameter (repeatable).
      -o, --output json        Print the final Workflow(s) as JSON on stdout.
      --timeout SECONDS        Give up on a Workflow after this long. Default: 300.
  submit FILE [--watch]        Submit Workflows to a running control plane; --watch follows them.
  get NAME                     Print a Workflow's status (-o json: the whole object).
  suspend | resume | stop | terminate NAME
                               As \`argo suspend\` etc.
  resubmit NAME [--watch]      A new Workflow from NAME's spec, as \`argo resubmit\`.
  retry NAME [--watch]         Run a Failed or Errored Workflow again from where it failed, as
                               \`argo retry\`: its failed nodes (and their pods) are redone,
                               succeeded ones kept.
      --restart-successful     Also redo the succeeded nodes that --node-field-selector picks.
      --node-field-selector S  e.g. displayName=step-a (name, displayName, templateName, id).
  logs NAME [--kubeconfig F]   Each pod's main container log, prefixed by its step. The pods
                               are read from the cluster (default .argo-serverless/kubeconfig,
                               the one npm start writes).
  list                         List Workflows.
  health FILE... [--config F]  Argo CD's health of each resource, one JSON line each
                               (argosls health --help).
  rollout ACTION NAME          Argo Rollouts actions: status, promote [--full], abort, retry,
                               pause, resume, undo [--to-revision N] (argosls rollout help).
  app ACTION NAME              Argo CD Application actions: get [--refresh], sync [--revision R]
                               [--prune] [--dry-run] [--async], history, rollback ID, diff,
                               delete [--cascade=false] (argosls app help).

Options for commands that talk to a control plane:
  --server URL                 Default: http://127.0.0.1:8080 (env ARGOSLS_SERVER)
  --token TOKEN                Default: env ARGOSLS_TOKEN, else .argo-serverless/api-token
  -n, --namespace NS           Default: default
  -h, --help                   This help.

Exit status: 0 when everything succeeded (lint: no errors; run: every Workflow Succeeded).
`;

export async function main(
  argv: string[],
  io = { out: process.stdout, err: process.stderr },
): Promise<number> {
  const [command, ...rest] = argv;
  // health has options of its own (--config): it parses its arguments itself.
  if (command === 'health') return healthCommand(rest, io);
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    io.out.write(HELP);
    return command ? 0 : 2;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      strict: { type: 'string' },
      executor: { type: 'string', default: 'sim' },
      parameter: { type: 'string', short: 'p', multiple: true },
      output: { type: 'string', short: 'o' },
      timeout: { type: 'string', default: '300' },
      watch: { type: 'boolean', default: false },
      'restart-successful': { type: 'boolean', default: false },
      'node-field-selector': { type: 'string' },
      full: { type: 'boolean', default: false },
      'to-revision': { type: 'string' },
      refresh: { type: 'boolean', default: false },
      revision: { type: 'string' },
      prune: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      async: { type: 'boolean', default: false },
      cascade: { type: 'string' },
      server: { type: 'string' },
      kubeconfig: { type: 'string' },
      token: { type: 'string' },
      namespace: { type: 'string', short: 'n', default: 'default' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.out.write(HELP);
    return 0;
  }
  const fail = (message: string) => {
    io.err.write(`argosls ${command}: ${message}\n`);
    return 2;
  };
  switch (command) {
    case 'rollout':
      return rolloutCommand(positionals, values, io);
    case 'app':
      return appCommand(positionals, values, io);
    case 'lint': {
      if (!positionals.length) return fail('give one or more files');
      const strict = values.strict === undefined ? true : values.strict !== 'false';
      const docs = await loadFiles(positionals);
      const library = libraryOf(docs.map((d) => d.object));
      let errors = 0;
      let linted = 0;
      for (const { file, object } of docs) {
        if (!WORKFLOW_KINDS.includes(object.kind)) continue;
        linted++;
        for (const issue of lintObject(object, library, { strict })) {
          if (issue.severity === 'error') errors++;
          io.err.write(
            `${file}: ${object.kind}/${object.metadata?.name ?? object.metadata?.['generateName'] ?? ''}: ${issue.severity}: ${formatIssue(issue)}\n`,
          );
        }
      }
      io.err.write(
        errors ? `${errors} error(s) found\n` : `no errors found in ${linted} object(s)\n`,
      );
      return errors ? 1 : 0;
    }
    case 'run': {
      if (!positionals.length) return fail('give one or more files');
      if (values.executor !== 'host' && values.executor !== 'sim')
        return fail(`--executor must be host or sim, not ${values.executor}`);
      const parameters: Record<string, string> = {};
      for (const p of values.parameter ?? []) {
        const eq = p.indexOf('=');
        if (eq < 1) return fail(`-p ${p}: expected name=value`);
        parameters[p.slice(0, eq)] = p.slice(eq + 1);
      }
      const docs = await loadFiles(positionals);
      const outcome = await runWorkflows(
        docs.map((d) => d.object),
        {
          executor: values.executor,
          parameters,
          timeoutMs: Number(values.timeout) * 1000,
          progress: (line) => io.err.write(`${line}\n`),
        },
      );
      if (values.output === 'json') {
        const out = outcome.workflows.length === 1 ? outcome.workflows[0] : outcome.workflows;
        io.out.write(`${JSON.stringify(out, null, 2)}\n`);
      }
      const ok =
        outcome.rejected.length === 0 &&
        outcome.workflows.length > 0 &&
        outcome.workflows.every(
          (w) => (w.status as { phase?: string } | undefined)?.phase === 'Succeeded',
        );
      return ok ? 0 : 1;
    }
    default:
      if (REMOTE_COMMANDS.includes(command))
        return remoteCommand(command, positionals, values, io, loadFiles);
      return fail(`unknown command (see argosls --help)`);
  }
}

export async function loadFiles(files: string[]): Promise<{ file: string; object: KubeObject }[]> {
  const out: { file: string; object: KubeObject }[] = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    for (const object of parseYamlDocuments(text)) out.push({ file, object: object as KubeObject });
  }
  return out;
}
