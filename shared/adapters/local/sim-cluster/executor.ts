/**
 * Pod executors for the simulated kubelet. Without one, pods only move through their phases.
 *
 * - `sim`: runs the pod's main container command when it is the outputs wrapper (see
 *   shared/workflows/pods.ts), with the user's program replaced by a stand-in that prints a line
 *   and writes every declared output path: the wrapper, input artifacts and output capture run
 *   for real, the user's program does not.
 * - `host` (opt-in, local only): runs the user's program itself on this machine when the image is
 *   one whose tools the host has: busybox / alpine / debian / ubuntu (sh), python:* (python3),
 *   node:* (node), argoproj/argosay:* (an emulation of its verbs); other images fall back to the
 *   stand-in above.
 *
 * Each pod runs in its own root: a scratch directory where the host's /usr, /bin, /lib*, /etc
 * and the Python installation are bind-mounted read-only, with its own writable /, /tmp, /root
 * and /var, its volumes (emptyDir per pod, persistentVolumeClaim per claim, configMap / secret
 * files) bind-mounted at their mount paths, entered with `unshare --mount --pid` and `chroot`.
 * A pod writes only inside its root and volumes, never on the host. It is not a security
 * boundary: the program runs with this process's user, and the host's tools are the image.
 */
import { spawn, execFile, execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import type { JsonObject } from '../../../core/types.js';

export interface PodRunResult {
  exitCode: number;
  /** stdout and stderr interleaved, as `kubectl logs` shows them. */
  log: string;
}

export interface PodExecution {
  result: Promise<PodRunResult>;
  kill(): void;
}

/** Looks up a ConfigMap's or Secret's data for env and volumes. */
export type ObjectLookup = (
  kind: 'ConfigMap' | 'Secret',
  namespace: string,
  name: string,
) => Record<string, string> | undefined;

export interface PodExecutor {
  readonly mode: 'sim' | 'host';
  start(pod: JsonObject, lookup: ObjectLookup): PodExecution;
  /** Removes the scratch space (volumes of all pods). */
  close(): Promise<void>;
}

interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: (string | number)[];
  workingDir?: string;
  env?: {
    name: string;
    value?: string;
    valueFrom?: {
      fieldRef?: { fieldPath: string };
      secretKeyRef?: { name: string; key: string };
      configMapKeyRef?: { name: string; key: string };
    };
  }[];
  volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
}

const MAX_LOG_BYTES = 16 * 1024 * 1024;
const WRAPPER_MARK = 'argosls';

/** The sandbox setup: runs as root of fresh mount and pid namespaces, then chroots. */
const SANDBOX_SETUP = `set -e
R="$ARGOSLS_SANDBOX_ROOTFS"
for d in $ARGOSLS_SANDBOX_READONLY; do
  [ -e "$d" ] || continue
  if [ -L "$d" ]; then mkdir -p "$R$(dirname "$d")"; ln -sfn "$(readlink "$d")" "$R$d"; continue; fi
  mkdir -p "$R$d"
  mount --bind "$d" "$R$d"
  mount -o remount,bind,ro "$R$d" 2>/dev/null || true
done
mkdir -p "$R/dev" "$R/proc" "$R/tmp" "$R/root" "$R/var/run" "$R/var/tmp" "$R/run" "$R/mnt" "$R/opt" "$R/srv" "$R/home" "$R/media"
chmod 1777 "$R/tmp"
mount --rbind /dev "$R/dev"
mount -t proc proc "$R/proc"
printf '%s\\n' "$ARGOSLS_SANDBOX_MOUNTS" | while IFS='|' read -r src dst; do
  [ -n "$dst" ] || continue
  mkdir -p "$R$dst"
  mount --bind "$src" "$R$dst"
done
wd="\${ARGOSLS_SANDBOX_WORKDIR:-/}"
unset ARGOSLS_SANDBOX_ROOTFS ARGOSLS_SANDBOX_READONLY ARGOSLS_SANDBOX_MOUNTS ARGOSLS_SANDBOX_WORKDIR
set +e
exec chroot "$R" /bin/sh -c 'mkdir -p "$0" && cd "$0" && exec "$@"' "$wd" "$@"
`;

/** argosay v2's verbs, as the examples use them. */
const ARGOSAY = `#!/bin/sh
verb="\${1:-echo}"; [ $# -gt 0 ] && shift
case "$verb" in
  echo)
    text="\${1:-hello argo}"
    if [ $# -ge 2 ]; then mkdir -p "$(dirname "$2")"; printf '%s' "$text" > "$2"; else printf '%s\\n' "$text"; fi ;;
  cat) cat "$@" ;;
  sleep)
    d="\${1:-1s}"; n=$(printf '%s' "$d" | sed 's/[a-z]*$//'); u=$(printf '%s' "$d" | sed 's/^[0-9.]*//')
    case "$u" in ms) sleep "$(echo "$n/1000" | bc -l 2>/dev/null || echo 0)";; m) sleep $((n*60));; h) sleep $((n*3600));; *) sleep "$n";; esac ;;
  exit) exit "\${1:-0}" ;;
  assert_contains) grep -q -- "$2" "$1" || { echo "$1 does not contain $2" >&2; exit 1; } ;;
  assert_equals) [ "$(cat "$1")" = "$2" ] || { echo "$1 is not $2" >&2; exit 1; } ;;
  *) echo "argosay: unknown verb $verb" >&2; exit 2 ;;
esac
`;

const COWSAY = `#!/bin/sh
text="$*"; line=$(printf '%s' "$text" | sed 's/./-/g')
printf ' _%s_\n< %s >\n -%s-\n        \\   ^__^\n         \\  (oo)\\_______\n            (__)\\       )\\/\\\n                ||----w |\n                ||     ||\n' "$line" "$text" "$line"
`;

/** What the stand-in program does: say so, and create every declared output path. */
const STAND_IN = `echo "simulated: $ARGOSLS_SIM_IMAGE ran"
i=0
while [ "$i" -lt "\${ARGOSLS_OUT_PARAM_COUNT:-0}" ]; do
  eval "p=\\\${ARGOSLS_OUT_PARAM_\${i}_PATH}; n=\\\${ARGOSLS_OUT_PARAM_\${i}_NAME}"
  mkdir -p "$(dirname "$p")"; [ -e "$p" ] || printf 'simulated %s' "$n" > "$p"
  i=$((i+1))
done
i=0
while [ "$i" -lt "\${ARGOSLS_OUT_ART_COUNT:-0}" ]; do
  eval "p=\\\${ARGOSLS_OUT_ART_\${i}_PATH}; n=\\\${ARGOSLS_OUT_ART_\${i}_NAME}"
  mkdir -p "$(dirname "$p")"; [ -e "$p" ] || printf 'simulated %s\\n' "$n" > "$p"
  i=$((i+1))
done
exit "\${ARGOSLS_SIM_EXIT_CODE:-0}"
`;

export const HOST_IMAGES: { pattern: RegExp; kind: 'sh' | 'python' | 'node' | 'argosay' }[] = [
  { pattern: /^(docker\.io\/)?(library\/)?(busybox|alpine|debian|ubuntu)(:|@|$)/, kind: 'sh' },
  { pattern: /^(docker\.io\/)?(library\/)?python(:|@|$)/, kind: 'python' },
  { pattern: /^(docker\.io\/)?(library\/)?node(:|@|$)/, kind: 'node' },
  { pattern: /^(docker\.io\/|quay\.io\/)?argoproj\/argosay(:|@|$)/, kind: 'argosay' },
  { pattern: /^(docker\.io\/)?docker\/whalesay(:|@|$)/, kind: 'sh' },
];

export async function createPodExecutor(options: {
  mode: 'sim' | 'host';
  scratchDir?: string;
  exitCodeAnnotation?: string;
  maxRunMs?: number;
}): Promise<PodExecutor> {
  const root = options.scratchDir ?? (await mkdtemp(join(tmpdir(), 'argosls-pods-')));
  await mkdir(root, { recursive: true });
  const bin = join(root, 'bin');
  await mkdir(bin, { recursive: true });
  await writeShims(bin);
  const unshare = [
    'unshare',
    ...(process.getuid?.() === 0 ? [] : ['--user', '--map-root-user']),
    '--mount',
    '--propagation',
    'private',
    '--pid',
    '--fork',
  ];
  const readOnly = await hostDirsToShare(bin);
  const maxRunMs = options.maxRunMs ?? 600_000;
  let seq = 0;
  return {
    mode: options.mode,
    start(pod, lookup) {
      const meta = pod['metadata'] as {
        name: string;
        namespace?: string;
        annotations?: Record<string, string>;
      };
      const spec = pod['spec'] as unknown as { containers: Container[]; volumes?: JsonObject[] };
      const main = spec.containers.find((c) => c.name === 'main') ?? spec.containers[0]!;
      const podDir = join(root, 'pods', `${meta.namespace ?? 'default'}.${meta.name}.${++seq}`);
      let child: ReturnType<typeof spawn> | undefined;
      let killed = false;
      const result = (async (): Promise<PodRunResult> => {
        const mounts = await prepareVolumes(
          root,
          podDir,
          meta.namespace ?? 'default',
          spec.volumes ?? [],
          main.volumeMounts ?? [],
          lookup,
        );
        const env = containerEnv(main, pod, lookup);
        const argv = [...(main.command ?? []), ...(main.args ?? []).map(String)];
        const program = programFor(
          options.mode,
          main.image ?? '',
          argv,
          bin,
          meta.annotations?.[options.exitCodeAnnotation ?? ''] ?? undefined,
          env,
        );
        if (!program) return { exitCode: 0, log: '' };
        const rootfs = join(podDir, 'rootfs');
        await mkdir(rootfs, { recursive: true });
        const sandboxEnv: Record<string, string> = {
          PATH: `${bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
          HOME: '/root',
          ...env,
          ...program.env,
          ARGOSLS_SANDBOX_ROOTFS: rootfs,
          ARGOSLS_SANDBOX_READONLY: readOnly.join(' '),
          ARGOSLS_SANDBOX_MOUNTS: mounts.map((m) => `${m.src}|${m.dst}`).join('\n'),
          ARGOSLS_SANDBOX_WORKDIR: main.workingDir ?? '',
        };
        if (killed) return { exitCode: 137, log: '' };
        return await new Promise<PodRunResult>((done) => {
          const chunks: Buffer[] = [];
          let size = 0;
          const proc = spawn(
            unshare[0]!,
            [...unshare.slice(1), 'sh', '-c', SANDBOX_SETUP, 'sandbox', ...program.argv],
            {
              env: sandboxEnv,
              detached: true,
              stdio: ['ignore', 'pipe', 'pipe'],
            },
          );
          child = proc;
          const collect = (b: Buffer) => {
            if (size < MAX_LOG_BYTES) chunks.push(b);
            size += b.length;
          };
          proc.stdout!.on('data', collect);
          proc.stderr!.on('data', collect);
          const timer = setTimeout(() => kill(proc), maxRunMs);
          proc.on('error', (err) => {
            clearTimeout(timer);
            done({ exitCode: 127, log: `executor: ${err.message}\n` });
          });
          proc.on('close', (code, signal) => {
            clearTimeout(timer);
            done({
              exitCode: code ?? (signal ? 137 : 1),
              log: Buffer.concat(chunks).toString('utf8'),
            });
          });
        });
      })();
      return {
        result,
        kill() {
          killed = true;
          if (child) kill(child);
        },
      };
    },
    async close() {
      // --one-file-system: never follow into a mount, should one still be alive.
      await new Promise<void>((done) =>
        execFile('rm', ['-rf', '--one-file-system', root], () => done()),
      );
    },
  };
}

/** Host directories every pod root shares, read-only: the tools that stand in for the image. */
async function hostDirsToShare(bin: string): Promise<string[]> {
  const dirs = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc', bin];
  const pythonPrefix = resolveExecutable('python3', ['-c', 'import sys; print(sys.prefix)']);
  if (pythonPrefix && !pythonPrefix.startsWith('/usr')) dirs.push(pythonPrefix);
  return dirs.filter((d) => existsSync(d));
}

function kill(proc: ReturnType<typeof spawn>): void {
  try {
    if (proc.pid) process.kill(-proc.pid, 'SIGKILL');
  } catch {
    proc.kill('SIGKILL');
  }
}

async function writeShims(bin: string): Promise<void> {
  const link = async (name: string, target: string | undefined) => {
    if (!target) return;
    await rm(join(bin, name), { force: true });
    await symlink(target, join(bin, name));
  };
  const python = resolveExecutable('python3', ['-c', 'import sys; print(sys.executable)']);
  await link('python', python);
  await link('python3', python);
  await writeFile(join(bin, 'argosay'), ARGOSAY);
  await chmod(join(bin, 'argosay'), 0o755);
  // argosay:v1 and docker/whalesay images ship cowsay; examples call it.
  await writeFile(join(bin, 'cowsay'), COWSAY);
  await chmod(join(bin, 'cowsay'), 0o755);
}

function resolveExecutable(command: string, args: string[]): string | undefined {
  try {
    return (
      execFileSync(command, args, {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim() || undefined
    );
  } catch {
    return undefined;
  }
}

/** The argv the sandbox execs for the main container, or undefined when nothing should run. */
function programFor(
  mode: 'sim' | 'host',
  image: string,
  argv: string[],
  bin: string,
  exitCode: string | undefined,
  env: Record<string, string>,
): { argv: string[]; env: Record<string, string> } | undefined {
  const wrapped = argv[0] === 'sh' && argv[1] === '-c' && argv[3] === WRAPPER_MARK;
  const hostKind =
    mode === 'host' ? HOST_IMAGES.find((h) => h.pattern.test(image))?.kind : undefined;
  if (hostKind) {
    const user = wrapped ? argv.slice(4) : argv;
    const mapped = mapCommand(hostKind, user, bin);
    if (mapped.length === 0) return undefined;
    return { argv: wrapped ? [...argv.slice(0, 4), ...mapped] : mapped, env: {} };
  }
  if (!wrapped) {
    // Nothing to run on the host: the pod just completes (with its annotated exit code).
    return {
      argv: [
        'sh',
        '-c',
        `echo "simulated: ${image.replace(/"/g, '')} ran"; exit ${Number(exitCode ?? 0) || 0}`,
      ],
      env: {},
    };
  }
  void env;
  return {
    argv: [...argv.slice(0, 4), 'sh', '-c', STAND_IN, 'stand-in'],
    env: { ARGOSLS_SIM_IMAGE: image, ARGOSLS_SIM_EXIT_CODE: String(Number(exitCode ?? 0) || 0) },
  };
}

function mapCommand(
  kind: 'sh' | 'python' | 'node' | 'argosay',
  argv: string[],
  bin: string,
): string[] {
  if (kind === 'argosay') {
    if (argv[0] === '/argosay' || argv[0] === 'argosay')
      return [join(bin, 'argosay'), ...argv.slice(1)];
    // A command of its own (`sh -c "cowsay hello"`) runs as written.
    return argv;
  }
  if (argv.length === 0) return kind === 'sh' ? [] : argv;
  return argv;
}

function containerEnv(c: Container, pod: JsonObject, lookup: ObjectLookup): Record<string, string> {
  const meta = pod['metadata'] as { name: string; namespace?: string };
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = expandEnv(String(e.value), env);
    else if (e.valueFrom?.fieldRef) {
      const path = e.valueFrom.fieldRef.fieldPath;
      env[e.name] =
        path === 'metadata.name'
          ? meta.name
          : path === 'metadata.namespace'
            ? (meta.namespace ?? 'default')
            : '';
    } else if (e.valueFrom?.secretKeyRef) {
      env[e.name] =
        lookup('Secret', meta.namespace ?? 'default', e.valueFrom.secretKeyRef.name)?.[
          e.valueFrom.secretKeyRef.key
        ] ?? '';
    } else if (e.valueFrom?.configMapKeyRef) {
      env[e.name] =
        lookup('ConfigMap', meta.namespace ?? 'default', e.valueFrom.configMapKeyRef.name)?.[
          e.valueFrom.configMapKeyRef.key
        ] ?? '';
    }
  }
  return env;
}

/** Kubernetes' `$(VAR)` references in env values. */
function expandEnv(value: string, env: Record<string, string>): string {
  return value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string) => env[name] ?? m);
}

async function prepareVolumes(
  root: string,
  podDir: string,
  namespace: string,
  volumes: JsonObject[],
  mounts: NonNullable<Container['volumeMounts']>,
  lookup: ObjectLookup,
): Promise<{ src: string; dst: string }[]> {
  const out: { src: string; dst: string }[] = [];
  for (const m of mounts) {
    const volume = volumes.find((v) => v['name'] === m.name) as
      Record<string, JsonObject | undefined> | undefined;
    let dir: string;
    if (volume?.['persistentVolumeClaim']) {
      dir = join(root, 'claims', namespace, String(volume['persistentVolumeClaim']['claimName']));
    } else {
      dir = join(podDir, 'volumes', m.name);
    }
    await mkdir(dir, { recursive: true });
    const source = volume?.['configMap'] ? 'ConfigMap' : volume?.['secret'] ? 'Secret' : undefined;
    if (source) {
      const ref = volume![source === 'ConfigMap' ? 'configMap' : 'secret']!;
      const name = String(ref[source === 'ConfigMap' ? 'name' : 'secretName'] ?? ref['name']);
      for (const [k, v] of Object.entries(lookup(source, namespace, name) ?? {}))
        await writeFile(join(dir, k), v);
    }
    const src = m.subPath ? join(dir, m.subPath) : dir;
    await mkdir(src, { recursive: true });
    out.push({ src: resolve(src), dst: m.mountPath });
  }
  return out;
}
