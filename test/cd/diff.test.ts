import { describe, expect, it } from 'vitest';
import { load } from 'js-yaml';
import type { KubeObject } from '../../shared/core/objects.js';
import type { JsonObject } from '../../shared/core/types.js';
import { compareApp, diffResource, type DiffOptions } from '../../shared/cd/diff/diff.js';
import {
  applyIgnoredFromLive,
  argoCdDiffSettings,
  JqCompileError,
  removeAtPointer,
  type IgnoreDifferencesRule,
} from '../../shared/cd/diff/ignore-differences.js';
import { LAST_APPLIED_ANNOTATION } from '../../shared/cd/diff/normalize.js';
import { pullPolicyFor } from '../../shared/cd/diff/defaults.js';

const yaml = (text: string): KubeObject => load(text) as KubeObject;
const clone = <T>(v: T): T => structuredClone(v);

const deploymentYaml = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: guestbook-ui
  labels: { app: guestbook-ui }
spec:
  replicas: 3
  selector:
    matchLabels: { app: guestbook-ui }
  template:
    metadata:
      labels: { app: guestbook-ui }
    spec:
      containers:
        - name: guestbook-ui
          image: gcr.io/heptio-images/ks-guestbook-demo:0.2
          ports:
            - containerPort: 80
          env:
            - name: MODE
              value: demo
`;
const desiredDeployment = () => yaml(deploymentYaml);

/** The desired Deployment as the API server returns it after `kubectl apply`. */
function liveDeployment(
  options: { lastApplied?: KubeObject; mutate?: (o: JsonObject) => void } = {},
) {
  const live = clone(desiredDeployment()) as unknown as JsonObject;
  const d = live as unknown as KubeObject;
  d.metadata = {
    ...d.metadata,
    namespace: 'default',
    uid: '1d0f5e2c-0000-4000-8000-000000000001',
    resourceVersion: '48213',
    generation: 4,
    creationTimestamp: '2024-05-01T10:00:00Z',
    annotations: {
      'deployment.kubernetes.io/revision': '4',
      ...(options.lastApplied
        ? { [LAST_APPLIED_ANNOTATION]: JSON.stringify(options.lastApplied) }
        : {}),
    },
    managedFields: [
      {
        manager: 'kubectl-client-side-apply',
        operation: 'Update',
        apiVersion: 'apps/v1',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': {} } } } },
      },
    ],
  };
  const spec = live['spec'] as JsonObject;
  Object.assign(spec, {
    revisionHistoryLimit: 10,
    progressDeadlineSeconds: 600,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
  });
  const podSpec = (spec['template'] as JsonObject)['spec'] as JsonObject;
  Object.assign(podSpec, {
    restartPolicy: 'Always',
    dnsPolicy: 'ClusterFirst',
    schedulerName: 'default-scheduler',
    terminationGracePeriodSeconds: 30,
    securityContext: {},
  });
  const container = (podSpec['containers'] as JsonObject[])[0] as JsonObject;
  Object.assign(container, {
    imagePullPolicy: 'IfNotPresent',
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    resources: {},
  });
  (container['ports'] as JsonObject[])[0]!['protocol'] = 'TCP';
  live['status'] = { observedGeneration: 4, replicas: 3, readyReplicas: 3, availableReplicas: 3 };
  options.mutate?.(live);
  return live as unknown as KubeObject;
}

const podSpecOf = (o: JsonObject) =>
  ((o['spec'] as JsonObject)['template'] as JsonObject)['spec'] as JsonObject;
const containersOf = (o: JsonObject) => podSpecOf(o)['containers'] as JsonObject[];

const sidecar = {
  name: 'sidecar',
  image: 'istio/proxyv2:1.22.0',
  imagePullPolicy: 'IfNotPresent',
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
};

const serviceYaml = `
apiVersion: v1
kind: Service
metadata:
  name: guestbook-ui
spec:
  selector: { app: guestbook-ui }
  ports:
    - port: 80
      targetPort: 80
`;
const liveService = (mutate?: (o: JsonObject) => void) => {
  const live = yaml(serviceYaml) as unknown as JsonObject;
  const meta = live['metadata'] as JsonObject;
  Object.assign(meta, { namespace: 'default', uid: 'svc-uid', resourceVersion: '77' });
  Object.assign(live['spec'] as JsonObject, {
    clusterIP: '10.96.14.3',
    clusterIPs: ['10.96.14.3'],
    type: 'ClusterIP',
    sessionAffinity: 'None',
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
    internalTrafficPolicy: 'Cluster',
  });
  ((live['spec'] as JsonObject)['ports'] as JsonObject[])[0]!['protocol'] = 'TCP';
  live['status'] = { loadBalancer: {} };
  mutate?.(live);
  return live as unknown as KubeObject;
};

const configMapYaml = `
apiVersion: v1
kind: ConfigMap
metadata:
  name: guestbook-config
data:
  LOG_LEVEL: info
`;

interface DiffCase {
  name: string;
  desired: () => KubeObject;
  live: () => KubeObject;
  options?: DiffOptions;
  modified: boolean;
  /** Paths the patch from live to desired must touch when modified. */
  patchPaths?: string[];
}

const hpaReplicas = (o: JsonObject) => {
  (o['spec'] as JsonObject)['replicas'] = 7;
};
const withSidecar = (o: JsonObject) => {
  containersOf(o).push(clone(sidecar));
};
const hpaManaged = (o: JsonObject) => {
  hpaReplicas(o);
  ((o['metadata'] as JsonObject)['managedFields'] as JsonObject[]).push({
    manager: 'kube-controller-manager',
    operation: 'Update',
    apiVersion: 'apps/v1',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:spec': { 'f:replicas': {} } },
  });
};

const cases: DiffCase[] = [
  {
    name: 'identical objects are equal',
    desired: desiredDeployment,
    live: desiredDeployment,
    modified: false,
  },
  {
    name: 'server-set metadata, status and scheme defaults on a Deployment are no difference',
    desired: desiredDeployment,
    live: () => liveDeployment(),
    modified: false,
  },
  {
    name: 'a Service clusterIP, port protocol and policies the server set are no difference',
    desired: () => yaml(serviceYaml),
    live: () => liveService(),
    modified: false,
  },
  {
    name: 'a ConfigMap value changed in git is a difference',
    desired: () => yaml(configMapYaml.replace('info', 'debug')),
    live: () => yaml(configMapYaml),
    modified: true,
    patchPaths: ['/data/LOG_LEVEL'],
  },
  {
    name: 'a changed image is a difference',
    desired: () => yaml(deploymentYaml.replace(':0.2', ':0.3')),
    live: () => liveDeployment(),
    modified: true,
    patchPaths: ['/spec/template/spec/containers/0/image'],
  },
  {
    name: 'replicas changed by an HPA are a difference without ignoreDifferences',
    desired: desiredDeployment,
    live: () => liveDeployment({ mutate: hpaReplicas }),
    modified: true,
    patchPaths: ['/spec/replicas'],
  },
  {
    name: 'replicas changed by an HPA are ignored with jsonPointer /spec/replicas',
    desired: desiredDeployment,
    live: () => liveDeployment({ mutate: hpaReplicas }),
    options: {
      ignoreDifferences: [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }],
    },
    modified: false,
  },
  {
    name: 'a jsonPointer rule for another kind does not apply',
    desired: desiredDeployment,
    live: () => liveDeployment({ mutate: hpaReplicas }),
    options: {
      ignoreDifferences: [{ group: 'apps', kind: 'StatefulSet', jsonPointers: ['/spec/replicas'] }],
    },
    modified: true,
  },
  {
    name: 'a jsonPointer rule naming another resource does not apply',
    desired: desiredDeployment,
    live: () => liveDeployment({ mutate: hpaReplicas }),
    options: {
      ignoreDifferences: [
        { group: 'apps', kind: 'Deployment', name: 'other', jsonPointers: ['/spec/replicas'] },
      ],
    },
    modified: true,
  },
  {
    name: 'a sidecar injected into live only is no difference (a field only live has)',
    desired: desiredDeployment,
    live: () => liveDeployment({ mutate: withSidecar }),
    modified: false,
  },
  {
    name: 'a sidecar in git whose image differs from live is a difference',
    desired: () => {
      const d = desiredDeployment() as unknown as JsonObject;
      containersOf(d).push({ name: 'sidecar', image: 'istio/proxyv2:1.21.0' });
      return d as unknown as KubeObject;
    },
    live: () => liveDeployment({ mutate: withSidecar }),
    modified: true,
    patchPaths: ['/spec/template/spec/containers/1/image'],
  },
  {
    name: 'the sidecar is ignored with jq .spec.template.spec.containers[] | select(.name == "sidecar")',
    desired: () => {
      const d = desiredDeployment() as unknown as JsonObject;
      containersOf(d).push({ name: 'sidecar', image: 'istio/proxyv2:1.21.0' });
      return d as unknown as KubeObject;
    },
    live: () => liveDeployment({ mutate: withSidecar }),
    options: {
      ignoreDifferences: [
        {
          group: 'apps',
          kind: 'Deployment',
          jqPathExpressions: ['.spec.template.spec.containers[] | select(.name == "sidecar")'],
        },
      ],
    },
    modified: false,
  },
  {
    name: 'replicas owned by kube-controller-manager are ignored with managedFieldsManagers',
    desired: desiredDeployment,
    live: () => liveDeployment({ mutate: hpaManaged }),
    options: {
      ignoreDifferences: [
        { group: 'apps', kind: 'Deployment', managedFieldsManagers: ['kube-controller-manager'] },
      ],
    },
    modified: false,
  },
  {
    name: 'a trusted manager does not hide a field it does not own (the image)',
    desired: () => yaml(deploymentYaml.replace(':0.2', ':0.3')),
    live: () => liveDeployment({ mutate: hpaManaged }),
    options: {
      ignoreDifferences: [
        { group: 'apps', kind: 'Deployment', managedFieldsManagers: ['kube-controller-manager'] },
      ],
    },
    modified: true,
    patchPaths: ['/spec/template/spec/containers/0/image'],
  },
  {
    name: 'an env var removed from git but in last-applied-configuration is a difference',
    desired: () => yaml(deploymentYaml.replace(/\n {10}env:\n.*\n.*/, '')),
    live: () => liveDeployment({ lastApplied: desiredDeployment() }),
    modified: true,
    patchPaths: ['/spec/template/spec/containers/0/env'],
  },
  {
    name: 'an env var only live has, not in last-applied-configuration, is no difference',
    desired: () => yaml(deploymentYaml.replace(/\n {10}env:\n.*\n.*/, '')),
    live: () =>
      liveDeployment({ lastApplied: yaml(deploymentYaml.replace(/\n {10}env:\n.*\n.*/, '')) }),
    modified: false,
  },
  {
    name: 'removing from git a field the server defaults to the same value is no difference',
    desired: desiredDeployment,
    live: () => {
      const applied = desiredDeployment() as unknown as JsonObject;
      containersOf(applied)[0]!['imagePullPolicy'] = 'IfNotPresent';
      return liveDeployment({ lastApplied: applied as unknown as KubeObject });
    },
    modified: false,
  },
  {
    name: 'an image set by a trusted manager on a list element (k:{"name":...}) is ignored',
    desired: desiredDeployment,
    live: () =>
      liveDeployment({
        mutate: (o) => {
          containersOf(o)[0]!['image'] = 'mirror.local/ks-guestbook-demo:0.2';
          ((o['metadata'] as JsonObject)['managedFields'] as JsonObject[]).push({
            manager: 'image-mirror-webhook',
            operation: 'Update',
            fieldsType: 'FieldsV1',
            fieldsV1: {
              'f:spec': {
                'f:template': {
                  'f:spec': {
                    'f:containers': { 'k:{"name":"guestbook-ui"}': { '.': {}, 'f:image': {} } },
                  },
                },
              },
            },
          });
        },
      }),
    options: {
      ignoreDifferences: [
        { group: 'apps', kind: 'Deployment', managedFieldsManagers: ['image-mirror-webhook'] },
      ],
    },
    modified: false,
  },
  {
    name: 'without last-applied-configuration a label only live has is no difference (two-way)',
    desired: () => yaml(configMapYaml),
    live: () => {
      const l = yaml(configMapYaml);
      l.metadata.labels = { team: 'web' };
      return l;
    },
    modified: false,
  },
  {
    name: 'a label removed from git but in last-applied-configuration is a difference',
    desired: () => yaml(configMapYaml),
    live: () => {
      const applied = yaml(configMapYaml);
      applied.metadata.labels = { team: 'web' };
      const l = clone(applied);
      l.metadata.annotations = { [LAST_APPLIED_ANNOTATION]: JSON.stringify(applied) };
      return l;
    },
    modified: true,
    patchPaths: ['/metadata/labels'],
  },
  {
    name: 'status is compared when ignoreResourceStatusField is none and git sets it',
    desired: () => ({ ...yaml(configMapYaml), status: { phase: 'A' } }),
    live: () => ({ ...yaml(configMapYaml), status: { phase: 'B' } }),
    options: { ignoreResourceStatusField: 'none' },
    modified: true,
    patchPaths: ['/status/phase'],
  },
  {
    name: 'status is ignored by default even when git sets it',
    desired: () => ({ ...yaml(configMapYaml), status: { phase: 'A' } }),
    live: () => ({ ...yaml(configMapYaml), status: { phase: 'B' } }),
    modified: false,
  },
  {
    name: 'a Secret stringData matches the base64 data the server stores',
    desired: () =>
      yaml(
        'apiVersion: v1\nkind: Secret\nmetadata: { name: db }\nstringData: { password: hunter2 }',
      ),
    live: () =>
      yaml(
        'apiVersion: v1\nkind: Secret\nmetadata: { name: db }\ndata: { password: aHVudGVyMg== }',
      ),
    modified: false,
  },
  {
    name: 'a CRD list item the server defaulted differs when git changes the list (JSON merge)',
    desired: () =>
      yaml(
        'apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\nspec:\n  items:\n    - { name: a }\n    - { name: b }',
      ),
    live: () =>
      yaml(
        'apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\nspec:\n  items:\n    - { name: a, weight: 1 }',
      ),
    modified: true,
    patchPaths: ['/spec/items/0/weight', '/spec/items/1'],
  },
  {
    name: 'a CRD field the server defaulted is no difference while git does not change the list',
    desired: () =>
      yaml(
        'apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\nspec:\n  items:\n    - { name: a }',
      ),
    live: () =>
      yaml(
        'apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\nspec:\n  items:\n    - { name: a, weight: 1 }',
      ),
    modified: false,
  },
];

describe('diffResource', () => {
  it.each(cases)('$name', async ({ desired, live, options, modified, patchPaths }) => {
    const result = await diffResource(desired(), live(), options);
    expect(result.modified).toBe(modified);
    expect(result.requiresPruning).toBe(false);
    if (modified) {
      const touched = result.patch.map((op) => op.path);
      for (const path of patchPaths ?? []) {
        expect(touched.some((t) => t === path || t.startsWith(`${path}/`))).toBe(true);
      }
    } else {
      expect(result.patch).toEqual([]);
    }
  });

  it('drops server-managed metadata and the last-applied annotation from both objects shown', async () => {
    const result = await diffResource(
      desiredDeployment(),
      liveDeployment({ lastApplied: desiredDeployment() }),
    );
    for (const shown of [result.normalizedLive, result.normalizedDesired]) {
      const meta = shown?.['metadata'] as JsonObject;
      for (const field of [
        'managedFields',
        'resourceVersion',
        'uid',
        'generation',
        'creationTimestamp',
      ]) {
        expect(meta[field]).toBeUndefined();
      }
      expect((meta['annotations'] as JsonObject)[LAST_APPLIED_ANNOTATION]).toBeUndefined();
      expect(shown?.['status']).toBeUndefined();
    }
  });

  it('a desired object with no live counterpart is missing: modified, the patch adds it', async () => {
    const result = await diffResource(yaml(configMapYaml), undefined);
    expect(result).toMatchObject({ modified: true, normalizedLive: null, requiresPruning: false });
    expect(result.patch.map((op) => op.op)).toContain('add');
  });

  it('a live object with no desired counterpart is extraneous: requires pruning, not modified', async () => {
    const result = await diffResource(undefined, liveService());
    expect(result).toMatchObject({
      modified: false,
      normalizedDesired: null,
      requiresPruning: true,
    });
  });

  it('a jq expression that does not compile fails the comparison with the expression named', async () => {
    const options: DiffOptions = {
      ignoreDifferences: [
        { group: 'apps', kind: 'Deployment', jqPathExpressions: ['.spec | sel('] },
      ],
    };
    await expect(diffResource(desiredDeployment(), liveDeployment(), options)).rejects.toThrow(
      JqCompileError,
    );
  });

  it('a jq expression that fails at run time is skipped, as Argo skips it', async () => {
    const options: DiffOptions = {
      ignoreDifferences: [
        { group: 'apps', kind: 'Deployment', jqPathExpressions: ['.spec.missing[] | .x'] },
      ],
    };
    const result = await diffResource(
      desiredDeployment(),
      liveDeployment({ mutate: hpaReplicas }),
      options,
    );
    expect(result.modified).toBe(true);
  });
});

describe('removeAtPointer (RFC 6901)', () => {
  const doc = {
    metadata: { annotations: { 'example.com/a~b/c': 'x', keep: 'y' } },
    list: [1, 2, 3],
  };
  it.each([
    [
      '/metadata/annotations/example.com~1a~0b~1c',
      { metadata: { annotations: { keep: 'y' } }, list: [1, 2, 3] },
    ],
    ['/list/1', { metadata: doc.metadata, list: [1, 3] }],
    ['/list/9', doc],
    ['/nope/deeper', doc],
    ['no-leading-slash', doc],
  ])('%s', (pointer, expected) => {
    expect(removeAtPointer(clone(doc), pointer)).toEqual(expected);
  });
});

describe('argocd-cm diff settings', () => {
  it('reads resource.customizations.ignoreDifferences.<group_kind>, <Kind> and all', () => {
    const settings = argoCdDiffSettings({
      'resource.customizations.ignoreDifferences.apps_Deployment':
        'jsonPointers:\n- /spec/replicas\n',
      'resource.customizations.ignoreDifferences.Service':
        'jqPathExpressions:\n- .spec.ports[].nodePort\n',
      'resource.customizations.ignoreDifferences.all':
        'managedFieldsManagers:\n- kube-controller-manager\n',
      'resource.customizations.health.apps_Deployment': 'not an ignore rule',
    });
    expect(settings.ignoreResourceStatusField).toBe('all');
    expect(settings.ignoreDifferences).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          group: 'apps',
          kind: 'Deployment',
          jsonPointers: ['/spec/replicas'],
        }),
        expect.objectContaining({
          group: '',
          kind: 'Service',
          jqPathExpressions: ['.spec.ports[].nodePort'],
        }),
        expect.objectContaining({
          group: '*',
          kind: '*',
          managedFieldsManagers: ['kube-controller-manager'],
        }),
        { group: '*', kind: '*', jsonPointers: ['/status'] },
      ]),
    );
    expect(settings.ignoreDifferences).toHaveLength(4);
  });

  it.each([
    [undefined, 'all', 1],
    ['ignoreResourceStatusField: crd', 'crd', 1],
    ['ignoreResourceStatusField: none', 'none', 0],
    ['ignoreResourceStatusField: off', 'none', 0],
    ['ignoreResourceStatusField: bogus', 'all', 1],
  ] as const)('resource.compareoptions %s -> %s', (text, mode, statusRules) => {
    const data: Record<string, string> = text ? { 'resource.compareoptions': text } : {};
    const settings = argoCdDiffSettings(data);
    expect(settings.ignoreResourceStatusField).toBe(mode);
    expect(settings.ignoreDifferences).toHaveLength(statusRules);
  });

  it('a malformed key says which key and what form it must take', () => {
    expect(() =>
      argoCdDiffSettings({ 'resource.customizations.ignoreDifferences.a_b_c': 'jsonPointers: []' }),
    ).toThrow(/ignoreDifferences\.a_b_c.*<group>_<Kind>/);
  });

  it('the all rule applies to every kind in the diff', async () => {
    const { ignoreDifferences } = argoCdDiffSettings({
      'resource.customizations.ignoreDifferences.all': 'jsonPointers:\n- /spec/replicas\n',
    });
    const result = await diffResource(
      desiredDeployment(),
      liveDeployment({ mutate: hpaReplicas }),
      {
        ignoreDifferences,
        ignoreResourceStatusField: 'none',
      },
    );
    expect(result.modified).toBe(false);
  });
});

describe('compareApp', () => {
  const namespaced = (_group: string, kind: string) =>
    kind !== 'Namespace' && kind !== 'ClusterRole';
  const base = { destinationNamespace: 'default', namespaced };
  const extraneousPod = () =>
    yaml(
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\n  namespace: default\nspec:\n  containers: [{ name: c, image: busybox }]`,
    ) as KubeObject & { metadata: { annotations?: Record<string, string> } };

  it('matches desired objects without a namespace to live ones in the destination namespace', async () => {
    const result = await compareApp(
      [desiredDeployment(), yaml(serviceYaml)],
      [liveService(), liveDeployment()],
      base,
    );
    expect(result.status).toBe('Synced');
    expect(result.resources).toEqual([
      expect.objectContaining({
        kind: 'Deployment',
        namespace: 'default',
        status: 'Synced',
        group: 'apps',
      }),
      expect.objectContaining({
        kind: 'Service',
        namespace: 'default',
        status: 'Synced',
        group: '',
      }),
    ]);
  });

  it('a missing resource makes the Application OutOfSync', async () => {
    const result = await compareApp(
      [desiredDeployment(), yaml(serviceYaml)],
      [liveDeployment()],
      base,
    );
    expect(result.status).toBe('OutOfSync');
    expect(result.resources[1]).toMatchObject({
      kind: 'Service',
      status: 'OutOfSync',
      requiresPruning: false,
    });
  });

  it.each([
    ['without annotation', undefined, 'OutOfSync'],
    [
      'with compare-options IgnoreExtraneous',
      { 'argocd.argoproj.io/compare-options': 'IgnoreExtraneous' },
      'Synced',
    ],
    [
      'with IgnoreExtraneous among other compare options',
      { 'argocd.argoproj.io/compare-options': 'ServerSideDiff=true, IgnoreExtraneous' },
      'Synced',
    ],
  ] as const)('an extraneous resource %s: app %s', async (_label, annotations, appStatus) => {
    const pod = extraneousPod();
    if (annotations) pod.metadata.annotations = { ...annotations };
    const result = await compareApp([desiredDeployment()], [liveDeployment(), pod], base);
    expect(result.status).toBe(appStatus);
    expect(result.resources[1]).toMatchObject({
      kind: 'Pod',
      name: 'debug',
      status: 'OutOfSync',
      requiresPruning: true,
    });
  });

  it('IgnoreExtraneous does not excuse a resource that differs from git', async () => {
    const desired = yaml(configMapYaml.replace('info', 'debug'));
    const live = yaml(configMapYaml);
    live.metadata = {
      ...live.metadata,
      namespace: 'default',
      annotations: { 'argocd.argoproj.io/compare-options': 'IgnoreExtraneous' },
    };
    const result = await compareApp([desired], [live], base);
    expect(result.status).toBe('OutOfSync');
  });

  it('hooks are not compared: a desired hook is returned apart, a live hook has no status', async () => {
    const hook = yaml(
      `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: db-migrate\n  annotations: { argocd.argoproj.io/hook: PreSync }\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{ name: m, image: migrate:1 }]`,
    );
    const liveHook = clone(hook);
    liveHook.metadata.namespace = 'default';
    const result = await compareApp(
      [desiredDeployment(), hook],
      [liveDeployment(), liveHook],
      base,
    );
    expect(result.status).toBe('Synced');
    expect(result.hooks.map((h) => h.metadata.name)).toEqual(['db-migrate']);
    const hookStatus = result.resources.find((r) => r.kind === 'Job');
    expect(hookStatus).toMatchObject({ hook: true, requiresPruning: true });
    expect(hookStatus?.status).toBeUndefined();
  });

  it('a desired object whose hook type Argo does not know here (PostDelete) is left out', async () => {
    const postDelete = yaml(configMapYaml);
    postDelete.metadata.annotations = { 'argocd.argoproj.io/hook': 'PostDelete' };
    const result = await compareApp([postDelete], [], base);
    expect(result).toMatchObject({ status: 'Synced', resources: [], hooks: [] });
  });

  it('a desired resource with hook: Skip gets no status and does not count', async () => {
    const skipped = yaml(configMapYaml.replace('info', 'debug'));
    skipped.metadata.annotations = { 'argocd.argoproj.io/hook': 'Skip' };
    const live = yaml(configMapYaml);
    live.metadata.namespace = 'default';
    const result = await compareApp([skipped], [live], base);
    expect(result.status).toBe('Synced');
    expect(result.resources[0]?.status).toBeUndefined();
  });

  it('a cluster-scoped desired object matches the live one without namespace', async () => {
    const ns = yaml('apiVersion: v1\nkind: Namespace\nmetadata: { name: guestbook }');
    const result = await compareApp([ns], [clone(ns)], base);
    expect(result.resources).toEqual([
      expect.objectContaining({ kind: 'Namespace', namespace: '', status: 'Synced' }),
    ]);
  });
});

describe('applyIgnoredFromLive (RespectIgnoreDifferences=true)', () => {
  const replicasRule: IgnoreDifferencesRule[] = [
    { group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] },
  ];

  it('copies the ignored live replicas into the object to apply', async () => {
    const result = (await applyIgnoredFromLive(
      desiredDeployment(),
      liveDeployment({ mutate: hpaReplicas }),
      replicasRule,
    )) as unknown as JsonObject;
    expect((result['spec'] as JsonObject)['replicas']).toBe(7);
    expect(containersOf(result)[0]?.['image']).toBe('gcr.io/heptio-images/ks-guestbook-demo:0.2');
    expect(result['status']).toBeUndefined();
  });

  it('keeps the live sidecar a jq rule ignores, alongside the desired containers', async () => {
    const result = (await applyIgnoredFromLive(
      yaml(deploymentYaml.replace(':0.2', ':0.3')),
      liveDeployment({ mutate: withSidecar }),
      [
        {
          group: 'apps',
          kind: 'Deployment',
          jqPathExpressions: ['.spec.template.spec.containers[] | select(.name == "sidecar")'],
        },
      ],
    )) as unknown as JsonObject;
    expect(containersOf(result).map((c) => [c['name'], c['image']])).toEqual([
      ['guestbook-ui', 'gcr.io/heptio-images/ks-guestbook-demo:0.3'],
      ['sidecar', 'istio/proxyv2:1.22.0'],
    ]);
  });

  it('drops an ignored field live does not have (Argo applies the normalized target)', async () => {
    const live = liveDeployment({
      mutate: (o) => {
        delete (o['spec'] as JsonObject)['replicas'];
      },
    });
    const result = (await applyIgnoredFromLive(
      desiredDeployment(),
      live,
      replicasRule,
    )) as unknown as JsonObject;
    expect((result['spec'] as JsonObject)['replicas']).toBeUndefined();
  });

  it('with no live object the desired object is applied as it is', async () => {
    const desired = desiredDeployment();
    expect(await applyIgnoredFromLive(desired, undefined, replicasRule)).toBe(desired);
  });
});

describe('imagePullPolicy default', () => {
  it.each([
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.25', 'IfNotPresent'],
    ['registry:5000/team/app', 'Always'],
    ['registry:5000/team/app:v1', 'IfNotPresent'],
    ['nginx@sha256:abcd', 'IfNotPresent'],
  ])('%s -> %s', (image, policy) => {
    expect(pullPolicyFor(image)).toBe(policy);
  });
});
