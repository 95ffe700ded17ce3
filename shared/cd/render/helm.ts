/**
 * Argo CD's Helm source (repo-server helmTemplate, util/helm): `helm template` with Argo's flags —
 * `--name-template` (helm.releaseName, else the app name), `--namespace`, `--kube-version`,
 * `--set` / `--set-string` (parameters, forceString) / `--set-file` (fileParameters), `--values`
 * for each value file (resolved inside the repository; `$ref/...` inside another source's
 * checkout; missing ones dropped with ignoreMissingValueFiles) and last for helm.values /
 * valuesObject, `--api-versions`, `--include-crds` unless skipCrds, `--skip-schema-validation`,
 * `--skip-tests`. Charts from a Helm repository or an OCI registry are pulled into a cache first.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import YAML from 'yaml';
import type { KubeObject } from '../../core/objects.js';
import type { Json, JsonObject } from '../../core/types.js';
import { parseYamlDocuments } from '../../resources/yaml.js';
import type { Checkout, RepoCredentials } from '../ports.js';
import { RenderError } from '../ports.js';
import { runTool } from './tools.js';

export interface HelmRun {
  helm: string;
  timeoutMs: number;
  maxOutputBytes: number;
  /** HELM_CACHE_HOME / HELM_CONFIG_HOME / HELM_DATA_HOME and pulled charts live here. */
  workDir: string;
  envsubst: (s: string) => string;
  /** URL schemes a value file may use (Argo's helm.valuesFileSchemes; default http, https). */
  valuesFileSchemes?: string[];
}

export interface HelmTemplateInput {
  /** The chart directory. */
  chartPath: string;
  /** The checkout the chart comes from (value files may not leave it); absent for pulled charts. */
  repoRoot?: string;
  helm: JsonObject;
  appName: string;
  namespace: string;
  kubeVersion?: string;
  apiVersions?: string[];
  refs?: Record<string, Checkout>;
}

function str(v: Json | undefined): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

function helmEnv(run: HelmRun): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: run.workDir,
    HELM_CACHE_HOME: join(run.workDir, 'cache'),
    HELM_CONFIG_HOME: join(run.workDir, 'config'),
    HELM_DATA_HOME: join(run.workDir, 'data'),
  };
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * Argo's ResolveValueFilePathOrUrl: a URL with an allowed scheme is passed to helm as is; a path
 * is relative to the chart (absolute paths to the repository root) and may not leave the root.
 */
export function resolveValueFile(
  chartPath: string,
  repoRoot: string,
  file: string,
  schemes: string[],
): { path: string; remote: boolean } {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(file)?.[1];
  if (scheme) {
    if (schemes.includes(scheme.toLowerCase())) return { path: file, remote: true };
    throw new RenderError(`the URL scheme '${scheme}' is not allowed for value file ${file}`);
  }
  const path = isAbsolute(file) ? join(repoRoot, file) : resolve(chartPath, file);
  if (!inside(repoRoot, path)) {
    throw new RenderError(`value file '${file}' resolved to outside repository root`);
  }
  return { path, remote: false };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function refCheckout(
  file: string,
  refs: Record<string, Checkout> | undefined,
): Checkout | undefined {
  if (!file.startsWith('$') || !refs) return undefined;
  const name = file.split('/')[0]!;
  return refs[name] ?? refs[name.slice(1)];
}

async function resolveFiles(
  input: HelmTemplateInput,
  run: HelmRun,
  raw: string[],
  ignoreMissing: boolean,
  field: string,
): Promise<string[]> {
  const schemes = run.valuesFileSchemes ?? ['http', 'https'];
  const root = input.repoRoot ?? input.chartPath;
  const out: string[] = [];
  for (const [i, file] of raw.entries()) {
    if (/[*?[]/.test(file)) {
      throw new RenderError(`${field}[${i}]: glob value files ("${file}") are not supported here`);
    }
    const ref = refCheckout(file, input.refs);
    const resolved = ref
      ? // `$ref/path`: the path inside the referenced source's checkout, substituted afterwards.
        resolveValueFile(
          ref.dir,
          ref.dir,
          run.envsubst(file.split('/').slice(1).join('/')),
          schemes,
        )
      : resolveValueFile(input.chartPath, root, run.envsubst(file), schemes);
    if (!resolved.remote && !(await exists(resolved.path))) {
      if (ignoreMissing) continue;
      throw new RenderError(
        `${field}[${i}]: value file "${file}" does not exist; fix the path or set ` +
          'spec.source.helm.ignoreMissingValueFiles',
      );
    }
    if (!out.includes(resolved.path)) out.push(resolved.path);
  }
  return out;
}

// Argo's cleanSetParameters: a comma is a separator to helm unless escaped; `{a,b}` is a list.
export function cleanSetValue(value: string): string {
  if (value.startsWith('{') && value.endsWith('}')) return value;
  let out = '';
  let prev = '';
  for (const ch of value) {
    out += ch === ',' && prev !== '\\' ? '\\,' : ch;
    prev = ch;
  }
  return out;
}

/** The release name: helm.releaseName, else the name part of `<namespace>_<name>`. */
export function releaseName(helm: JsonObject, appName: string): string {
  const explicit = str(helm.releaseName);
  if (explicit) return explicit;
  const parts = appName.split('_');
  return parts.length === 2 ? parts[1]! : appName;
}

/** `helm.values` (a YAML string) or `helm.valuesObject` (wins) as YAML text. */
export function valuesYaml(helm: JsonObject): string {
  const object = helm.valuesObject;
  if (object !== undefined && object !== null) return YAML.stringify(object);
  return str(helm.values);
}

export async function helmTemplate(input: HelmTemplateInput, run: HelmRun): Promise<KubeObject[]> {
  const { helm } = input;
  const path = 'spec.source.helm';
  const args = ['template', input.chartPath, '--name-template', releaseName(helm, input.appName)];
  const namespace = str(helm.namespace) || input.namespace;
  if (namespace) args.push('--namespace', namespace);
  const kubeVersion = str(helm.kubeVersion) || input.kubeVersion;
  if (kubeVersion) args.push('--kube-version', kubeVersion);

  // Argo keeps parameters in maps: a later parameter of the same name wins.
  const set = new Map<string, string>();
  const setString = new Map<string, string>();
  for (const [i, p] of (Array.isArray(helm.parameters) ? helm.parameters : []).entries()) {
    const param = (p ?? {}) as JsonObject;
    const name = str(param.name);
    if (!name) throw new RenderError(`${path}.parameters[${i}].name is required`);
    (param.forceString === true ? setString : set).set(name, str(param.value));
  }
  for (const [k, v] of set) args.push('--set', `${k}=${cleanSetValue(run.envsubst(v))}`);
  for (const [k, v] of setString) {
    args.push('--set-string', `${k}=${cleanSetValue(run.envsubst(v))}`);
  }
  const fileParams = Array.isArray(helm.fileParameters) ? helm.fileParameters : [];
  const filePaths = await resolveFiles(
    input,
    run,
    fileParams.map((p) => str((p as JsonObject | null)?.path)),
    false,
    `${path}.fileParameters`,
  );
  fileParams.forEach((p, i) => {
    const name = str((p as JsonObject | null)?.name);
    args.push('--set-file', `${name}=${cleanSetValue(filePaths[i] ?? '')}`);
  });

  const valueFiles = Array.isArray(helm.valueFiles) ? helm.valueFiles.map(str) : [];
  for (const f of await resolveFiles(
    input,
    run,
    valueFiles,
    helm.ignoreMissingValueFiles === true,
    `${path}.valueFiles`,
  )) {
    args.push('--values', f);
  }

  let scratch: string | undefined;
  try {
    const inline = valuesYaml(helm);
    if (inline !== '') {
      scratch = await mkdtemp(join(tmpdir(), 'argo-helm-values-'));
      const file = join(scratch, 'values.yaml');
      await writeFile(file, inline);
      args.push('--values', file);
    }
    for (const v of Array.isArray(helm.apiVersions) && helm.apiVersions.length > 0
      ? helm.apiVersions.map(str)
      : (input.apiVersions ?? [])) {
      args.push('--api-versions', v);
    }
    if (helm.skipCrds !== true) args.push('--include-crds');
    if (helm.skipSchemaValidation === true) args.push('--skip-schema-validation');
    if (helm.skipTests === true) args.push('--skip-tests');

    const redact: [string, string][] = [];
    if (scratch)
      redact.push([
        join(scratch, 'values.yaml'),
        '<temp file with values from source.helm.values/valuesObject>',
      ]);
    if (input.repoRoot) redact.push([`${input.repoRoot}/`, ''], [input.repoRoot, '.']);
    const out = await runTool(run.helm, args, {
      env: helmEnv(run),
      timeoutMs: run.timeoutMs,
      maxOutputBytes: run.maxOutputBytes,
      redact,
    });
    return parseYamlDocuments(out) as KubeObject[];
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Charts from Helm repositories and OCI registries

export interface PullRequest {
  repoURL: string;
  chart: string;
  /** targetRevision: a version or semver constraint (empty: the latest). */
  version: string;
  credentials?: RepoCredentials;
  passCredentials?: boolean;
}

const EXACT_VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/**
 * The chart directory of `chart` at `version` from a Helm repository (http/https) or an OCI
 * registry (`oci://`), pulled with `helm pull --untar`. Exact versions are cached (charts are
 * immutable once published); constraints and "latest" are pulled every time.
 */
export interface PulledChart {
  chartDir: string;
  /** Removes a chart that is not cached (pulled by a constraint or as the latest). */
  dispose(): Promise<void>;
}

export async function pullChart(req: PullRequest, run: HelmRun): Promise<PulledChart> {
  const oci = req.repoURL.startsWith('oci://');
  if (!oci && !/^https?:\/\//.test(req.repoURL)) {
    throw new RenderError(
      `spec.source.repoURL ${req.repoURL}: a Helm chart source needs an http(s):// Helm repository or an oci:// registry`,
    );
  }
  const exact = EXACT_VERSION.test(req.version);
  const key = createHash('sha256')
    .update(`${req.repoURL}\0${req.chart}\0${req.version}`)
    .digest('hex')
    .slice(0, 16);
  const charts = join(run.workDir, 'charts');
  const target = join(charts, key);
  const chartDir = async (dir: string) => {
    const entries = await readdir(dir, { withFileTypes: true });
    const sub = entries.find((e) => e.isDirectory());
    if (!sub) throw new RenderError(`helm pull of ${req.chart} produced no chart directory`);
    return join(dir, sub.name);
  };
  const keep = async () => {};
  if (exact && (await exists(target))) return { chartDir: await chartDir(target), dispose: keep };

  await mkdir(charts, { recursive: true });
  const scratch = join(charts, `.pull-${randomBytes(6).toString('hex')}`);
  await mkdir(scratch, { recursive: true });
  const drop = () => rm(scratch, { recursive: true, force: true });
  try {
    const args = oci
      ? ['pull', `${req.repoURL.replace(/\/+$/, '')}/${req.chart}`]
      : ['pull', req.chart, '--repo', req.repoURL];
    if (req.version) args.push('--version', req.version);
    args.push('--untar', '--untardir', scratch, '--destination', scratch);
    const password = req.credentials?.bearerToken ?? req.credentials?.password;
    if (req.credentials?.username) args.push('--username', req.credentials.username);
    if (password) args.push('--password', password);
    if (req.passCredentials) args.push('--pass-credentials');
    await runTool(run.helm, args, {
      env: helmEnv(run),
      timeoutMs: run.timeoutMs,
      maxOutputBytes: 1 << 20,
      redact: password ? [[password, '******']] : [],
    });
    if (!exact) return { chartDir: await chartDir(scratch), dispose: drop };
    try {
      await rename(scratch, target);
    } catch (err) {
      // Another render pulled the same version first: the chart is identical.
      if (!(await exists(target))) throw err;
      await drop();
    }
    return { chartDir: await chartDir(target), dispose: keep };
  } catch (err) {
    await drop();
    throw err;
  }
}
