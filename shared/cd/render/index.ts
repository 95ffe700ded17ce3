/**
 * Argo CD's repo-server GenerateManifests as a `Renderer`: the source type is the one explicit
 * field among `kustomize` / `helm` / `directory` (two is an error), else discovered from the app
 * path (a `*Chart.yaml` -> Helm, a kustomization file -> Kustomize, else Directory); a `chart`
 * source is a Helm chart pulled from its repository. `.argocd-source.yaml` and
 * `.argocd-source-<app>.yaml` in the app path are merged into the source first, as in Argo.
 * Every tool run has a timeout and an output limit; failures are RenderErrors with the tool's
 * message. Lists in the output are flattened into their items.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { mergePatch } from '../../core/objects.js';
import type { Json, JsonObject } from '../../core/types.js';
import { parseYamlDocuments } from '../../resources/yaml.js';
import type { RenderRequest, RenderResult, Renderer, RepoCredentials } from '../ports.js';
import { RenderError } from '../ports.js';
import { directoryOptions, flattenLists, renderDirectory } from './directory.js';
import { helmTemplate, pullChart } from './helm.js';
import type { HelmRun } from './helm.js';
import { KUSTOMIZATION_NAMES, renderKustomize } from './kustomize.js';
import { locateTools } from './tools.js';
import type { LocateOptions, ToolLocations } from './tools.js';

export type SourceType = RenderResult['sourceType'];

export interface ToolRendererOptions {
  /** Helm's home, pulled charts (default: <tmpdir>/argo-serverless-render). */
  workDir?: string;
  /** Per tool run (default 90 s, Argo's exec timeout). */
  timeoutMs?: number;
  /** Largest manifest output of one tool run (default 64 MiB). */
  maxOutputBytes?: number;
  /** Largest combined size of a Directory source's files (default: no limit). */
  maxCombinedDirectoryBytes?: number;
  /** Binaries to use, or how to find them (see tools.ts). */
  tools?: ToolLocations | LocateOptions;
  /** argocd-cm `kustomize.buildOptions`. */
  kustomizeBuildOptions?: string;
  /** argocd-cm `helm.valuesFileSchemes` (default http, https). */
  valuesFileSchemes?: string[];
  /** Credentials for Helm repositories (Argo's repository Secrets of type helm). */
  helmCredentials?: (repoURL: string) => Promise<RepoCredentials | undefined>;
  /** For $ARGOCD_APP_PROJECT_NAME. */
  projectName?: string;
}

const DEFAULT_TIMEOUT_MS = 90_000;
const DEFAULT_MAX_OUTPUT = 64 * 1024 * 1024;

/**
 * Go's os.Expand with Argo's mapping: `$NAME` and `${NAME}` become the build environment's value
 * (an unknown name becomes empty, as in Argo), `$$` is a literal `$`.
 */
export function envsubst(text: string, env: Record<string, string>): string {
  return text.replace(
    /\$(?:\{([^}]*)\}|([*#$@!?\-0-9])|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_m, braced: string | undefined, special: string | undefined, name: string | undefined) => {
      const key = braced ?? special ?? name ?? '';
      if (key === '$') return '$';
      return env[key] ?? '';
    },
  );
}

/** Argo's build environment (repo-server newEnv). */
export function buildEnv(request: RenderRequest, projectName = ''): Record<string, string> {
  const revision = request.checkout?.commit ?? str(request.source.targetRevision);
  return {
    ARGOCD_APP_NAME: request.appName,
    ARGOCD_APP_NAMESPACE: request.namespace,
    ARGOCD_APP_PROJECT_NAME: projectName,
    ARGOCD_APP_REVISION: revision,
    ARGOCD_APP_REVISION_SHORT: revision.slice(0, 7),
    ARGOCD_APP_REVISION_SHORT_8: revision.slice(0, 8),
    ARGOCD_APP_SOURCE_REPO_URL: str(request.source.repoURL),
    ARGOCD_APP_SOURCE_PATH: str(request.source.path),
    ARGOCD_APP_SOURCE_TARGET_REVISION: str(request.source.targetRevision),
  };
}

function str(v: Json | undefined): string {
  return typeof v === 'string' ? v : '';
}

function objectField(source: JsonObject, field: string): JsonObject | undefined {
  const v = source[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw new RenderError(`spec.source.${field} must be an object`);
  }
  return v;
}

/** Argo's ExplicitType: the one tool field set, none, or an error naming them all. */
export function explicitType(source: JsonObject): SourceType | 'Plugin' | undefined {
  const types: (SourceType | 'Plugin')[] = [];
  if (objectField(source, 'kustomize')) types.push('Kustomize');
  if (objectField(source, 'helm')) types.push('Helm');
  if (objectField(source, 'directory')) types.push('Directory');
  if (objectField(source, 'plugin')) types.push('Plugin');
  if (types.length > 1) {
    throw new RenderError(`multiple application sources defined: ${types.join(',')}`);
  }
  return types[0];
}

/** Argo's discovery for the app path itself: *Chart.yaml -> Helm, kustomization -> Kustomize. */
export async function discoverType(appPath: string): Promise<SourceType> {
  let found: SourceType = 'Directory';
  const names = (await readdir(appPath, { withFileTypes: true }))
    .filter((e) => !e.isDirectory())
    .map((e) => e.name)
    .sort();
  // Walk order, the last match wins (as Argo's map assignment during filepath.Walk).
  for (const name of names) {
    if (name.endsWith('Chart.yaml')) found = 'Helm';
    if (KUSTOMIZATION_NAMES.includes(name)) found = 'Kustomize';
  }
  return found;
}

/** Argo's mergeSourceParameters: `.argocd-source.yaml` then `.argocd-source-<app>.yaml`. */
export async function mergeSourceOverrides(
  source: JsonObject,
  appPath: string,
  appName: string,
): Promise<JsonObject> {
  let merged: Json = source;
  for (const name of ['.argocd-source.yaml', `.argocd-source-${appName}.yaml`]) {
    const file = join(appPath, name);
    let text: string;
    try {
      if (!(await stat(file)).isFile()) continue;
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    let patch: unknown;
    try {
      patch = parseYamlDocuments(text)[0] ?? {};
    } catch (err) {
      throw new RenderError(`${name}: ${(err as Error).message}`);
    }
    merged = mergePatch(merged, patch as Json);
  }
  const out = (merged ?? {}) as JsonObject;
  // Only the tool settings may be overridden from git.
  for (const field of ['chart', 'path', 'repoURL', 'targetRevision'] as const) {
    if (source[field] === undefined) delete out[field];
    else out[field] = source[field];
  }
  return out;
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

export class ToolRenderer implements Renderer {
  private tools?: Promise<ToolLocations>;
  private readonly workDir: string;

  constructor(private readonly options: ToolRendererOptions = {}) {
    this.workDir = options.workDir ?? join(tmpdir(), 'argo-serverless-render');
  }

  private locate(): Promise<ToolLocations> {
    const given = this.options.tools;
    if (given && 'kubectl' in given && 'helm' in given) return Promise.resolve(given);
    this.tools ??= locateTools(given as LocateOptions | undefined);
    this.tools.catch(() => (this.tools = undefined));
    return this.tools;
  }

  private helmRun(tools: ToolLocations, env: Record<string, string>): HelmRun {
    const run: HelmRun = {
      helm: tools.helm,
      timeoutMs: this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxOutputBytes: this.options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT,
      workDir: this.workDir,
      envsubst: (s) => envsubst(s, env),
    };
    if (this.options.valuesFileSchemes) run.valuesFileSchemes = this.options.valuesFileSchemes;
    return run;
  }

  async render(request: RenderRequest): Promise<RenderResult> {
    const result = await this.renderSource(request);
    return { ...result, manifests: flattenLists(result.manifests) };
  }

  private async renderSource(request: RenderRequest): Promise<RenderResult> {
    const env = buildEnv(request, this.options.projectName);
    const source = request.source;
    const chart = str(source.chart);
    if (chart) return this.renderChart(request, chart, env);

    const checkout = request.checkout;
    if (!checkout) {
      throw new RenderError(
        `spec.source ${str(source.repoURL)}: no checkout was given; resolve and check out the revision first`,
      );
    }
    const path = str(source.path) || '.';
    const appPath = resolve(checkout.dir, path);
    if (!inside(checkout.dir, appPath)) {
      throw new RenderError(`spec.source.path ${path}: the path leaves the repository`);
    }
    try {
      if (!(await stat(appPath)).isDirectory()) {
        throw new RenderError(`spec.source.path ${path}: app path is not a directory`);
      }
    } catch (err) {
      if (err instanceof RenderError) throw err;
      throw new RenderError(
        `spec.source.path ${path}: app path does not exist in ${checkout.repoURL} at ${checkout.commit}`,
      );
    }
    const merged = await mergeSourceOverrides(source, appPath, request.appName);
    const explicit = explicitType(merged);
    if (explicit === 'Plugin') {
      throw new RenderError(
        'spec.source.plugin: config management plugins are not supported here; render with Kustomize or Helm, or commit the manifests',
      );
    }
    const type = explicit ?? (await discoverType(appPath));
    const tools = type === 'Directory' ? undefined : await this.locate();

    switch (type) {
      case 'Directory': {
        const options = directoryOptions(merged.directory);
        if (this.options.maxCombinedDirectoryBytes) {
          options.maxCombinedBytes = this.options.maxCombinedDirectoryBytes;
        }
        return {
          sourceType: type,
          manifests: await renderDirectory(appPath, checkout.dir, options),
        };
      }
      case 'Kustomize': {
        const kustomize = objectField(merged, 'kustomize') ?? {};
        const kubeVersion = str(kustomize.kubeVersion) || request.kubeVersion;
        const apiVersions =
          Array.isArray(kustomize.apiVersions) && kustomize.apiVersions.length > 0
            ? kustomize.apiVersions.map(String)
            : request.apiVersions;
        const manifests = await renderKustomize(checkout.dir, appPath, kustomize, {
          kubectl: tools!.kubectl,
          helm: tools!.helm,
          timeoutMs: this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          maxOutputBytes: this.options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT,
          ...(this.options.kustomizeBuildOptions
            ? { buildOptions: this.options.kustomizeBuildOptions }
            : {}),
          ...(kubeVersion ? { kubeVersion } : {}),
          ...(apiVersions ? { apiVersions } : {}),
          envsubst: (s) => envsubst(s, env),
        });
        return { sourceType: type, manifests };
      }
      case 'Helm': {
        const manifests = await helmTemplate(
          {
            chartPath: appPath,
            repoRoot: checkout.dir,
            helm: objectField(merged, 'helm') ?? {},
            appName: request.appName,
            namespace: request.namespace,
            ...(request.kubeVersion ? { kubeVersion: request.kubeVersion } : {}),
            ...(request.apiVersions ? { apiVersions: request.apiVersions } : {}),
            ...(request.refs ? { refs: request.refs } : {}),
          },
          this.helmRun(tools!, env),
        );
        return { sourceType: type, manifests };
      }
    }
  }

  private async renderChart(
    request: RenderRequest,
    chart: string,
    env: Record<string, string>,
  ): Promise<RenderResult> {
    const source = request.source;
    const explicit = explicitType(source);
    if (explicit && explicit !== 'Helm') {
      throw new RenderError(
        `spec.source.chart is a Helm chart; remove spec.source.${explicit.toLowerCase()}`,
      );
    }
    const tools = await this.locate();
    const run = this.helmRun(tools, env);
    const helm = objectField(source, 'helm') ?? {};
    const repoURL = str(source.repoURL);
    const credentials = await this.options.helmCredentials?.(repoURL);
    const pulled = await pullChart(
      {
        repoURL,
        chart,
        version: str(source.targetRevision),
        ...(credentials ? { credentials } : {}),
        passCredentials: helm.passCredentials === true,
      },
      run,
    );
    try {
      const manifests = await helmTemplate(
        {
          chartPath: pulled.chartDir,
          repoRoot: pulled.chartDir,
          helm,
          appName: request.appName,
          namespace: request.namespace,
          ...(request.kubeVersion ? { kubeVersion: request.kubeVersion } : {}),
          ...(request.apiVersions ? { apiVersions: request.apiVersions } : {}),
          ...(request.refs ? { refs: request.refs } : {}),
        },
        run,
      );
      return { sourceType: 'Helm', manifests };
    } finally {
      await pulled.dispose();
    }
  }
}
