/**
 * Effect workers for Sensor triggers: k8s objects of other kinds than argoproj.io (the cluster's
 * API, as the Sensor's service account), http requests and log lines. Each is idempotent on the
 * effect id as far as its target allows: a create of a derived name that exists is success, an
 * http request carries the effect id as `Idempotency-Key`. A failure that retrying cannot mend is
 * reported as the trigger's error (result `{tag, error}`), never thrown into a DLQ.
 */
import type { EffectContext, EffectHandler } from '../core/effects.js';
import { isTransient, TransientError } from '../core/effects.js';
import type { Kubernetes, KubePatchType } from '../core/kubernetes.js';
import { KubernetesError } from '../core/kubernetes.js';
import type { KubeObject } from '../core/objects.js';
import type { Json, SecretRef } from '../core/types.js';
import { EventEffects } from './triggers/plan.js';
import type { ArgoEvent, ArtifactLocation } from './types.js';
import { parseSourceText } from './triggers/source.js';
import { everythingWired } from './wiring.js';
import type { WiredSource, WiringCheck } from './wiring.js';

export interface EventEffectDeps {
  clusters: { forCluster(name: string): Promise<Kubernetes> };
  /** Which queue-fed sources the deployment delivers (default: all, as embedded). */
  wiring?: WiringCheck;
  /** Invokes AWS Lambda functions (awsLambda triggers); without it they fail with a reason. */
  lambda?: LambdaInvoker;
  /** Routes an event to the Sensors listening for it (calendar sources publish through it). */
  events?: {
    route(cluster: string, namespace: string, at: number, event: ArgoEvent): Promise<number>;
  };
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
}

interface K8sInput {
  tag: string;
  cluster: string;
  operation: 'create' | 'update' | 'patch' | 'delete';
  object: KubeObject;
  derivedName: boolean;
  patchStrategy?: string;
  serviceAccountName: string;
}

interface HttpInput {
  tag: string;
  url: string;
  method: string;
  payload: string;
  headers: Record<string, string>;
  secureHeaders: { name: string; secret: SecretRef }[];
  timeoutSeconds: number;
  allowedStatuses?: number[];
}

interface LambdaInput {
  tag: string;
  functionName: string;
  region?: string;
  invocationType: 'RequestResponse' | 'Event' | 'DryRun';
  payload: string;
  accessKey?: SecretRef;
  secretKey?: SecretRef;
  roleARN?: string;
}

/** One Lambda invocation, as the awsLambda trigger asks for it (credentials resolved). */
export interface LambdaInvocation {
  functionName: string;
  region: string;
  invocationType: LambdaInput['invocationType'];
  payload: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  roleARN?: string;
}

/** The port to AWS Lambda (shared/adapters/aws/lambda-invoker.ts). */
export interface LambdaInvoker {
  /** Throws TransientError for what is worth another try (throttling, service faults). */
  invoke(
    call: LambdaInvocation,
  ): Promise<{ status: number; functionError?: string; payload: string }>;
}

interface ResolveInput {
  tag: string;
  cluster: string;
  namespace: string;
  source: ArtifactLocation;
}

export function eventEffectHandlers(deps: EventEffectDeps): EffectHandler[] {
  return [
    {
      kind: EventEffects.K8s,
      run: (effect) =>
        reportErrors((effect.input as unknown as K8sInput).tag, () =>
          k8s(deps, effect.input as unknown as K8sInput),
        ),
    },
    {
      kind: EventEffects.Http,
      run: (effect, ctx) =>
        reportErrors((effect.input as unknown as HttpInput).tag, async () => {
          const input = effect.input as unknown as HttpInput;
          const headers: Record<string, string> = {
            'Content-Type': 'application/json',
            ...input.headers,
            'Idempotency-Key': effect.id,
          };
          for (const h of input.secureHeaders) headers[h.name] = await ctx.secret(h.secret);
          const response = await (deps.fetch ?? fetch)(input.url, {
            method: input.method,
            headers,
            ...(input.method === 'GET' || input.method === 'HEAD' ? {} : { body: input.payload }),
            signal: AbortSignal.timeout(input.timeoutSeconds * 1000),
          }).catch((err: unknown) => {
            // Not reached at all (refused, reset, timed out): worth another try.
            throw new TransientError(`${input.method} ${input.url}: ${(err as Error).message}`);
          });
          await response.arrayBuffer();
          // As Argo: a status decides only when the trigger's policy lists the allowed ones.
          if (input.allowedStatuses && !input.allowedStatuses.includes(response.status))
            throw new Error(
              `${input.method} ${input.url}: HTTP ${response.status}, not in policy.status.allow [${input.allowedStatuses.join(', ')}]`,
            );
          return { tag: input.tag, status: response.status };
        }),
    },
    {
      kind: EventEffects.Lambda,
      run: (effect, ctx) => {
        const input = effect.input as unknown as LambdaInput;
        return reportErrors(input.tag, () => invokeLambda(deps, input, ctx));
      },
    },
    {
      kind: EventEffects.Wiring,
      async run(effect) {
        const input = effect.input as unknown as { tag: string; sources: WiredSource[] };
        const unwired = await (deps.wiring ?? everythingWired).check(input.sources);
        return { tag: input.tag, unwired: unwired as unknown as Json };
      },
    },
    {
      kind: EventEffects.Resolve,
      run: (effect) => {
        const input = effect.input as unknown as ResolveInput;
        return reportErrors(input.tag, async () => ({
          tag: input.tag,
          object: await resolveSource(deps, input),
        }));
      },
    },
    {
      kind: EventEffects.Publish,
      silent: true,
      async run(effect) {
        const input = effect.input as unknown as {
          cluster: string;
          namespace: string;
          at: number;
          event: ArgoEvent;
        };
        if (!deps.events) throw new Error('this runtime cannot route events to Sensors');
        // Command ids derive from the event id: publishing twice sends the same commands.
        await deps.events.route(input.cluster, input.namespace, input.at, input.event);
        return null;
      },
    },
    {
      kind: EventEffects.Log,
      async run(effect, ctx) {
        const input = effect.input as { tag: string; sensor: string; events: Json };
        ctx.log.info('sensor log trigger', {
          sensor: input.sensor,
          trigger: input.tag,
          events: input.events,
        });
        return { tag: input.tag };
      },
    },
  ];
}

async function reportErrors(tag: string, run: () => Promise<Json>): Promise<Json> {
  try {
    return await run();
  } catch (err) {
    if (isTransient(err)) throw err;
    return { tag, error: (err as Error).message };
  }
}

async function k8s(deps: EventEffectDeps, input: K8sInput): Promise<Json> {
  const kube = await deps.clusters.forCluster(input.cluster);
  const namespace = String(input.object.metadata.namespace ?? 'default');
  const as = { impersonate: { serviceAccount: input.serviceAccountName, namespace } };
  const ref = {
    apiVersion: input.object.apiVersion,
    kind: input.object.kind,
    name: input.object.metadata.name,
    ...(input.object.metadata.namespace ? { namespace } : {}),
  };
  switch (input.operation) {
    case 'create':
      try {
        await kube.create(input.object, as);
      } catch (err) {
        // A derived name is this firing's own: it exists because an earlier run created it.
        if (!(err instanceof KubernetesError && err.code === 'AlreadyExists' && input.derivedName))
          throw err;
      }
      break;
    case 'update':
      await kube.apply(input.object, { ...as, force: true });
      break;
    case 'patch': {
      const type: KubePatchType =
        input.patchStrategy === 'application/json-patch+json'
          ? 'json'
          : input.patchStrategy === 'application/strategic-merge-patch+json'
            ? 'strategic'
            : 'merge';
      await kube.patch(ref, input.object, type, as);
      break;
    }
    case 'delete':
      await kube.delete(ref, as);
      break;
  }
  return {
    tag: input.tag,
    object: `${input.object.kind}/${namespace}/${input.object.metadata.name}`,
  };
}

/** Fetches a trigger source the Sensor cannot read itself. */
async function resolveSource(deps: EventEffectDeps, input: ResolveInput): Promise<Json> {
  const { source } = input;
  if (source.configmap) {
    const namespace = source.configmap.namespace ?? input.namespace;
    const where = `ConfigMap ${namespace}/${source.configmap.name}`;
    const kube = await deps.clusters.forCluster(input.cluster);
    const cm = await kube.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: source.configmap.name,
      namespace,
    });
    if (!cm) throw new Error(`${where} does not exist`);
    const text = (cm['data'] as Record<string, string> | undefined)?.[source.configmap.key];
    if (text === undefined) throw new Error(`${where} has no key "${source.configmap.key}"`);
    return parseSourceText(text, `${where} key ${source.configmap.key}`);
  }
  if (source.url) {
    const response = await (deps.fetch ?? fetch)(source.url.path, {
      signal: AbortSignal.timeout(30_000),
    }).catch((err: unknown) => {
      throw new TransientError(`GET ${source.url!.path}: ${(err as Error).message}`);
    });
    const text = await response.text();
    if (response.status >= 500)
      throw new TransientError(`GET ${source.url.path}: HTTP ${response.status}`);
    if (!response.ok) throw new Error(`GET ${source.url.path}: HTTP ${response.status}`);
    return parseSourceText(text, source.url.path);
  }
  throw new Error(
    `trigger source "${Object.keys(source)[0] ?? '(none)'}" is not supported by argo-serverless`,
  );
}

async function invokeLambda(
  deps: EventEffectDeps,
  input: LambdaInput,
  ctx: EffectContext,
): Promise<Json> {
  if (!deps.lambda) throw new Error('this runtime cannot invoke AWS Lambda functions');
  const out = await deps.lambda.invoke({
    functionName: input.functionName,
    region: input.region ?? process.env['AWS_REGION'] ?? 'us-east-1',
    invocationType: input.invocationType,
    payload: input.payload,
    ...(input.accessKey && input.secretKey
      ? {
          credentials: {
            accessKeyId: await ctx.secret(input.accessKey),
            secretAccessKey: await ctx.secret(input.secretKey),
          },
        }
      : {}),
    ...(input.roleARN ? { roleARN: input.roleARN } : {}),
  });
  if (out.functionError)
    throw new Error(
      `${input.functionName} failed (${out.functionError}): ${out.payload.slice(0, 500)}`,
    );
  return { tag: input.tag, status: out.status };
}
