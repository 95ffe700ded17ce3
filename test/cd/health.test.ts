import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../shared/core/objects.js';
import { LUA_INSTRUCTION_BUDGET } from '../../shared/expr/lua.js';
import { healthCommand } from '../../shared/cd/health/cli.js';
import { globMatch } from '../../shared/cd/glob.js';
import {
  appHealth,
  assessResourceHealth,
  HEALTH_ORDER,
  HealthCustomizationError,
  INVALID_LUA_STATUS,
  isWorse,
  parseHealthCustomizations,
  resourceHealth,
  type AppResource,
  type HealthStatusCode,
} from '../../shared/cd/health/index.js';
import { parseYamlDocuments } from '../../shared/resources/yaml.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'health');

function fixtures(file: string): KubeObject[] {
  return parseYamlDocuments(readFileSync(join(FIXTURES, file), 'utf8')) as KubeObject[];
}

function fixture(file: string, name: string): KubeObject {
  const obj = fixtures(file).find((o) => o.metadata.name === name);
  if (!obj) throw new Error(`no ${name} in ${file}`);
  return structuredClone(obj);
}

type Row = [file: string, name: string, status: HealthStatusCode | undefined, message?: string];

const KIND_ROWS: Row[] = [
  ['deployments.yaml', 'healthy', 'Healthy'],
  [
    'deployments.yaml',
    'becoming-available',
    'Progressing',
    'Waiting for rollout to finish: 1 of 3 updated replicas are available...',
  ],
  [
    'deployments.yaml',
    'updating',
    'Progressing',
    'Waiting for rollout to finish: 1 out of 3 new replicas have been updated...',
  ],
  [
    'deployments.yaml',
    'old-pending',
    'Progressing',
    'Waiting for rollout to finish: 2 old replicas are pending termination...',
  ],
  [
    'deployments.yaml',
    'unobserved',
    'Progressing',
    'Waiting for rollout to finish: observed deployment generation less than desired generation',
  ],
  ['deployments.yaml', 'paused', 'Suspended', 'Deployment is paused'],
  [
    'deployments.yaml',
    'deadline',
    'Degraded',
    'Deployment "deadline" exceeded its progress deadline',
  ],
  [
    'deployments.yaml',
    'old-api',
    'Unknown',
    'unsupported Deployment GVK: apps/v1beta2, Kind=Deployment',
  ],

  [
    'statefulsets.yaml',
    'rolled',
    'Healthy',
    'statefulset rolling update complete 3 pods at revision rolled-7b9c...',
  ],
  [
    'statefulsets.yaml',
    'rolling',
    'Progressing',
    'waiting for statefulset rolling update to complete 1 pods at revision rolling-88ad...',
  ],
  ['statefulsets.yaml', 'not-ready', 'Progressing', 'Waiting for 2 pods to be ready...'],
  [
    'statefulsets.yaml',
    'never-observed',
    'Progressing',
    'Waiting for statefulset spec update to be observed...',
  ],
  [
    'statefulsets.yaml',
    'partitioned',
    'Progressing',
    'Waiting for partitioned roll out to finish: 1 out of 3 new pods have been updated...',
  ],
  [
    'statefulsets.yaml',
    'partition-done',
    'Healthy',
    'partitioned roll out complete: 3 new pods have been updated...',
  ],
  ['statefulsets.yaml', 'on-delete', 'Healthy', 'statefulset has 2 ready pods'],

  ['daemonsets.yaml', 'fluentd', 'Healthy'],
  [
    'daemonsets.yaml',
    'updating',
    'Progressing',
    'Waiting for daemon set "updating" rollout to finish: 2 out of 4 new pods have been updated...',
  ],
  [
    'daemonsets.yaml',
    'starting',
    'Progressing',
    'Waiting for daemon set "starting" rollout to finish: 3 of 4 updated pods are available...',
  ],
  [
    'daemonsets.yaml',
    'unobserved',
    'Progressing',
    'Waiting for rollout to finish: observed daemon set generation less than desired generation',
  ],
  ['daemonsets.yaml', 'on-delete', 'Healthy', 'daemon set 1 out of 4 new pods have been updated'],

  ['replicasets.yaml', 'web-5d9f', 'Healthy'],
  [
    'replicasets.yaml',
    'scaling',
    'Progressing',
    'Waiting for rollout to finish: 1 out of 3 new replicas are available...',
  ],
  [
    'replicasets.yaml',
    'quota',
    'Degraded',
    'pods "quota-abcde" is forbidden: exceeded quota: compute-resources',
  ],
  [
    'replicasets.yaml',
    'unobserved',
    'Progressing',
    'Waiting for rollout to finish: observed replica set generation less than desired generation',
  ],

  ['pods.yaml', 'running-ready', 'Healthy'],
  ['pods.yaml', 'running-not-ready', 'Progressing'],
  [
    'pods.yaml',
    'crash-loop',
    'Degraded',
    'back-off 5m0s restarting failed container=main pod=crash-loop_default',
  ],
  [
    'pods.yaml',
    'image-pull',
    'Degraded',
    'Back-off pulling image "nginx:nope", rpc error: code = NotFound',
  ],
  ['pods.yaml', 'restarted-not-ready', 'Degraded', 'restarting'],
  ['pods.yaml', 'pending', 'Progressing', '0/3 nodes are available: 3 Insufficient cpu.'],
  ['pods.yaml', 'job-pod-running', 'Progressing'],
  ['pods.yaml', 'onfailure-running', 'Progressing'],
  ['pods.yaml', 'never-ignoring-policy', 'Healthy'],
  ['pods.yaml', 'hook-ignoring-policy', 'Progressing'],
  ['pods.yaml', 'succeeded', 'Healthy'],
  ['pods.yaml', 'failed-exit-code', 'Degraded', 'container "main" failed with exit code 2'],
  ['pods.yaml', 'failed-oom', 'Degraded', 'OOMKilled'],
  ['pods.yaml', 'failed-terminated-message', 'Degraded', 'panic: boom'],
  ['pods.yaml', 'evicted', 'Degraded', 'The node was low on resource: memory.'],
  ['pods.yaml', 'no-phase', 'Unknown'],
  ['pods.yaml', 'deleting', 'Progressing', 'Pending deletion'],
  ['pods.yaml', 'deleting-hook', 'Healthy'],

  ['jobs.yaml', 'migrate', 'Healthy'],
  ['jobs.yaml', 'running', 'Progressing'],
  ['jobs.yaml', 'failed', 'Degraded', 'Job has reached the specified backoff limit'],
  ['jobs.yaml', 'suspended', 'Suspended', 'Job suspended'],
  // Argo counts any Suspended condition as an outcome; a resumed Job with no other reads Healthy.
  ['jobs.yaml', 'resumed', 'Healthy', 'Job resumed'],

  ['services.yaml', 'cluster-ip', 'Healthy'],
  ['services.yaml', 'lb-ip', 'Healthy'],
  ['services.yaml', 'lb-hostname', 'Healthy'],
  ['services.yaml', 'lb-pending', 'Progressing'],
  ['services.yaml', 'node-port', 'Healthy'],

  ['ingresses.yaml', 'web', 'Healthy'],
  ['ingresses.yaml', 'unassigned', 'Progressing'],
  ['ingresses.yaml', 'legacy', 'Healthy'],

  ['pvcs.yaml', 'bound', 'Healthy'],
  ['pvcs.yaml', 'pending', 'Progressing'],
  ['pvcs.yaml', 'lost', 'Degraded'],
  ['pvcs.yaml', 'new', 'Unknown'],

  ['hpas.yaml', 'v2-healthy', 'Healthy', 'recommended size matches current size'],
  [
    'hpas.yaml',
    'v2-degraded',
    'Degraded',
    'the HPA was unable to compute the replica count: failed to get cpu utilization',
  ],
  ['hpas.yaml', 'v2-progressing', 'Progressing', 'Waiting to Autoscale'],
  ['hpas.yaml', 'v1-healthy', 'Healthy', 'recommended size matches current size'],
  ['hpas.yaml', 'v1-degraded', 'Degraded', 'unable to get metric requests-per-second'],
  ['hpas.yaml', 'v1-no-annotation', 'Progressing', 'Waiting to Autoscale'],
  ['hpas.yaml', 'v1-empty-conditions', 'Progressing', 'Waiting to Autoscale'],

  ['apiservices.yaml', 'v1beta1.metrics.k8s.io', 'Healthy', 'Passed: all checks passed'],
  [
    'apiservices.yaml',
    'v1beta1.custom.metrics.k8s.io',
    'Progressing',
    'FailedDiscoveryCheck: failing or missing response from https://10.0.0.5:443',
  ],
  [
    'apiservices.yaml',
    'v1beta1.old.example.com',
    'Healthy',
    'Local: Local APIServices are always available',
  ],
  ['apiservices.yaml', 'v1.new.example.com', 'Progressing', 'Waiting to be processed'],

  ['workflows.yaml', 'hello-world-x7k2p', 'Healthy'],
  ['workflows.yaml', 'running', 'Progressing', 'This node is running'],
  ['workflows.yaml', 'new', 'Progressing'],
  ['workflows.yaml', 'pending', 'Progressing'],
  ['workflows.yaml', 'failed', 'Degraded', "child 'failed-123' failed"],
  ['workflows.yaml', 'errored', 'Degraded', 'invalid spec: templates.main: unknown field'],
  ['workflows.yaml', 'odd-phase', 'Unknown'],

  ['rollouts.yaml', 'healthy-phase', 'Healthy'],
  ['rollouts.yaml', 'paused-phase', 'Suspended', 'CanaryPauseStep'],
  ['rollouts.yaml', 'progressing-phase', 'Progressing', 'more replicas need to be updated'],
  ['rollouts.yaml', 'degraded-phase', 'Degraded', 'InvalidSpec'],
  ['rollouts.yaml', 'strange-phase', 'Unknown', INVALID_LUA_STATUS],
  ['rollouts.yaml', 'no-status', 'Progressing', 'Waiting for rollout spec update to be observed'],
  [
    'rollouts.yaml',
    'new-generation',
    'Progressing',
    'Waiting for rollout spec update to be observed',
  ],
  [
    'rollouts.yaml',
    'new-workload-generation',
    'Progressing',
    'Waiting for rollout spec update to be observed',
  ],
  ['rollouts.yaml', 'workload-generation-observed', 'Healthy'],
  ['rollouts.yaml', 'legacy-hash-generation', 'Healthy'],
  [
    'rollouts.yaml',
    'legacy-invalid-spec',
    'Degraded',
    'The Rollout "basic" is invalid: spec.strategy.strategy: Required value',
  ],
  ['rollouts.yaml', 'legacy-aborted', 'Degraded', 'Rollout is aborted'],
  ['rollouts.yaml', 'legacy-user-paused', 'Suspended', 'Rollout is paused'],
  ['rollouts.yaml', 'legacy-controller-paused', 'Suspended', 'Rollout is paused'],
  [
    'rollouts.yaml',
    'legacy-unreconciled',
    'Progressing',
    'Waiting for rollout to finish: status has not been reconciled.',
  ],
  [
    'rollouts.yaml',
    'legacy-canary-updating',
    'Progressing',
    'Waiting for roll out to finish: More replicas need to be updated',
  ],
  [
    'rollouts.yaml',
    'legacy-canary-becoming-available',
    'Progressing',
    'Waiting for roll out to finish: updated replicas are still becoming available',
  ],
  [
    'rollouts.yaml',
    'legacy-canary-old-pending',
    'Progressing',
    'Waiting for roll out to finish: old replicas are pending termination',
  ],
  ['rollouts.yaml', 'legacy-canary-steps', 'Progressing', 'Waiting for rollout to finish steps'],
  ['rollouts.yaml', 'legacy-bluegreen-cutover', 'Progressing', 'active service cutover pending'],
  ['rollouts.yaml', 'legacy-bluegreen-analysis', 'Progressing', 'waiting for analysis to complete'],

  // No built-in health: Argo CD shows none.
  ['applications.yaml', 'guestbook', undefined],
  ['applications.yaml', 'settings', undefined],
  ['applications.yaml', 'hello', undefined],
];

describe('resource health by kind, as Argo CD assesses it', () => {
  it.each(KIND_ROWS)('%s %s is %s %s', (file, name, status, message) => {
    const got = resourceHealth(fixture(file, name));
    if (status === undefined) expect(got).toBeUndefined();
    else expect(got).toEqual(message ? { status, message } : { status });
  });

  it('every fixture has a row, so none goes unchecked', () => {
    const files = [...new Set(KIND_ROWS.map((r) => r[0]))];
    for (const file of files) {
      const named = KIND_ROWS.filter((r) => r[0] === file).map((r) => r[1]);
      const hpaExtra = file === 'hpas.yaml' ? ['v1-bad-annotation'] : [];
      expect([...named, ...hpaExtra].sort()).toEqual(
        fixtures(file)
          .map((o) => o.metadata.name)
          .sort(),
      );
    }
  });

  it('an HPA v1 whose conditions annotation is not JSON is Unknown, saying which annotation', () => {
    const got = assessResourceHealth(fixture('hpas.yaml', 'v1-bad-annotation'));
    expect(got.health?.status).toBe('Unknown');
    expect(got.health?.message).toMatch(
      /^failed to convert conditions annotation to typed: .*autoscaling\.alpha\.kubernetes\.io\/conditions/,
    );
    expect(got.error).toBe(got.health?.message);
  });

  it('a resource being deleted is Progressing "Pending deletion" whatever its status', () => {
    const deployment = fixture('deployments.yaml', 'deadline');
    deployment.metadata.deletionTimestamp = '2024-01-01T00:00:00Z';
    expect(resourceHealth(deployment)).toEqual({
      status: 'Progressing',
      message: 'Pending deletion',
    });
    const cm = fixture('applications.yaml', 'settings');
    cm.metadata.deletionTimestamp = '2024-01-01T00:00:00Z';
    expect(resourceHealth(cm)).toEqual({ status: 'Progressing', message: 'Pending deletion' });
  });

  it('a Deployment without spec.replicas skips the updated-replicas check, as Go reads a nil pointer', () => {
    const d = fixture('deployments.yaml', 'updating');
    delete (d.spec as Record<string, unknown>).replicas;
    expect(resourceHealth(d)).toEqual({
      status: 'Progressing',
      message: 'Waiting for rollout to finish: 3 old replicas are pending termination...',
    });
  });

  it('a Rollout from git with an observedGeneration but no metadata.generation is Unknown, naming the field', () => {
    const r = fixture('rollouts.yaml', 'healthy-phase');
    delete r.metadata.generation;
    expect(resourceHealth(r)).toEqual({
      status: 'Unknown',
      message: expect.stringContaining('metadata.generation is not set'),
    });
  });
});

describe('health order', () => {
  it('orders codes as Argo: Healthy < Suspended < Progressing < Missing < Degraded < Unknown', () => {
    expect(HEALTH_ORDER).toEqual([
      'Healthy',
      'Suspended',
      'Progressing',
      'Missing',
      'Degraded',
      'Unknown',
    ]);
  });

  const pairs = HEALTH_ORDER.flatMap((a, i) =>
    HEALTH_ORDER.map((b, j) => [a, b, j > i] as [HealthStatusCode, HealthStatusCode, boolean]),
  );
  it.each(pairs)('isWorse(%s, %s) is %s', (current, next, worse) => {
    expect(isWorse(current, next)).toBe(worse);
  });

  it('ranks a code Argo does not know as Healthy', () => {
    expect(isWorse('Healthy', 'Bogus')).toBe(false);
    expect(isWorse('Bogus', 'Suspended')).toBe(true);
  });
});

const APP_HEALTH_LUA = `
hs = {}
hs.status = "Progressing"
hs.message = ""
if obj.status ~= nil then
  if obj.status.health ~= nil then
    hs.status = obj.status.health.status
    if obj.status.health.message ~= nil then
      hs.message = obj.status.health.message
    end
  end
end
return hs
`;

describe('Lua health customizations from argocd-cm', () => {
  const CRD = (
    status: Record<string, unknown>,
    apiVersion = 'cache.example.com/v1',
  ): KubeObject => ({
    apiVersion,
    kind: 'Redis',
    metadata: { name: 'cache', namespace: 'default' },
    status: status as KubeObject['status'],
  });
  const READY_LUA = `
local hs = {}
if obj.status ~= nil and obj.status.ready == true then
  hs.status = "Healthy"
  hs.message = "ready with " .. obj.status.nodes .. " nodes"
else
  hs.status = "Progressing"
  hs.message = "waiting"
end
return hs
`;

  it('an Application has no health by default, and a customization restores it (Argo CD 1.8+)', () => {
    const app = fixture('applications.yaml', 'guestbook');
    expect(resourceHealth(app)).toBeUndefined();
    const customizations = parseHealthCustomizations({
      'resource.customizations.health.argoproj.io_Application': APP_HEALTH_LUA,
    });
    expect(resourceHealth(app, { customizations })).toEqual({
      status: 'Degraded',
      message: 'Caused by apps/Deployment:guestbook/guestbook-ui',
    });
  });

  it.each([
    [
      'a split key per group_kind',
      { 'resource.customizations.health.cache.example.com_Redis': READY_LUA },
    ],
    [
      'a glob on the group and kind',
      { 'resource.customizations.health.*.example.com_*': READY_LUA },
    ],
    [
      'the older resource.customizations block',
      {
        'resource.customizations': `cache.example.com/Redis:\n  health.lua: |\n${READY_LUA.split(
          '\n',
        )
          .map((l) => `    ${l}`)
          .join('\n')}\n`,
      },
    ],
    ['"all" for every kind', { 'resource.customizations.health.all': READY_LUA }],
  ])('a custom check applies through %s', (_label, data) => {
    const customizations = parseHealthCustomizations(data);
    expect(resourceHealth(CRD({ ready: true, nodes: 3 }), { customizations })).toEqual({
      status: 'Healthy',
      message: expect.stringMatching(/^ready with 3(\.0)? nodes$/),
    });
    expect(resourceHealth(CRD({ ready: false }), { customizations })).toEqual({
      status: 'Progressing',
      message: 'waiting',
    });
  });

  it('a glob key does not match other groups', () => {
    const customizations = parseHealthCustomizations({
      'resource.customizations.health.*.example.com_*': READY_LUA,
    });
    expect(
      resourceHealth(CRD({ ready: true, nodes: 1 }, 'cache.other.io/v1'), { customizations }),
    ).toBeUndefined();
  });

  it('the exact group/kind key wins over a glob, and a customization over a built-in check', () => {
    const customizations = parseHealthCustomizations({
      'resource.customizations.health.*.example.com_*':
        'return { status = "Degraded", message = "glob" }',
      'resource.customizations.health.cache.example.com_Redis':
        'return { status = "Suspended", message = "exact" }',
      'resource.customizations.health.apps_Deployment':
        'return { status = "Suspended", message = "custom" }',
      'resource.customizations.health.argoproj.io_Rollout':
        'return { status = "Degraded", message = "custom" }',
    });
    expect(resourceHealth(CRD({}), { customizations })).toEqual({
      status: 'Suspended',
      message: 'exact',
    });
    expect(resourceHealth(fixture('deployments.yaml', 'healthy'), { customizations })).toEqual({
      status: 'Suspended',
      message: 'custom',
    });
    expect(resourceHealth(fixture('rollouts.yaml', 'healthy-phase'), { customizations })).toEqual({
      status: 'Degraded',
      message: 'custom',
    });
  });

  it('a split key overrides the same kind in the older block; entries without a script do not count', () => {
    const customizations = parseHealthCustomizations({
      'resource.customizations': [
        'cache.example.com/Redis:',
        '  health.lua: return { status = "Degraded" }',
        '  health.lua.useOpenLibs: true',
        'apps/Deployment:',
        '  ignoreDifferences: "jsonPointers: [/spec/replicas]"',
      ].join('\n'),
      'resource.customizations.health.cache.example.com_Redis': 'return { status = "Healthy" }',
    });
    expect(customizations.get('cache.example.com/Redis')).toEqual({
      healthLua: 'return { status = "Healthy" }',
      useOpenLibs: true,
    });
    expect(resourceHealth(CRD({}), { customizations })).toEqual({ status: 'Healthy' });
    expect(resourceHealth(fixture('deployments.yaml', 'paused'), { customizations })).toEqual({
      status: 'Suspended',
      message: 'Deployment is paused',
    });
  });

  it('reads useOpenLibs split keys as Go booleans', () => {
    const customizations = parseHealthCustomizations({
      'resource.customizations.health.Service': 'return { status = "Healthy" }',
      'resource.customizations.useOpenLibs.Service': 'TRUE',
    });
    expect(customizations.get('Service')).toEqual({
      healthLua: 'return { status = "Healthy" }',
      useOpenLibs: true,
    });
  });

  it.each([
    ['resource.customizations.health.a_b_c', "got group kind: 'a_b_c'"],
    [
      'resource.customizations.healthcheck.apps_Deployment',
      'resource customization type healthcheck not supported',
    ],
    ['resource.customizations.useOpenLibs.apps_Deployment', '"yes" is not a boolean'],
  ])('refuses %s, saying what is wrong', (key, message) => {
    expect(() => parseHealthCustomizations({ [key]: 'yes' })).toThrow(HealthCustomizationError);
    expect(() => parseHealthCustomizations({ [key]: 'yes' })).toThrow(message);
  });

  it('refuses an older block that is not YAML, naming the key', () => {
    expect(() => parseHealthCustomizations({ 'resource.customizations': 'a: [' })).toThrow(
      /argocd-cm data\.resource\.customizations: invalid YAML/,
    );
  });

  it('ignores the other customization types and unrelated keys', () => {
    const customizations = parseHealthCustomizations({
      'resource.customizations.ignoreDifferences.apps_Deployment': 'jsonPointers: [/spec/replicas]',
      'resource.customizations.actions.apps_Deployment': 'discovery.lua: return {}',
      'resource.exclusions': '- apiGroups: ["*"]',
      url: 'https://argocd.example.com',
    });
    expect(resourceHealth(fixture('deployments.yaml', 'healthy'), { customizations })).toEqual({
      status: 'Healthy',
    });
  });

  const custom = (script: string) =>
    parseHealthCustomizations({ 'resource.customizations.health.cache.example.com_Redis': script });

  it.each<[string, string, { status: HealthStatusCode; message?: string } | RegExp | undefined]>([
    [
      'a runaway script is stopped and reads Unknown',
      'while true do end',
      new RegExp(`stopped after ${LUA_INSTRUCTION_BUDGET} instructions`),
    ],
    [
      'a script error reads Unknown with the error',
      'return obj.spec.missing.field',
      /attempt to index/,
    ],
    ['a syntax error reads Unknown', 'return {', /expected|unexpected|near/],
    [
      'a status Argo does not know reads Unknown',
      'return { status = "Fine" }',
      { status: 'Unknown', message: INVALID_LUA_STATUS },
    ],
    [
      'a table without status reads Unknown',
      'return { message = "hi" }',
      { status: 'Unknown', message: INVALID_LUA_STATUS },
    ],
    [
      'a string result reads Unknown',
      'return "Healthy"',
      { status: 'Unknown', message: 'expect table output from Lua script, not string' },
    ],
    ['nil means no health', 'return nil', undefined],
    ['nothing returned means no health', 'local hs = {}', undefined],
    ['an empty table means no health', 'return {}', undefined],
    [
      'a status of the wrong type means no health, as Go decoding gives up',
      'return { status = 3 }',
      undefined,
    ],
    [
      'Missing is a status a script may return',
      'return { status = "Missing", message = "gone" }',
      { status: 'Missing', message: 'gone' },
    ],
  ])('%s', (_label, script, expected) => {
    const got = assessResourceHealth(CRD({}), { customizations: custom(script) });
    if (expected instanceof RegExp) {
      expect(got.health?.status).toBe('Unknown');
      expect(got.health?.message).toMatch(expected);
      expect(got.error).toMatch(/^failed to get resource health for default\/cache: /);
    } else {
      expect(got.health).toEqual(expected);
    }
  });

  it('a custom check that returns nothing hides the built-in check, as in Argo CD', () => {
    const customizations = parseHealthCustomizations({
      'resource.customizations.health.apps_Deployment': 'return nil',
    });
    expect(
      resourceHealth(fixture('deployments.yaml', 'deadline'), { customizations }),
    ).toBeUndefined();
  });
});

describe('glob keys, as Argo CD util/glob (no separators)', () => {
  it.each<[string, string, boolean]>([
    ['*.example.com/*', 'cache.example.com/Redis', true],
    ['*.example.com/*', 'a.b.example.com/Redis', true],
    ['*.example.com/*', 'example.com/Redis', false],
    ['*/*', 'apps/Deployment', true],
    ['*', 'Service', true],
    ['apps/Deploy?ent', 'apps/Deployment', true],
    ['apps/[DR]*', 'apps/ReplicaSet', true],
    ['apps/[!DR]*', 'apps/StatefulSet', true],
    ['apps/[!DR]*', 'apps/Deployment', false],
    ['{apps,batch}/*', 'batch/Job', true],
    ['{apps,batch}/*', 'policy/PodDisruptionBudget', false],
    ['apps/Deployment', 'apps/DeploymentX', false],
    ['\\*/x', '*/x', true],
    ['\\*/x', 'a/x', false],
    ['[unclosed', '[unclosed', false],
  ])('%s matches %s: %s', (pattern, text, matches) => {
    expect(globMatch(pattern, text)).toBe(matches);
  });
});

describe("an Application's health, as setApplicationHealth", () => {
  const runningPod = () => fixture('pods.yaml', 'running-ready');
  const failedJob = () => fixture('jobs.yaml', 'failed');
  const live = (obj: KubeObject): AppResource => ({ live: obj });

  it('is the worst of its resources, naming the resources that cause it', () => {
    const got = appHealth([live(runningPod()), live(failedJob())]);
    expect(got.status).toBe('Degraded');
    expect(got.message).toBe('Caused by batch/Job:default/failed');
    expect(got.resources).toEqual([
      { status: 'Healthy' },
      { status: 'Degraded', message: 'Job has reached the specified backoff limit' },
    ]);
  });

  it('leaves hooks out', () => {
    const job = failedJob();
    job.metadata.annotations = { 'argocd.argoproj.io/hook': 'PreSync' };
    expect(appHealth([live(runningPod()), live(job)])).toEqual({
      status: 'Healthy',
      resources: [{ status: 'Healthy' }, undefined],
    });
    const helm = failedJob();
    helm.metadata.annotations = { 'helm.sh/hook': 'post-install' };
    expect(appHealth([live(helm)]).status).toBe('Healthy');
    expect(appHealth([{ health: { status: 'Degraded' }, hook: true }]).status).toBe('Healthy');
  });

  it('counts a Helm crd-install "hook" (Helm marks CRDs so; they are not hooks)', () => {
    const job = failedJob();
    job.metadata.annotations = { 'helm.sh/hook': 'crd-install' };
    expect(appHealth([live(job)]).status).toBe('Degraded');
  });

  it('leaves out resources annotated argocd.argoproj.io/ignore-healthcheck', () => {
    const job = failedJob();
    job.metadata.annotations = { 'argocd.argoproj.io/ignore-healthcheck': 'true' };
    expect(appHealth([live(runningPod()), live(job)]).status).toBe('Healthy');
  });

  it('leaves out resources without health', () => {
    expect(appHealth([live(fixture('applications.yaml', 'settings')), live(runningPod())])).toEqual(
      {
        status: 'Healthy',
        resources: [undefined, { status: 'Healthy' }],
      },
    );
  });

  it('records a missing resource as Missing without letting it change the app health', () => {
    const pod = runningPod();
    const pod2 = runningPod();
    pod2.metadata.name = 'pod2';
    expect(appHealth([{ target: pod }, { target: pod2, live: pod2 }])).toEqual({
      status: 'Healthy',
      resources: [{ status: 'Missing' }, { status: 'Healthy' }],
    });
  });

  it('is Missing when it expects resources and none exists (hooks aside)', () => {
    const pod = runningPod();
    const hook = runningPod();
    hook.metadata.annotations = { 'argocd.argoproj.io/hook': 'Sync' };
    const got = appHealth([
      { target: pod, live: null },
      { target: hook, live: hook },
    ]);
    expect(got.status).toBe('Missing');
    expect(got.message).toBeUndefined();
    expect(appHealth([{ health: { status: 'Missing' } }]).status).toBe('Missing');
  });

  it('is Healthy with no resources, or with hooks only', () => {
    expect(appHealth([])).toEqual({ status: 'Healthy', resources: [] });
    const hook = runningPod();
    hook.metadata.annotations = { 'argocd.argoproj.io/hook': 'Sync' };
    expect(appHealth([{ target: hook, live: hook }]).status).toBe('Healthy');
  });

  it('leaves out a target marked hook: Skip', () => {
    const skipped = runningPod();
    skipped.metadata.annotations = { 'argocd.argoproj.io/hook': 'Skip' };
    expect(appHealth([{ target: skipped, live: null }, live(runningPod())]).status).toBe('Healthy');
  });

  it('ignores a child Application that is Missing or Unknown, but not one that is Degraded', () => {
    const child = (status: HealthStatusCode): AppResource => ({
      group: 'argoproj.io',
      kind: 'Application',
      name: 'child',
      namespace: 'argocd',
      health: { status },
    });
    expect(appHealth([child('Unknown'), live(runningPod())]).status).toBe('Healthy');
    expect(appHealth([child('Missing'), live(runningPod())]).status).toBe('Healthy');
    expect(appHealth([child('Degraded')])).toMatchObject({
      status: 'Degraded',
      message: 'Caused by argoproj.io/Application:argocd/child',
    });
  });

  it('leaves out the Application itself when it manages itself', () => {
    const self = fixture('applications.yaml', 'guestbook');
    self.metadata.uid = 'u-1';
    const customizations = parseHealthCustomizations({
      'resource.customizations.health.argoproj.io_Application': APP_HEALTH_LUA,
    });
    const app = { name: 'guestbook', namespace: 'argocd', uid: 'u-1' };
    expect(appHealth([live(self)], { customizations, app }).status).toBe('Healthy');
    expect(appHealth([live(self)], { customizations }).status).toBe('Degraded');
  });

  it('names at most three causes, then how many more', () => {
    const jobs = ['a', 'b', 'c', 'd', 'e'].map((name) => {
      const job = failedJob();
      job.metadata.name = name;
      return live(job);
    });
    expect(appHealth(jobs).message).toBe(
      'Caused by batch/Job:default/a, batch/Job:default/b, batch/Job:default/c and 2 more',
    );
  });

  it('takes each resource health as given, with Argo order deciding', () => {
    const got = appHealth([
      { kind: 'Service', name: 'svc', health: { status: 'Progressing' } },
      { kind: 'Thing', name: 'x', health: { status: 'Suspended' } },
      { kind: 'ConfigMap', name: 'cm' },
    ]);
    expect(got).toMatchObject({ status: 'Progressing', message: 'Caused by Service:svc' });
  });

  it('reports the first failing health check as Argo reports a ComparisonError', () => {
    const customizations = parseHealthCustomizations({
      'resource.customizations.health.batch_Job': 'error("boom")',
    });
    const got = appHealth([live(failedJob())], { customizations });
    expect(got.status).toBe('Unknown');
    expect(got.error).toMatch(
      /^failed to get resource health for "Job" with name "failed" in namespace "default": failed to get resource health for default\/failed: .*boom/,
    );
  });
});

describe('argosls health', () => {
  class Capture extends Writable {
    text = '';
    override _write(chunk: Buffer, _enc: string, done: () => void): void {
      this.text += chunk.toString();
      done();
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'argosls-health-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  async function run(argv: string[]) {
    const out = new Capture();
    const err = new Capture();
    const code = await healthCommand(argv, { out, err });
    return { code, out: out.text, err: err.text };
  }

  it('prints one JSON line per resource, status null for kinds without health', async () => {
    const got = await run([join(FIXTURES, 'services.yaml'), join(FIXTURES, 'applications.yaml')]);
    expect(got.code).toBe(0);
    const lines = got.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { kind: 'Service', name: 'cluster-ip', status: 'Healthy', message: '' },
      { kind: 'Service', name: 'lb-ip', status: 'Healthy', message: '' },
      { kind: 'Service', name: 'lb-hostname', status: 'Healthy', message: '' },
      { kind: 'Service', name: 'lb-pending', status: 'Progressing', message: '' },
      { kind: 'Service', name: 'node-port', status: 'Healthy', message: '' },
      { kind: 'Application', name: 'guestbook', status: null, message: '' },
      { kind: 'ConfigMap', name: 'settings', status: null, message: '' },
      { kind: 'Service', name: 'hello', status: null, message: '' },
    ]);
  });

  it('applies the health customizations of an argocd-cm given with --config', async () => {
    const cm = file(
      'argocd-cm.yaml',
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata: { name: argocd-cm, namespace: argocd }',
        'data:',
        '  resource.customizations.health.argoproj.io_Application: |',
        ...APP_HEALTH_LUA.split('\n').map((l) => `    ${l}`),
      ].join('\n'),
    );
    const got = await run([join(FIXTURES, 'applications.yaml'), '--config', cm]);
    expect(got.code).toBe(0);
    expect(JSON.parse(got.out.split('\n')[0]!)).toEqual({
      kind: 'Application',
      name: 'guestbook',
      status: 'Degraded',
      message: 'Caused by apps/Deployment:guestbook/guestbook-ui',
    });
  });

  it.each<[string, () => string[], RegExp]>([
    ['a missing file', () => [join(dir, 'nope.yaml')], /cannot read .*nope\.yaml: ENOENT/],
    ['invalid YAML', () => [file('bad.yaml', 'kind: [')], /bad\.yaml: invalid YAML/],
    [
      'a document that is not an object',
      () => [file('list.yaml', '- a\n- b\n')],
      /list\.yaml: document 1 is not a Kubernetes object/,
    ],
    [
      'an object without a name',
      () => [file('noname.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {}\n')],
      /set metadata\.name/,
    ],
    ['no files', () => [], /no files given/],
    ['an unknown option', () => ['--fast', join(FIXTURES, 'pvcs.yaml')], /unknown option --fast/],
    [
      'a config without a ConfigMap',
      () => [join(FIXTURES, 'pvcs.yaml'), '--config', join(FIXTURES, 'pvcs.yaml')],
      /no ConfigMap found/,
    ],
    [
      'a config with a bad customization key',
      () => [
        join(FIXTURES, 'pvcs.yaml'),
        `--config=${file('cm-bad.yaml', 'kind: ConfigMap\ndata:\n  resource.customizations.health.a_b_c: x\n')}`,
      ],
      /cm-bad\.yaml: argocd-cm data\.resource\.customizations\.health\.a_b_c/,
    ],
  ])('exits 2 with a clear error on %s, printing nothing', async (_label, argv, message) => {
    const got = await run(argv());
    expect(got.code).toBe(2);
    expect(got.out).toBe('');
    expect(got.err).toMatch(message);
  });

  it('prints its usage on --help and exits 0', async () => {
    const got = await run(['--help']);
    expect(got.code).toBe(0);
    expect(got.out).toMatch(/^Usage: argosls health FILE\.\.\. \[--config argocd-cm\.yaml\]/);
  });

  it('a failing custom check is an Unknown line, not a failed command', async () => {
    const cm = file(
      'cm-error.yaml',
      'kind: ConfigMap\ndata:\n  resource.customizations.health.PersistentVolumeClaim: error("no luck")\n',
    );
    const got = await run([join(FIXTURES, 'pvcs.yaml'), '--config', cm]);
    expect(got.code).toBe(0);
    const first = JSON.parse(got.out.split('\n')[0]!);
    expect(first).toMatchObject({
      kind: 'PersistentVolumeClaim',
      name: 'bound',
      status: 'Unknown',
    });
    expect(first.message).toMatch(/no luck/);
  });

  it('reads the items of a List', async () => {
    const list = file(
      'list-kind.yaml',
      'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: PersistentVolumeClaim\n    metadata: { name: data }\n    status: { phase: Lost }\n',
    );
    const got = await run([list]);
    expect(got.code).toBe(0);
    expect(JSON.parse(got.out)).toEqual({
      kind: 'PersistentVolumeClaim',
      name: 'data',
      status: 'Degraded',
      message: '',
    });
  });
});
