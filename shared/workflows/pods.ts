/**
 * The pod a container / script template runs in, with Argo's labels and annotations, and the
 * portable outputs mechanism: when a node has outputs (parameters, artifacts, `result`) or input
 * artifacts, the main container's command is wrapped in a POSIX `sh` script (no custom image:
 * it needs only `sh`, `base64`, `tar` and `gzip`, as busybox, alpine, debian and python images
 * have). The script places input artifacts, runs the command with its stdout copied aside, and
 * prints the outputs, base64-encoded, in a marked block at the end of the container's log. The
 * poll effect reads that block through the Kubernetes API (pod logs): the same on EKS and on the
 * simulated cluster, where the host executor runs this very script.
 */
import type { JsonObject } from '../core/types.js';
import type { NodeArtifact, NodeStatus } from './nodes.js';
import type { WorkflowState } from './state.js';
import type { ContainerSpec, Template } from './types.js';

export const OUTPUTS_BEGIN = '@@argosls-outputs-begin@@';
export const OUTPUTS_END = '@@argosls-outputs-end@@';
export const STAGING_DIR = '/var/run/argosls';

export const LABELS = {
  workflow: 'workflows.argoproj.io/workflow',
  completed: 'workflows.argoproj.io/completed',
} as const;

export const ANNOTATIONS = {
  nodeId: 'workflows.argoproj.io/node-id',
  nodeName: 'workflows.argoproj.io/node-name',
  template: 'workflows.argoproj.io/template',
  resourceKey: 'argo-serverless.dev/resource-key',
  /** The main container's log ends with an outputs block to read. */
  outputs: 'workflows.argo-serverless.dev/outputs',
} as const;

/** Entrypoints of images that are commonly run with `args` only. */
const KNOWN_ENTRYPOINTS: { image: RegExp; command: string[] }[] = [
  { image: /(^|\/)argosay(:|$)/, command: ['/argosay'] },
];

/** The wrapper. `$@` is the user's command; configuration comes from ARGOSLS_* variables. */
export const WRAPPER_SCRIPT = `d=${STAGING_DIR}
mkdir -p "$d"
i=0
while [ "$i" -lt "\${ARGOSLS_IN_COUNT:-0}" ]; do
  eval "p=\\\${ARGOSLS_IN_\${i}_PATH}; t=\\\${ARGOSLS_IN_\${i}_TGZ:-}; r=\\\${ARGOSLS_IN_\${i}_RAW-}; u=\\\${ARGOSLS_IN_\${i}_URL:-}; k=\\\${ARGOSLS_IN_\${i}_KIND:-}; sp=\\\${ARGOSLS_IN_\${i}_SUBPATH:-}"
  mkdir -p "$(dirname "$p")"
  if [ "$k" = tgz ]; then
    x="$d/in$i"; mkdir -p "$x"
    printf '%s' "$t" | base64 -d | tar -xzf - -C "$x"
    e=$(ls -A "$x")
    if [ "$(printf '%s\\n' "$e" | wc -l)" -eq 1 ]; then x="$x/$e"; e=; fi
    if [ -n "$sp" ]; then x="$x/$sp"; e=; fi
    if [ -z "$e" ]; then rm -rf "$p"; mv "$x" "$p"; else mkdir -p "$p"; cp -a "$x/." "$p/"; fi
  elif [ "$k" = file ]; then printf '%s' "$t" | base64 -d > "$p"
  elif [ "$k" = raw ]; then printf '%s' "$r" > "$p"
  elif [ "$k" = url ]; then wget -q -O "$p" "$u" 2>/dev/null || curl -fsSL -o "$p" "$u"
  fi
  i=$((i+1))
done
if [ -n "\${ARGOSLS_SCRIPT+x}" ]; then printf '%s' "$ARGOSLS_SCRIPT" > "$d/script"; chmod +x "$d/script"; set -- "$@" "$d/script"; fi
{ "$@"; echo $? > "$d/rc"; } | tee "$d/stdout"
rc=$(cat "$d/rc" 2>/dev/null || echo 1)
printf '\\n${OUTPUTS_BEGIN}\\n'
if [ -n "\${ARGOSLS_RESULT:-}" ]; then printf 'result %s\\n' "$(base64 < "$d/stdout" | tr -d '\\n')"; fi
i=0
while [ "$i" -lt "\${ARGOSLS_OUT_PARAM_COUNT:-0}" ]; do
  eval "p=\\\${ARGOSLS_OUT_PARAM_\${i}_PATH}"
  if [ -f "$p" ]; then printf 'param %s %s\\n' "$i" "$(base64 < "$p" | tr -d '\\n')"; fi
  i=$((i+1))
done
i=0
while [ "$i" -lt "\${ARGOSLS_OUT_ART_COUNT:-0}" ]; do
  eval "p=\\\${ARGOSLS_OUT_ART_\${i}_PATH}"
  if [ -e "$p" ]; then printf 'artifact %s %s\\n' "$i" "$(cd "$(dirname "$p")" && tar -czf - "$(basename "$p")" | base64 | tr -d '\\n')"; fi
  i=$((i+1))
done
printf '%s\\n' '${OUTPUTS_END}'
exit "$rc"
`;

/** An input artifact the effect worker fetches and hands to the wrapper. */
export interface InputArtifactRequest {
  index: number;
  name: string;
  path: string;
  /** A key in the artifact repository (a tar.gz, as outputs are stored). */
  key?: string;
  raw?: string;
  url?: string;
  /** A path inside the stored artifact (a directory) to place instead of all of it. */
  subPath?: string;
}

export class PodSpecError extends Error {}

export function buildPod(
  state: WorkflowState,
  node: NodeStatus,
  template: Template,
  name: string,
  serviceAccountName: string | undefined,
): { manifest: JsonObject; inputArtifacts: InputArtifactRequest[] } {
  const spec = state.spec;
  const labels: Record<string, string> = {
    ...(spec.podMetadata?.labels ?? {}),
    ...(template.metadata?.labels ?? {}),
    [LABELS.workflow]: state.name,
    [LABELS.completed]: 'false',
  };
  const annotations: Record<string, string> = {
    ...(spec.podMetadata?.annotations ?? {}),
    ...(template.metadata?.annotations ?? {}),
    [ANNOTATIONS.nodeId]: node.id,
    [ANNOTATIONS.nodeName]: node.name,
    [ANNOTATIONS.resourceKey]: `${state.cluster}/Workflow/${state.namespace}/${state.name}`,
  };
  const volumes: JsonObject[] = [
    ...((spec.volumes ?? []) as JsonObject[]),
    ...(spec.volumeClaimTemplates ?? []).map((c) => ({
      name: c.metadata.name,
      persistentVolumeClaim: { claimName: `${state.name}-${c.metadata.name}` },
    })),
    ...((template.volumes ?? []) as JsonObject[]),
  ];
  const inputArtifacts = (node.inputs?.artifacts ?? []).map((a, index) =>
    inputArtifactRequest(a, index),
  );
  let wrap = needsOutputs(template, spec) || inputArtifacts.length > 0;
  const onlyResult =
    !template.script &&
    !inputArtifacts.length &&
    !template.outputs?.parameters?.some((p) => p.valueFrom?.path) &&
    !template.outputs?.artifacts?.some((a) => a.path);
  if (
    wrap &&
    onlyResult &&
    !(template.container ?? template.containerSet?.containers[0])?.command
  ) {
    // Only `result` is wanted and the entrypoint is unknown: the whole log stands in for stdout.
    wrap = false;
    annotations[ANNOTATIONS.outputs] = 'log';
  }
  if (wrap) annotations[ANNOTATIONS.outputs] = 'true';
  const main = mainContainer(template, wrap, inputArtifacts.length);
  if (wrap) volumes.push({ name: 'argosls-staging', emptyDir: {} });
  const sidecars = (template.sidecars ?? []).map((s) => ({ ...s }) as JsonObject);
  const podSpec: JsonObject = {
    restartPolicy: 'Never',
    containers: [main, ...sidecars],
    ...(volumes.length ? { volumes } : {}),
    ...(template.initContainers?.length
      ? { initContainers: template.initContainers as JsonObject[] }
      : {}),
    ...(serviceAccountName ? { serviceAccountName } : {}),
  };
  const nodeSelector = { ...(spec.nodeSelector ?? {}), ...(template.nodeSelector ?? {}) };
  if (Object.keys(nodeSelector).length) podSpec['nodeSelector'] = nodeSelector;
  for (const field of [
    'tolerations',
    'affinity',
    'securityContext',
    'hostAliases',
    'dnsConfig',
    'dnsPolicy',
    'schedulerName',
    'priorityClassName',
    'imagePullSecrets',
    'hostNetwork',
  ] as const) {
    const value =
      (template as Record<string, unknown>)[field] ?? (spec as Record<string, unknown>)[field];
    if (value !== undefined) podSpec[field] = value as JsonObject;
  }
  return {
    manifest: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: state.namespace, labels, annotations },
      spec: podSpec,
    },
    inputArtifacts,
  };
}

function inputArtifactRequest(a: NodeArtifact, index: number): InputArtifactRequest {
  if (!a.path)
    throw new PodSpecError(
      `inputs.artifacts.${a.name}: path is required to place it in the container`,
    );
  const request: InputArtifactRequest = { index, name: a.name, path: a.path };
  if (typeof a['subPath'] === 'string') request.subPath = a['subPath'];
  if (a.raw) request.raw = a.raw.data;
  else if (a.http && typeof a.http['url'] === 'string') request.url = a.http['url'];
  else if (a.s3?.key) request.key = a.s3.key;
  else
    throw new PodSpecError(
      `inputs.artifacts.${a.name}: only raw, http and artifact-repository (s3 key) artifacts are supported so far`,
    );
  return request;
}

function mainContainer(template: Template, wrap: boolean, inputCount: number): JsonObject {
  const source = (template.container ??
    template.script ??
    template.containerSet?.containers[0]) as ContainerSpec;
  const { source: script, ...rest } = source as ContainerSpec & { source?: string };
  const container: JsonObject = { ...(rest as JsonObject), name: 'main' };
  const env = [...((rest.env ?? []) as JsonObject[])];
  if (!wrap) {
    if (template.script) throw new PodSpecError('script templates always run wrapped');
    return container;
  }
  let command =
    rest.command ?? KNOWN_ENTRYPOINTS.find((k) => k.image.test(rest.image ?? ''))?.command;
  if (template.script) command ??= ['sh'];
  if (!command) {
    throw new PodSpecError(
      `container ${rest.image ?? ''} has outputs but no command: set container.command (the image's entrypoint is not known here)`,
    );
  }
  const args = (rest.args ?? []).map(String);
  container['command'] = ['sh', '-c', WRAPPER_SCRIPT, 'argosls', ...command, ...args];
  delete container['args'];
  if (script !== undefined) env.push({ name: 'ARGOSLS_SCRIPT', value: script });
  env.push({ name: 'ARGOSLS_RESULT', value: '1' });
  const params = (template.outputs?.parameters ?? []).filter((p) => p.valueFrom?.path);
  env.push({ name: 'ARGOSLS_OUT_PARAM_COUNT', value: String(params.length) });
  params.forEach((p, i) =>
    env.push(
      { name: `ARGOSLS_OUT_PARAM_${i}_NAME`, value: p.name },
      { name: `ARGOSLS_OUT_PARAM_${i}_PATH`, value: p.valueFrom!.path! },
    ),
  );
  const arts = (template.outputs?.artifacts ?? []).filter((a) => a.path);
  env.push({ name: 'ARGOSLS_OUT_ART_COUNT', value: String(arts.length) });
  arts.forEach((a, i) => {
    env.push(
      { name: `ARGOSLS_OUT_ART_${i}_NAME`, value: a.name },
      { name: `ARGOSLS_OUT_ART_${i}_PATH`, value: a.path! },
    );
    // A key the template chose in the artifact repository (`s3.key`, or the bare `key`).
    const key = (a.s3 as { key?: string } | undefined)?.key ?? (a as { key?: string }).key;
    if (key) env.push({ name: `ARGOSLS_OUT_ART_${i}_KEY`, value: key });
    // Argo stores `archive: none` artifacts as plain objects, a directory as one per file.
    if (a.archive?.none) env.push({ name: `ARGOSLS_OUT_ART_${i}_ARCHIVE`, value: 'none' });
  });
  env.push({ name: 'ARGOSLS_IN_COUNT', value: String(inputCount) });
  container['env'] = env;
  container['volumeMounts'] = [
    ...((rest.volumeMounts ?? []) as JsonObject[]),
    { name: 'argosls-staging', mountPath: STAGING_DIR },
  ];
  return container;
}

/** Names of output parameters / artifacts in wrapper order, to decode the block. */
export function outputNames(pod: JsonObject): {
  params: string[];
  artifacts: string[];
  /** Repository keys chosen by the template, by artifact index. */
  keys: Record<number, string>;
  /** Artifacts stored without an archive, by index. */
  unarchived: Set<number>;
  /** Artifact paths, by index. */
  paths: Record<number, string>;
} {
  const containers = ((pod['spec'] as JsonObject | undefined)?.['containers'] ?? []) as {
    name: string;
    env?: { name: string; value?: string }[];
  }[];
  const env = containers.find((c) => c.name === 'main')?.env ?? [];
  const get = (n: string) => env.find((e) => e.name === n)?.value;
  const params: string[] = [];
  const artifacts: string[] = [];
  for (let i = 0; i < Number(get('ARGOSLS_OUT_PARAM_COUNT') ?? 0); i++)
    params.push(get(`ARGOSLS_OUT_PARAM_${i}_NAME`) ?? '');
  const keys: Record<number, string> = {};
  const unarchived = new Set<number>();
  const paths: Record<number, string> = {};
  for (let i = 0; i < Number(get('ARGOSLS_OUT_ART_COUNT') ?? 0); i++) {
    artifacts.push(get(`ARGOSLS_OUT_ART_${i}_NAME`) ?? '');
    const key = get(`ARGOSLS_OUT_ART_${i}_KEY`);
    if (key) keys[i] = key;
    if (get(`ARGOSLS_OUT_ART_${i}_ARCHIVE`) === 'none') unarchived.add(i);
    paths[i] = get(`ARGOSLS_OUT_ART_${i}_PATH`) ?? '';
  }
  return { params, artifacts, keys, unarchived, paths };
}

export interface ParsedOutputs {
  /** The log without the outputs block (what the user printed). */
  log: string;
  result?: string;
  params: Record<number, string>;
  artifacts: Record<number, Buffer>;
  found: boolean;
}

/** Reads the outputs block at the end of a main container's log. */
export function parseOutputsBlock(log: string): ParsedOutputs {
  const begin = log.lastIndexOf(`\n${OUTPUTS_BEGIN}\n`);
  if (begin < 0) return { log, params: {}, artifacts: {}, found: false };
  const end = log.indexOf(OUTPUTS_END, begin);
  const block = log.slice(begin + OUTPUTS_BEGIN.length + 2, end < 0 ? undefined : end);
  const parsed: ParsedOutputs = {
    log: log.slice(0, begin),
    params: {},
    artifacts: {},
    found: end >= 0,
  };
  for (const line of block.split('\n')) {
    const [kind, a, b] = line.split(' ');
    if (kind === 'result') parsed.result = Buffer.from(a ?? '', 'base64').toString('utf8');
    else if (kind === 'param')
      parsed.params[Number(a)] = Buffer.from(b ?? '', 'base64').toString('utf8');
    else if (kind === 'artifact') parsed.artifacts[Number(a)] = Buffer.from(b ?? '', 'base64');
  }
  return parsed;
}

/** Does the pod's log have to be read when it ends (output parameters, artifacts, result)? */
export function needsOutputs(template: Template, spec: { templates?: Template[] }): boolean {
  if (template.script) return true;
  if (template.outputs?.parameters?.some((p) => p.valueFrom?.path)) return true;
  if (template.outputs?.artifacts?.some((a) => a.path)) return true;
  return referencesResult(spec);
}

const resultRefs = new WeakMap<object, boolean>();
function referencesResult(spec: object): boolean {
  let v = resultRefs.get(spec);
  if (v === undefined) {
    v = /outputs\.result|outputs\.exitCode/.test(JSON.stringify(spec));
    resultRefs.set(spec, v);
  }
  return v;
}
