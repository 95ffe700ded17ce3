import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonPatch, mergePatch } from '../../shared/core/objects.js';
import type { KubeObject } from '../../shared/core/objects.js';
import type { Json } from '../../shared/core/types.js';
import { OWNER_ANNOTATION, OWNER_LABEL } from '../../shared/rollouts/replicaset.js';
import {
  MANAGED_ALB_ANNOTATIONS,
  MANAGED_BY_ROLLOUTS_ANNOTATION,
  albRouter,
  canaryIngressName,
  isRouterError,
  istioRouter,
  nginxRouter,
  refKey,
  routersFor,
  virtualServiceNamespaceName,
} from '../../shared/rollouts/traffic/index.js';
import type {
  RoutedRollout,
  RoutedRolloutSpec,
  RouterInput,
  RouterWrite,
  TrafficRouter,
} from '../../shared/rollouts/traffic/index.js';
import { corpusRoot } from '../support/corpus.js';
import { parseYamlDocuments } from '../../shared/resources/yaml.js';

// ---------------------------------------------------------------------------------------------
// Fixtures

type Doc = Record<string, unknown>;

function corpusObjects(folder: string, file: string): Doc[] {
  // One file, not the folder: some corpus folders hold Helm templates that are not plain YAML.
  const docs = parseYamlDocuments(readFileSync(join(corpusRoot, folder, file), 'utf8')) as Doc[];
  if (docs.length === 0) throw new Error(`${folder}/${file} has no documents`);
  return docs;
}

function rolloutFrom(docs: Doc[], name: string, namespace = 'default'): RoutedRollout {
  const doc = docs.find((d) => d['kind'] === 'Rollout' && (d['metadata'] as Doc)['name'] === name);
  if (!doc) throw new Error(`no Rollout ${name}`);
  const ns = ((doc['metadata'] as Doc)['namespace'] as string | undefined) ?? namespace;
  return {
    name,
    namespace: ns,
    key: `in-cluster/Rollout/${ns}/${name}`,
    spec: doc['spec'] as RoutedRolloutSpec,
  };
}

function objectFrom(docs: Doc[], kind: string, name: string, namespace = 'default'): KubeObject {
  const doc = docs.find((d) => d['kind'] === kind && (d['metadata'] as Doc)['name'] === name);
  if (!doc) throw new Error(`no ${kind} ${name}`);
  const object = structuredClone(doc) as unknown as KubeObject;
  object.metadata.namespace ??= namespace;
  return object;
}

/** What a reader hands the router: each ref of reads() looked up among the cluster's objects. */
function observe(router: TrafficRouter, rollout: RoutedRollout, cluster: KubeObject[]) {
  const observed = new Map<string, KubeObject | undefined>();
  for (const ref of router.reads(rollout)) {
    observed.set(
      refKey(ref),
      cluster.find(
        (o) =>
          o.kind === ref.kind &&
          o.metadata.name === ref.name &&
          o.metadata.namespace === ref.namespace,
      ),
    );
  }
  return observed;
}

function input(
  router: TrafficRouter,
  rollout: RoutedRollout,
  cluster: KubeObject[],
  extra: Partial<RouterInput> & { desiredWeight: number },
): RouterInput {
  return { rollout, observed: observe(router, rollout, cluster), ...extra };
}

function writes(result: RouterWrite[] | { error: string }): RouterWrite[] {
  if (isRouterError(result)) throw new Error(`unexpected router error: ${result.error}`);
  return result;
}

/** The cluster after the writes, as the Kubernetes port would leave it. */
function applyWrites(cluster: KubeObject[], ws: RouterWrite[]): KubeObject[] {
  let next = cluster.map((o) => structuredClone(o));
  for (const w of ws) {
    const at = next.findIndex(
      (o) =>
        o.kind === w.ref.kind &&
        o.metadata.name === w.ref.name &&
        o.metadata.namespace === w.ref.namespace,
    );
    if (w.op === 'apply') {
      if (at >= 0) next[at] = w.object as KubeObject;
      else next.push(w.object as KubeObject);
    } else if (w.op === 'delete') {
      next = next.filter((_, i) => i !== at);
    } else {
      const current = next[at] as unknown as Json;
      next[at] = (w.patchType === 'json'
        ? jsonPatch(current, w.patch as Json)
        : mergePatch(current, w.patch as Json)) as unknown as KubeObject;
    }
  }
  return next;
}

function find(cluster: KubeObject[], kind: string, name: string): KubeObject {
  const o = cluster.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} in the cluster`);
  return o;
}

// ---------------------------------------------------------------------------------------------
// nginx

const seedDocs = () => corpusObjects('seeds', 'rollout.yaml');

/** The Ingress the seed's web-app rollout names, as a team would write it. */
function webAppStableIngress(): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: 'web-app-stable',
      namespace: 'production',
      annotations: {
        'kubernetes.io/ingress.class': 'nginx',
        'nginx.ingress.kubernetes.io/rewrite-target': '/',
      },
      labels: { app: 'web-app' },
    },
    spec: {
      ingressClassName: 'nginx',
      tls: [{ hosts: ['web.example.com'], secretName: 'web-tls' }],
      rules: [
        {
          host: 'web.example.com',
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'web-app-stable', port: { number: 80 } } },
              },
              {
                path: '/docs',
                pathType: 'Prefix',
                backend: { service: { name: 'docs', port: { number: 80 } } },
              },
            ],
          },
        },
        {
          host: 'docs.example.com',
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'docs', port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  };
}

describe('nginx: the canary Ingress beside the stable one', () => {
  const rollout = () => rolloutFrom(seedDocs(), 'web-app');
  const canaryName = 'web-app-web-app-stable-canary';

  it('reads the stable Ingress and its canary Ingress', () => {
    expect(nginxRouter.reads(rollout())).toEqual([
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        namespace: 'production',
        name: 'web-app-stable',
      },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        namespace: 'production',
        name: canaryName,
      },
    ]);
  });

  it.each([0, 5, 50, 100])(
    'creates the seed web-app canary Ingress at weight %i with its header rule, class and TLS',
    (weight) => {
      const ro = rollout();
      const ws = writes(
        nginxRouter.setWeight(
          input(nginxRouter, ro, [webAppStableIngress()], { desiredWeight: weight }),
        ),
      );
      expect(ws).toHaveLength(1);
      expect(ws[0]?.op).toBe('apply');
      expect(ws[0]?.object).toEqual({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: {
          name: canaryName,
          namespace: 'production',
          labels: { [OWNER_LABEL]: 'web-app' },
          annotations: {
            'kubernetes.io/ingress.class': 'nginx',
            'nginx.ingress.kubernetes.io/canary-by-header': 'X-Canary',
            'nginx.ingress.kubernetes.io/canary-by-header-value': 'true',
            'nginx.ingress.kubernetes.io/canary': 'true',
            'nginx.ingress.kubernetes.io/canary-weight': String(weight),
            [OWNER_ANNOTATION]: 'in-cluster/Rollout/production/web-app',
          },
        },
        spec: {
          ingressClassName: 'nginx',
          tls: [{ hosts: ['web.example.com'], secretName: 'web-tls' }],
          // Only the rule routing to the stable service, all its stable backends now canary.
          rules: [
            {
              host: 'web.example.com',
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'Prefix',
                    backend: { service: { name: 'web-app-canary', port: { number: 80 } } },
                  },
                  {
                    path: '/docs',
                    pathType: 'Prefix',
                    backend: { service: { name: 'docs', port: { number: 80 } } },
                  },
                ],
              },
            },
          ],
        },
      });
    },
  );

  it.each([
    [5, 20],
    [20, 50],
    [50, 100],
    [100, 0],
  ])(
    'moves an existing canary Ingress from weight %i to %i with a merge patch of the weight only',
    (from, to) => {
      const ro = rollout();
      const created = writes(
        nginxRouter.setWeight(
          input(nginxRouter, ro, [webAppStableIngress()], { desiredWeight: from }),
        ),
      );
      const cluster = applyWrites([webAppStableIngress()], created);
      const ws = writes(
        nginxRouter.setWeight(input(nginxRouter, ro, cluster, { desiredWeight: to })),
      );
      expect(ws).toEqual([
        {
          op: 'patch',
          ref: {
            apiVersion: 'networking.k8s.io/v1',
            kind: 'Ingress',
            namespace: 'production',
            name: canaryName,
          },
          patch: {
            metadata: { annotations: { 'nginx.ingress.kubernetes.io/canary-weight': String(to) } },
          },
          patchType: 'merge',
        },
      ]);
      const after = find(applyWrites(cluster, ws), 'Ingress', canaryName);
      expect(after.metadata.annotations?.['nginx.ingress.kubernetes.io/canary-weight']).toBe(
        String(to),
      );
    },
  );

  it('writes nothing when the canary Ingress is already at the weight', () => {
    const ro = rollout();
    const cluster = applyWrites(
      [webAppStableIngress()],
      writes(
        nginxRouter.setWeight(
          input(nginxRouter, ro, [webAppStableIngress()], { desiredWeight: 20 }),
        ),
      ),
    );
    expect(
      writes(nginxRouter.setWeight(input(nginxRouter, ro, cluster, { desiredWeight: 20 }))),
    ).toEqual([]);
  });

  it('keeps annotations other controllers put on the canary Ingress', () => {
    const ro = rollout();
    const cluster = applyWrites(
      [webAppStableIngress()],
      writes(
        nginxRouter.setWeight(
          input(nginxRouter, ro, [webAppStableIngress()], { desiredWeight: 5 }),
        ),
      ),
    );
    find(cluster, 'Ingress', canaryName).metadata.annotations!['field.cattle.io/publicEndpoints'] =
      '[]';
    const ws = writes(
      nginxRouter.setWeight(input(nginxRouter, ro, cluster, { desiredWeight: 50 })),
    );
    const after = find(applyWrites(cluster, ws), 'Ingress', canaryName);
    expect(after.metadata.annotations?.['field.cattle.io/publicEndpoints']).toBe('[]');
    expect(after.metadata.annotations?.['nginx.ingress.kubernetes.io/canary-weight']).toBe('50');
  });

  it('follows a stable Ingress rule change onto the canary Ingress', () => {
    const ro = rollout();
    const stable = webAppStableIngress();
    const cluster = applyWrites(
      [stable],
      writes(nginxRouter.setWeight(input(nginxRouter, ro, [stable], { desiredWeight: 5 }))),
    );
    const changed = find(cluster, 'Ingress', 'web-app-stable');
    ((changed.spec as { rules: { host: string }[] }).rules[0] as { host: string }).host =
      'www.example.com';
    const after = find(
      applyWrites(
        cluster,
        writes(nginxRouter.setWeight(input(nginxRouter, ro, cluster, { desiredWeight: 5 }))),
      ),
      'Ingress',
      canaryName,
    );
    expect((after.spec as { rules: { host: string }[] }).rules[0]?.host).toBe('www.example.com');
  });

  it.each([
    [
      'annotationPrefix and a key that already carries it',
      {
        annotationPrefix: 'custom.nginx.io',
        additionalIngressAnnotations: { 'custom.nginx.io/canary-by-cookie': 'beta' },
      },
      {
        'custom.nginx.io/canary-by-cookie': 'beta',
        'custom.nginx.io/canary': 'true',
        'custom.nginx.io/canary-weight': '30',
      },
    ],
    [
      'canaryIngressAnnotations as full keys, winning over additional ones',
      {
        additionalIngressAnnotations: { 'canary-by-header': 'X-A' },
        canaryIngressAnnotations: {
          'nginx.ingress.kubernetes.io/canary-by-header': 'X-B',
          'example.com/team': 'web',
        },
      },
      {
        'nginx.ingress.kubernetes.io/canary-by-header': 'X-B',
        'example.com/team': 'web',
        'nginx.ingress.kubernetes.io/canary': 'true',
        'nginx.ingress.kubernetes.io/canary-weight': '30',
      },
    ],
  ])('annotations: %s', (_name, nginx, expected) => {
    const ro = rollout();
    ro.spec.strategy.canary!.trafficRouting = {
      nginx: { stableIngress: 'web-app-stable', ...nginx },
    };
    const ws = writes(
      nginxRouter.setWeight(input(nginxRouter, ro, [webAppStableIngress()], { desiredWeight: 30 })),
    );
    const {
      [OWNER_ANNOTATION]: _owner,
      'kubernetes.io/ingress.class': _class,
      ...rest
    } = ws[0]?.object?.metadata.annotations ?? {};
    expect(rest).toEqual(expected);
  });

  it('sets canary-weight-total when maxTrafficWeight is set', () => {
    const ro = rollout();
    ro.spec.strategy.canary!.trafficRouting!.maxTrafficWeight = 1000;
    const ws = writes(
      nginxRouter.setWeight(
        input(nginxRouter, ro, [webAppStableIngress()], { desiredWeight: 250 }),
      ),
    );
    const annotations = ws[0]?.object?.metadata.annotations ?? {};
    expect(annotations['nginx.ingress.kubernetes.io/canary-weight']).toBe('250');
    expect(annotations['nginx.ingress.kubernetes.io/canary-weight-total']).toBe('1000');
  });

  it('creates one canary Ingress per stableIngresses entry', () => {
    const ro = rollout();
    ro.spec.strategy.canary!.trafficRouting = {
      nginx: { stableIngresses: ['web-app-stable', 'web-app-internal'] },
    };
    const internal = webAppStableIngress();
    internal.metadata.name = 'web-app-internal';
    expect(nginxRouter.reads(ro).map((r) => r.name)).toEqual([
      'web-app-stable',
      'web-app-web-app-stable-canary',
      'web-app-internal',
      'web-app-web-app-internal-canary',
    ]);
    const ws = writes(
      nginxRouter.setWeight(
        input(nginxRouter, ro, [webAppStableIngress(), internal], { desiredWeight: 5 }),
      ),
    );
    expect(ws.map((w) => [w.op, w.ref.name])).toEqual([
      ['apply', 'web-app-web-app-stable-canary'],
      ['apply', 'web-app-web-app-internal-canary'],
    ]);
  });

  it.each([
    [
      'the stable Ingress is missing',
      [] as KubeObject[],
      /stable Ingress production\/web-app-stable.*does not exist/,
    ],
    [
      'the stable Ingress does not route to stableService',
      [
        (() => {
          const i = webAppStableIngress();
          (i.spec as { rules: unknown[] }).rules.splice(0, 1);
          return i;
        })(),
      ],
      /web-app-stable has no rules using service web-app-stable backend/,
    ],
    [
      'the canary Ingress name is taken by another object',
      [
        webAppStableIngress(),
        {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          metadata: {
            name: canaryName,
            namespace: 'production',
            annotations: { [OWNER_ANNOTATION]: 'in-cluster/Rollout/production/other' },
          },
          spec: {},
        },
      ],
      /controlled by a different object/,
    ],
  ])('errors when %s', (_name, cluster, message) => {
    const result = nginxRouter.setWeight(
      input(nginxRouter, rollout(), cluster, { desiredWeight: 5 }),
    );
    expect(isRouterError(result) && result.error).toMatch(message);
  });

  it('adopts a canary Ingress Argo created for the same Rollout (its controller ownerReference)', () => {
    const ro = rollout();
    const argoMade: KubeObject = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: canaryName,
        namespace: 'production',
        ownerReferences: [
          {
            apiVersion: 'argoproj.io/v1alpha1',
            kind: 'Rollout',
            name: 'web-app',
            uid: 'u',
            controller: true,
          },
        ],
        annotations: {
          'nginx.ingress.kubernetes.io/canary': 'true',
          'nginx.ingress.kubernetes.io/canary-weight': '5',
        },
      },
      spec: {},
    };
    const ws = writes(
      nginxRouter.setWeight(
        input(nginxRouter, ro, [webAppStableIngress(), argoMade], { desiredWeight: 5 }),
      ),
    );
    const after = find(applyWrites([webAppStableIngress(), argoMade], ws), 'Ingress', canaryName);
    expect(after.metadata.annotations?.[OWNER_ANNOTATION]).toBe(ro.key);
    expect(after.metadata.labels).toEqual({ [OWNER_LABEL]: 'web-app' });
  });

  it('removeManaged changes nothing (Argo keeps the canary Ingress, weight set separately)', () => {
    const ro = rollout();
    expect(
      nginxRouter.removeManaged(
        input(nginxRouter, ro, [webAppStableIngress()], { desiredWeight: 0 }),
      ),
    ).toEqual([]);
  });

  it('release deletes the canary Ingress it owns and leaves the stable one', () => {
    const ro = rollout();
    const cluster = applyWrites(
      [webAppStableIngress()],
      writes(
        nginxRouter.setWeight(
          input(nginxRouter, ro, [webAppStableIngress()], { desiredWeight: 5 }),
        ),
      ),
    );
    expect(nginxRouter.release(input(nginxRouter, ro, cluster, { desiredWeight: 0 }))).toEqual([
      {
        op: 'delete',
        ref: {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          namespace: 'production',
          name: canaryName,
        },
      },
    ]);
  });

  it('cuts a long canary Ingress name to 253 characters, suffix kept', () => {
    const name = canaryIngressName('r'.repeat(200), 's'.repeat(100));
    expect(name).toHaveLength(253);
    expect(name.endsWith('-canary')).toBe(true);
    expect(canaryIngressName('web-app', 'web-app-stable')).toBe(canaryName);
  });
});

// ---------------------------------------------------------------------------------------------
// istio

const istioHostDocs = () =>
  corpusObjects(
    'argo-rollouts/examples',
    'traffic-routing-experiment-step/istio-host-split-experiment-step.yaml',
  );
const istioSubsetDocs = () =>
  corpusObjects('argo-rollouts/examples', 'istio/istio-subset-split.yaml');

function routeWeights(vs: KubeObject, type = 'http', index = 0): Array<[string, number]> {
  const routes = (
    vs.spec as Record<
      string,
      Array<{ route: Array<{ destination: { host: string; subset?: string }; weight?: number }> }>
    >
  )[type];
  return (routes?.[index]?.route ?? []).map((d) => [
    d.destination.subset ?? d.destination.host,
    d.weight ?? 0,
  ]);
}

describe('istio: host-level split (corpus istio-host-split)', () => {
  const setup = () => {
    const docs = istioHostDocs();
    return {
      ro: rolloutFrom(docs, 'istio-host-split'),
      cluster: [objectFrom(docs, 'VirtualService', 'istio-host-split-vsvc')],
    };
  };

  it('reads the VirtualService', () => {
    expect(istioRouter.reads(setup().ro)).toEqual([
      {
        apiVersion: 'networking.istio.io/v1alpha3',
        kind: 'VirtualService',
        namespace: 'default',
        name: 'istio-host-split-vsvc',
      },
    ]);
  });

  it.each([
    [0, []],
    [
      5,
      [
        ['istio-host-split-stable', 95],
        ['istio-host-split-canary', 5],
      ],
    ],
    [
      50,
      [
        ['istio-host-split-stable', 50],
        ['istio-host-split-canary', 50],
      ],
    ],
    [
      100,
      [
        ['istio-host-split-stable', 0],
        ['istio-host-split-canary', 100],
      ],
    ],
  ] as Array<[number, Array<[string, number]>]>)(
    'at weight %i the primary route becomes %j',
    (weight, expected) => {
      const { ro, cluster } = setup();
      const ws = writes(
        istioRouter.setWeight(input(istioRouter, ro, cluster, { desiredWeight: weight })),
      );
      if (expected.length === 0) {
        // The corpus VirtualService already sends everything to the stable.
        expect(ws).toEqual([]);
        return;
      }
      expect(ws).toHaveLength(1);
      expect(ws[0]?.patchType).toBe('json');
      expect(
        routeWeights(find(applyWrites(cluster, ws), 'VirtualService', 'istio-host-split-vsvc')),
      ).toEqual(expected);
    },
  );

  it('gives an experiment service its weight out of the stable share, then removes it', () => {
    const { ro, cluster } = setup();
    const experiment = [
      { serviceName: 'experiment-istio-svc', podTemplateHash: 'exp1', weight: 20 },
    ];
    const during = applyWrites(
      cluster,
      writes(
        istioRouter.setWeight(
          input(istioRouter, ro, cluster, {
            desiredWeight: 10,
            additionalDestinations: experiment,
          }),
        ),
      ),
    );
    expect(routeWeights(find(during, 'VirtualService', 'istio-host-split-vsvc'))).toEqual([
      ['istio-host-split-stable', 70],
      ['istio-host-split-canary', 10],
      ['experiment-istio-svc', 20],
    ]);
    const after = applyWrites(
      during,
      writes(istioRouter.setWeight(input(istioRouter, ro, during, { desiredWeight: 10 }))),
    );
    expect(routeWeights(find(after, 'VirtualService', 'istio-host-split-vsvc'))).toEqual([
      ['istio-host-split-stable', 90],
      ['istio-host-split-canary', 10],
    ]);
  });

  it.each([
    [
      0,
      [
        ['istio-host-split-stable', 80],
        ['istio-host-split-canary', 20],
        ['legacy', 0],
      ],
    ],
    [
      10,
      [
        ['istio-host-split-stable', 80],
        ['istio-host-split-canary', 20],
      ],
    ],
  ] as Array<[number, Array<[string, number]>]>)(
    'a stray destination at weight %i is kept only while it takes no traffic',
    (strayWeight, expected) => {
      const { ro, cluster } = setup();
      (cluster[0]!.spec as { http: Array<{ route: Json[] }> }).http[0]!.route.push({
        destination: { host: 'legacy' },
        weight: strayWeight,
      });
      const after = applyWrites(
        cluster,
        writes(istioRouter.setWeight(input(istioRouter, ro, cluster, { desiredWeight: 20 }))),
      );
      expect(routeWeights(find(after, 'VirtualService', 'istio-host-split-vsvc'))).toEqual(
        expected,
      );
    },
  );

  it('matches hosts by their short name (svc.ns.svc.cluster.local)', () => {
    const { ro, cluster } = setup();
    const vs = cluster[0]!;
    for (const d of (
      vs.spec as { http: Array<{ route: Array<{ destination: { host: string } }> }> }
    ).http[0]!.route) {
      d.destination.host = `${d.destination.host}.default.svc.cluster.local`;
    }
    const after = applyWrites(
      cluster,
      writes(istioRouter.setWeight(input(istioRouter, ro, cluster, { desiredWeight: 30 }))),
    );
    expect(routeWeights(find(after, 'VirtualService', 'istio-host-split-vsvc'))).toEqual([
      ['istio-host-split-stable.default.svc.cluster.local', 70],
      ['istio-host-split-canary.default.svc.cluster.local', 30],
    ]);
  });

  it('guards its patch with the resourceVersion it read, as Argo’s Update does', () => {
    const { ro, cluster } = setup();
    cluster[0]!.metadata.resourceVersion = '42';
    const ws = writes(
      istioRouter.setWeight(input(istioRouter, ro, cluster, { desiredWeight: 30 })),
    );
    expect((ws[0]?.patch as Json[])[0]).toEqual({
      op: 'test',
      path: '/metadata/resourceVersion',
      value: '42',
    });
    const moved = structuredClone(cluster);
    moved[0]!.metadata.resourceVersion = '43';
    expect(() => applyWrites(moved, ws)).toThrow();
  });

  it.each([
    [
      'a named route is missing',
      (ro: RoutedRollout) =>
        (ro.spec.strategy.canary!.trafficRouting!.istio!.virtualService!.routes = ['secondary']),
      /HTTP Route 'secondary' is not found/,
    ],
    [
      'the canary service is not a destination of the route',
      (ro: RoutedRollout) => (ro.spec.strategy.canary!.canaryService = 'elsewhere'),
      /Canary Service 'elsewhere' not found in route/,
    ],
    [
      'the VirtualService is missing',
      (ro: RoutedRollout) =>
        (ro.spec.strategy.canary!.trafficRouting!.istio!.virtualService!.name = 'gone'),
      /VirtualService default\/gone named by trafficRouting.istio.virtualService.name does not exist/,
    ],
  ])('errors when %s', (_name, change, message) => {
    const { ro, cluster } = setup();
    change(ro);
    const result = istioRouter.setWeight(input(istioRouter, ro, cluster, { desiredWeight: 10 }));
    expect(isRouterError(result) && result.error).toMatch(message);
  });

  it('errors when routes are omitted and the VirtualService has several http routes', () => {
    const { ro, cluster } = setup();
    delete ro.spec.strategy.canary!.trafficRouting!.istio!.virtualService!.routes;
    const http = (cluster[0]!.spec as { http: Json[] }).http;
    http.push({ name: 'other', route: [{ destination: { host: 'other' }, weight: 100 }] });
    const result = istioRouter.setWeight(input(istioRouter, ro, cluster, { desiredWeight: 10 }));
    expect(isRouterError(result) && result.error).toMatch(/must have exactly one route/);
  });

  it('patches the only http route when routes are omitted', () => {
    const { ro, cluster } = setup();
    delete ro.spec.strategy.canary!.trafficRouting!.istio!.virtualService!.routes;
    const after = applyWrites(
      cluster,
      writes(istioRouter.setWeight(input(istioRouter, ro, cluster, { desiredWeight: 25 }))),
    );
    expect(routeWeights(find(after, 'VirtualService', 'istio-host-split-vsvc'))).toEqual([
      ['istio-host-split-stable', 75],
      ['istio-host-split-canary', 25],
    ]);
  });

  it('sets the weights of every listed VirtualService, `name.namespace` read as Istio does', () => {
    const { ro, cluster } = setup();
    const other = structuredClone(cluster[0]!);
    other.metadata = { name: 'edge-vsvc', namespace: 'gateways' };
    ro.spec.strategy.canary!.trafficRouting!.istio = {
      virtualServices: [
        { name: 'istio-host-split-vsvc', routes: ['primary'] },
        { name: 'edge-vsvc.gateways', routes: ['primary'] },
      ],
    };
    expect(istioRouter.reads(ro).map((r) => `${r.namespace}/${r.name}`)).toEqual([
      'default/istio-host-split-vsvc',
      'gateways/edge-vsvc',
    ]);
    const ws = writes(
      istioRouter.setWeight(input(istioRouter, ro, [...cluster, other], { desiredWeight: 40 })),
    );
    expect(ws.map((w) => `${w.ref.namespace}/${w.ref.name}`)).toEqual([
      'default/istio-host-split-vsvc',
      'gateways/edge-vsvc',
    ]);
  });

  it.each([
    ['reviews', { namespace: undefined, name: 'reviews' }],
    ['reviews.bookinfo', { namespace: 'bookinfo', name: 'reviews' }],
    ['reviews.v2.bookinfo', { namespace: 'bookinfo', name: 'reviews.v2' }],
    ['reviews.bookinfo.cluster.local', { namespace: 'bookinfo', name: 'reviews' }],
  ])('reads the VirtualService reference %s', (reference, expected) => {
    expect(virtualServiceNamespaceName(reference)).toEqual(expected);
  });

  it('splits tls routes by port and SNI hosts, and tcp routes by port', () => {
    const { ro } = setup();
    ro.spec.strategy.canary!.trafficRouting!.istio!.virtualService = {
      name: 'l4-vsvc',
      tlsRoutes: [{ port: 443, sniHosts: ['a.example.com'] }],
      tcpRoutes: [{ port: 9000 }],
    };
    const split = (port: number, extra: Record<string, unknown> = {}) => ({
      match: [{ port, ...extra }],
      route: [
        { destination: { host: 'istio-host-split-stable' }, weight: 100 },
        { destination: { host: 'istio-host-split-canary' }, weight: 0 },
      ],
    });
    const vs: KubeObject = {
      apiVersion: 'networking.istio.io/v1alpha3',
      kind: 'VirtualService',
      metadata: { name: 'l4-vsvc', namespace: 'default' },
      spec: {
        tls: [
          split(443, { sniHosts: ['b.example.com'] }),
          split(443, { sniHosts: ['a.example.com'] }),
        ],
        tcp: [split(8000), split(9000)],
      },
    };
    const after = find(
      applyWrites(
        [vs],
        writes(istioRouter.setWeight(input(istioRouter, ro, [vs], { desiredWeight: 15 }))),
      ),
      'VirtualService',
      'l4-vsvc',
    );
    expect(routeWeights(after, 'tls', 0)).toEqual([
      ['istio-host-split-stable', 100],
      ['istio-host-split-canary', 0],
    ]);
    expect(routeWeights(after, 'tls', 1)).toEqual([
      ['istio-host-split-stable', 85],
      ['istio-host-split-canary', 15],
    ]);
    expect(routeWeights(after, 'tcp', 0)).toEqual([
      ['istio-host-split-stable', 100],
      ['istio-host-split-canary', 0],
    ]);
    expect(routeWeights(after, 'tcp', 1)).toEqual([
      ['istio-host-split-stable', 85],
      ['istio-host-split-canary', 15],
    ]);
  });

  it('removeManaged removes the managed and header/mirror step routes (corpus istio-mirror)', () => {
    const docs = corpusObjects('argo-rollouts/examples', 'istio/istio-mirror.yaml');
    const ro = rolloutFrom(docs, 'istio-host-split');
    const vs = objectFrom(docs, 'VirtualService', 'istio-host-split-vsvc');
    (vs.spec as { http: Json[] }).http.unshift({
      name: 'mirror-route',
      match: [{ method: { exact: 'POST' } }],
      route: [{ destination: { host: 'istio-host-split-stable' }, weight: 100 }],
      mirror: { host: 'istio-host-split-canary' },
    });
    const after = applyWrites(
      [vs],
      writes(istioRouter.removeManaged(input(istioRouter, ro, [vs], { desiredWeight: 0 }))),
    );
    expect(
      (
        find(after, 'VirtualService', 'istio-host-split-vsvc').spec as {
          http: Array<{ name: string }>;
        }
      ).http.map((r) => r.name),
    ).toEqual(['primary']);
    expect(istioRouter.removeManaged(input(istioRouter, ro, after, { desiredWeight: 0 }))).toEqual(
      [],
    );
  });
});

describe('istio: subset-level split (corpus istio-subset-split)', () => {
  const setup = () => {
    const docs = istioSubsetDocs();
    return {
      ro: rolloutFrom(docs, 'istio-subset-split'),
      cluster: [
        objectFrom(docs, 'VirtualService', 'istio-subset-split-vsvc'),
        objectFrom(docs, 'DestinationRule', 'istio-subset-split-destrule'),
      ],
    };
  };

  it('reads the VirtualService and the DestinationRule', () => {
    expect(istioRouter.reads(setup().ro).map((r) => r.kind)).toEqual([
      'VirtualService',
      'DestinationRule',
    ]);
  });

  it.each([
    [
      0,
      [
        ['stable', 100],
        ['canary', 0],
      ],
    ],
    [
      5,
      [
        ['stable', 95],
        ['canary', 5],
      ],
    ],
    [
      50,
      [
        ['stable', 50],
        ['canary', 50],
      ],
    ],
    [
      100,
      [
        ['stable', 0],
        ['canary', 100],
      ],
    ],
  ] as Array<[number, Array<[string, number]>]>)(
    'at weight %i the subsets get %j and select the pod template hashes',
    (weight, expected) => {
      const { ro, cluster } = setup();
      const ws = writes(
        istioRouter.setWeight(
          input(istioRouter, ro, cluster, {
            desiredWeight: weight,
            canaryHash: 'c4n4ry',
            stableHash: 's74b1e',
          }),
        ),
      );
      // The DestinationRule first: the subsets must select the right pods before weight moves.
      expect(ws[0]?.ref.kind).toBe('DestinationRule');
      const after = applyWrites(cluster, ws);
      expect(routeWeights(find(after, 'VirtualService', 'istio-subset-split-vsvc'))).toEqual(
        expected,
      );
      const rule = find(after, 'DestinationRule', 'istio-subset-split-destrule');
      expect(rule.metadata.annotations).toEqual({
        [MANAGED_BY_ROLLOUTS_ANNOTATION]: 'istio-subset-split',
      });
      expect((rule.spec as { subsets: Json[] }).subsets).toEqual([
        {
          name: 'stable',
          labels: { app: 'istio-subset-split', 'rollouts-pod-template-hash': 's74b1e' },
        },
        {
          name: 'canary',
          labels: { app: 'istio-subset-split', 'rollouts-pod-template-hash': 'c4n4ry' },
        },
      ]);
      expect(
        writes(
          istioRouter.setWeight(
            input(istioRouter, ro, after, {
              desiredWeight: weight,
              canaryHash: 'c4n4ry',
              stableHash: 's74b1e',
            }),
          ),
        ),
      ).toEqual([]);
    },
  );

  it('drops subsets that are neither canary, stable nor an experiment, and adds experiment subsets', () => {
    const { ro, cluster } = setup();
    const rule = find(cluster, 'DestinationRule', 'istio-subset-split-destrule');
    (rule.spec as { subsets: Json[] }).subsets.push({
      name: 'legacy',
      labels: { version: 'v0' },
      trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } },
    });
    const ws = writes(
      istioRouter.setWeight(
        input(istioRouter, ro, cluster, {
          desiredWeight: 10,
          canaryHash: 'c',
          stableHash: 's',
          additionalDestinations: [{ serviceName: 'exp-svc', podTemplateHash: 'e', weight: 20 }],
        }),
      ),
    );
    const subsets = (
      find(applyWrites(cluster, ws), 'DestinationRule', 'istio-subset-split-destrule').spec as {
        subsets: Array<{ name: string }>;
      }
    ).subsets;
    expect(subsets.map((s) => s.name)).toEqual(['stable', 'canary', 'exp-svc']);
  });

  it('clears the hash label of a subset with no pods to select', () => {
    const { ro, cluster } = setup();
    const after = applyWrites(
      cluster,
      writes(
        istioRouter.setWeight(
          input(istioRouter, ro, cluster, { desiredWeight: 0, stableHash: 's' }),
        ),
      ),
    );
    const subsets = (
      find(after, 'DestinationRule', 'istio-subset-split-destrule').spec as {
        subsets: Array<{ name: string; labels: Record<string, string> }>;
      }
    ).subsets;
    expect(subsets[1]).toEqual({ name: 'canary', labels: { app: 'istio-subset-split' } });
  });

  it.each([
    [
      'an unavailable stable ReplicaSet delays the switch',
      { available: false, hash: 's' },
      false,
      /ReplicaSet istio-subset-split-x not fully available/,
    ],
    [
      'an unavailable canary delays it too',
      { available: false, hash: 'c' },
      false,
      /not fully available/,
    ],
    ['but not while aborting to stable', { available: false, hash: 'c' }, true, undefined],
    ['available ReplicaSets do not delay', { available: true, hash: 'c' }, false, undefined],
  ])('%s', (_name, rs, abortingToStable, message) => {
    const { ro, cluster } = setup();
    const result = istioRouter.setWeight(
      input(istioRouter, ro, cluster, {
        desiredWeight: 10,
        canaryHash: 'c',
        stableHash: 's',
        abortingToStable,
        replicaSets: [
          {
            name: 'istio-subset-split-x',
            podTemplateHash: rs.hash,
            replicas: 2,
            available: rs.available,
          },
        ],
      }),
    );
    if (message) expect(isRouterError(result) && result.error).toMatch(message);
    else expect(isRouterError(result)).toBe(false);
  });

  it('errors when the DestinationRule is missing or the route lacks a subset', () => {
    const { ro, cluster } = setup();
    const noRule = istioRouter.setWeight(
      input(istioRouter, ro, [cluster[0]!], { desiredWeight: 10 }),
    );
    expect(isRouterError(noRule) && noRule.error).toMatch(
      /DestinationRule default\/istio-subset-split-destrule.*does not exist/,
    );
    ro.spec.strategy.canary!.trafficRouting!.istio!.destinationRule!.canarySubsetName = 'preview';
    const noSubset = istioRouter.setWeight(input(istioRouter, ro, cluster, { desiredWeight: 10 }));
    expect(isRouterError(noSubset) && noSubset.error).toMatch(
      /Canary DestinationRule subset 'preview' not found in route/,
    );
  });

  it('keeps the weight of additionalSubsetNames and takes it from the stable', () => {
    const { ro, cluster } = setup();
    ro.spec.strategy.canary!.trafficRouting!.istio!.destinationRule!.additionalSubsetNames = [
      'other',
    ];
    (
      find(cluster, 'VirtualService', 'istio-subset-split-vsvc').spec as {
        http: Array<{ route: Json[] }>;
      }
    ).http[0]!.route.push({
      destination: { host: 'istio-subset-split', subset: 'other' },
      weight: 30,
    });
    const after = applyWrites(
      cluster,
      writes(istioRouter.setWeight(input(istioRouter, ro, cluster, { desiredWeight: 10 }))),
    );
    expect(routeWeights(find(after, 'VirtualService', 'istio-subset-split-vsvc'))).toEqual([
      ['stable', 60],
      ['canary', 10],
      ['other', 30],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// alb

const albDocs = () =>
  corpusObjects(
    'argo-rollouts/examples',
    'traffic-routing-experiment-step/rollout-alb-experiment-step.yaml',
  );
const ACTION_KEY = 'alb.ingress.kubernetes.io/actions.alb-rollout-root';

describe('alb: the forward action annotation (corpus rollout-alb-experiment-step)', () => {
  const setup = () => {
    const docs = albDocs();
    return {
      ro: rolloutFrom(docs, 'alb-rollout'),
      cluster: [objectFrom(docs, 'Ingress', 'alb-rollout-ingress')],
    };
  };

  it('reads the Ingress', () => {
    expect(albRouter.reads(setup().ro)).toEqual([
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        namespace: 'default',
        name: 'alb-rollout-ingress',
      },
    ]);
  });

  it.each([0, 5, 50, 100])(
    'at weight %i writes the canary and stable target groups as Argo marshals them',
    (weight) => {
      const { ro, cluster } = setup();
      const ws = writes(
        albRouter.setWeight(input(albRouter, ro, cluster, { desiredWeight: weight })),
      );
      expect(ws).toEqual([
        {
          op: 'patch',
          ref: {
            apiVersion: 'networking.k8s.io/v1',
            kind: 'Ingress',
            namespace: 'default',
            name: 'alb-rollout-ingress',
          },
          patchType: 'merge',
          patch: {
            metadata: {
              annotations: {
                [ACTION_KEY]:
                  `{"Type":"forward","ForwardConfig":{"TargetGroups":[` +
                  `{"ServiceName":"alb-rollout-canary","ServicePort":"80","Weight":${weight}},` +
                  `{"ServiceName":"alb-rollout-stable","ServicePort":"80","Weight":${100 - weight}}]}}`,
                [MANAGED_ALB_ANNOTATIONS]: `{"alb-rollout":["${ACTION_KEY}"]}`,
              },
            },
          },
        },
      ]);
      const after = applyWrites(cluster, ws);
      expect(
        writes(albRouter.setWeight(input(albRouter, ro, after, { desiredWeight: weight }))),
      ).toEqual([]);
      expect(
        find(after, 'Ingress', 'alb-rollout-ingress').metadata.annotations?.[
          'kubernetes.io/ingress.class'
        ],
      ).toBe('alb');
    },
  );

  it("puts the experiment step's service between canary and stable", () => {
    const { ro, cluster } = setup();
    const ws = writes(
      albRouter.setWeight(
        input(albRouter, ro, cluster, {
          desiredWeight: 10,
          additionalDestinations: [{ serviceName: 'experiment-alb', weight: 20 }],
        }),
      ),
    );
    const action = JSON.parse(
      (ws[0]?.patch as { metadata: { annotations: Record<string, string> } }).metadata.annotations[
        ACTION_KEY
      ]!,
    );
    expect(
      action.ForwardConfig.TargetGroups.map((t: { ServiceName: string; Weight: number }) => [
        t.ServiceName,
        t.Weight,
      ]),
    ).toEqual([
      ['alb-rollout-canary', 10],
      ['experiment-alb', 20],
      ['alb-rollout-stable', 70],
    ]);
  });

  it.each([
    [
      { enabled: true, durationSeconds: 3600 },
      ',"TargetGroupStickinessConfig":{"Enabled":true,"DurationSeconds":3600}',
      undefined,
    ],
    [{ enabled: false, durationSeconds: 0 }, '', undefined],
    [{ enabled: true, durationSeconds: 0 }, '', /durationSeconds: 0 is out of range/],
    [{ enabled: true, durationSeconds: 604801 }, '', /out of range/],
  ])('stickinessConfig %j', (stickiness, suffix, message) => {
    const { ro, cluster } = setup();
    ro.spec.strategy.canary!.trafficRouting!.alb!.stickinessConfig = stickiness;
    const result = albRouter.setWeight(input(albRouter, ro, cluster, { desiredWeight: 10 }));
    if (message) {
      expect(isRouterError(result) && result.error).toMatch(message);
      return;
    }
    const action = (
      writes(result)[0]?.patch as { metadata: { annotations: Record<string, string> } }
    ).metadata.annotations[ACTION_KEY];
    expect(action).toBe(
      `{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"alb-rollout-canary","ServicePort":"80","Weight":10},` +
        `{"ServiceName":"alb-rollout-stable","ServicePort":"80","Weight":90}]${suffix}}}`,
    );
  });

  it('uses annotationPrefix, and stableService as the action without rootService', () => {
    const { ro, cluster } = setup();
    const alb = ro.spec.strategy.canary!.trafficRouting!.alb!;
    alb.annotationPrefix = 'custom.alb.io';
    delete alb.rootService;
    const ingress = cluster[0]!;
    const path = (
      ingress.spec as {
        rules: Array<{ http: { paths: Array<{ backend: { service: { name: string } } }> } }>;
      }
    ).rules[0]!.http.paths[0]!;
    path.backend.service.name = 'alb-rollout-stable';
    const ws = writes(albRouter.setWeight(input(albRouter, ro, cluster, { desiredWeight: 10 })));
    expect(
      Object.keys(
        (ws[0]?.patch as { metadata: { annotations: Record<string, string> } }).metadata
          .annotations,
      ),
    ).toContain('custom.alb.io/actions.alb-rollout-stable');
  });

  it('keeps other rollouts in the managed annotation', () => {
    const { ro, cluster } = setup();
    cluster[0]!.metadata.annotations![MANAGED_ALB_ANNOTATIONS] =
      '{"zeta":["alb.ingress.kubernetes.io/actions.z"]}';
    const ws = writes(albRouter.setWeight(input(albRouter, ro, cluster, { desiredWeight: 10 })));
    expect(
      (ws[0]?.patch as { metadata: { annotations: Record<string, string> } }).metadata.annotations[
        MANAGED_ALB_ANNOTATIONS
      ],
    ).toBe(`{"alb-rollout":["${ACTION_KEY}"],"zeta":["alb.ingress.kubernetes.io/actions.z"]}`);
  });

  it.each([
    [
      'the Ingress is missing',
      () => [] as KubeObject[],
      /Ingress default\/alb-rollout-ingress named by trafficRouting.alb.ingress does not exist/,
    ],
    [
      'the Ingress does not route to the root service',
      () => {
        const c = setup().cluster;
        (
          c[0]!.spec as {
            rules: Array<{ http: { paths: Array<{ backend: { service: { name: string } } }> } }>;
          }
        ).rules[0]!.http.paths[0]!.backend.service.name = 'x';
        return c;
      },
      /does not have service alb-rollout-root in rules/,
    ],
  ])('errors when %s', (_name, cluster, message) => {
    const result = albRouter.setWeight(
      input(albRouter, setup().ro, cluster(), { desiredWeight: 10 }),
    );
    expect(isRouterError(result) && result.error).toMatch(message);
  });

  it('release resets the action to its own service and drops the managed annotation', () => {
    const { ro, cluster } = setup();
    const during = applyWrites(
      cluster,
      writes(albRouter.setWeight(input(albRouter, ro, cluster, { desiredWeight: 30 }))),
    );
    // The action service is the root here, which has no target group of its own: Argo cannot reset it.
    expect(albRouter.release(input(albRouter, ro, during, { desiredWeight: 0 }))).toEqual([]);
    delete ro.spec.strategy.canary!.trafficRouting!.alb!.rootService;
    const stableRouted = setup().cluster;
    (
      stableRouted[0]!.spec as {
        rules: Array<{ http: { paths: Array<{ backend: { service: { name: string } } }> } }>;
      }
    ).rules[0]!.http.paths[0]!.backend.service.name = 'alb-rollout-stable';
    const split = applyWrites(
      stableRouted,
      writes(albRouter.setWeight(input(albRouter, ro, stableRouted, { desiredWeight: 30 }))),
    );
    const released = applyWrites(
      split,
      albRouter.release(input(albRouter, ro, split, { desiredWeight: 0 })),
    );
    const annotations = find(released, 'Ingress', 'alb-rollout-ingress').metadata.annotations ?? {};
    expect(annotations['alb.ingress.kubernetes.io/actions.alb-rollout-stable']).toBe(
      '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"alb-rollout-stable","ServicePort":"80","Weight":100}]}}',
    );
    expect(annotations[MANAGED_ALB_ANNOTATIONS]).toBeUndefined();
  });

  it('removeManaged drops the header-route actions, conditions and paths named in managedRoutes', () => {
    const { ro, cluster } = setup();
    ro.spec.strategy.canary!.trafficRouting!.managedRoutes = [{ name: 'header-route' }];
    const ingress = cluster[0]!;
    ingress.metadata.annotations!['alb.ingress.kubernetes.io/actions.header-route'] = '{}';
    ingress.metadata.annotations!['alb.ingress.kubernetes.io/conditions.header-route'] = '[]';
    ingress.metadata.annotations![MANAGED_ALB_ANNOTATIONS] =
      '{"alb-rollout":["alb.ingress.kubernetes.io/actions.header-route","alb.ingress.kubernetes.io/conditions.header-route"]}';
    (ingress.spec as { rules: Array<{ http: { paths: Json[] } }> }).rules[0]!.http.paths.unshift({
      path: '/*',
      pathType: 'ImplementationSpecific',
      backend: { service: { name: 'header-route', port: { name: 'use-annotation' } } },
    });
    const after = find(
      applyWrites(
        cluster,
        writes(albRouter.removeManaged(input(albRouter, ro, cluster, { desiredWeight: 0 }))),
      ),
      'Ingress',
      'alb-rollout-ingress',
    );
    expect(after.metadata.annotations).toEqual({
      'kubernetes.io/ingress.class': 'alb',
      [MANAGED_ALB_ANNOTATIONS]: '{"alb-rollout":[]}',
    });
    expect(
      (after.spec as { rules: Array<{ http: { paths: Json[] } }> }).rules[0]!.http.paths,
    ).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------
// routersFor

describe('routersFor: the configured routers in Argo’s order', () => {
  const withRouting = (trafficRouting: Record<string, unknown> | undefined): RoutedRollout => ({
    name: 'r',
    namespace: 'default',
    key: 'in-cluster/Rollout/default/r',
    spec: { strategy: { canary: { trafficRouting } } } as RoutedRolloutSpec,
  });

  it.each([
    ['no trafficRouting', undefined, []],
    ['nginx', { nginx: { stableIngress: 'i' } }, ['nginx']],
    [
      'alb and istio',
      { alb: { ingress: 'i', servicePort: 80 }, istio: { virtualService: { name: 'v' } } },
      ['istio', 'alb'],
    ],
    [
      'istio, nginx and alb',
      {
        alb: { ingress: 'i', servicePort: 80 },
        nginx: { stableIngress: 'i' },
        istio: { virtualService: { name: 'v' } },
      },
      ['istio', 'nginx', 'alb'],
    ],
  ])('%s', (_name, routing, types) => {
    const routers = routersFor(withRouting(routing));
    expect(isRouterError(routers) ? routers : routers.map((r) => r.type)).toEqual(types);
  });

  it.each(['smi', 'ambassador', 'appMesh', 'traefik', 'apisix', 'plugins'])(
    'names the unsupported router %s',
    (field) => {
      const result = routersFor(withRouting({ [field]: {}, nginx: { stableIngress: 'i' } }));
      expect(isRouterError(result) && result.error).toContain(`trafficRouting.${field}`);
    },
  );

  it('gives the seed web-app the nginx router', () => {
    const routers = routersFor(rolloutFrom(seedDocs(), 'web-app'));
    expect(isRouterError(routers) ? routers : routers.map((r) => r.type)).toEqual(['nginx']);
  });
});
