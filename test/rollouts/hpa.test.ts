/**
 * A HorizontalPodAutoscaler owning the Rollout's replica count (the scale subresource:
 * spec.replicas written, status.HPAReplicas and status.selector read), and Argo's known pain
 * point: counting a canary's surge in status.HPAReplicas makes an HPA with an AverageValue
 * metric adopt the inflated count as spec.replicas, which grows the canary, which grows the count
 * (argoproj/argo-rollouts#2857, #3849; fixed in Argo 1.11, docs/features/hpa-support.md "Scale
 * Reporting During Canary Updates"). We report as Argo 1.11 does and size the stable from
 * spec.replicas only.
 */
import { describe, expect, it } from 'vitest';
import type { CanaryDecisionStep, CanaryRollout } from '../../shared/rollouts/canary.js';
import type { BlueGreenRollout } from '../../shared/rollouts/bluegreen.js';
import { Cluster } from './decision-cluster.js';

const T0 = Date.UTC(2024, 0, 1);

/**
 * The HPA's replica calculation for an External (or Object) metric with an AverageValue target
 * (Kubernetes' GetExternalPerPodMetricReplicas): within tolerance it keeps the reported count,
 * otherwise it asks for ceil(usage / target); then minReplicas..maxReplicas.
 */
function hpaDesired(
  reported: number,
  hpa: { usage: number; target: number; min: number; max: number; tolerance?: number },
): number {
  const ratio = hpa.usage / (hpa.target * reported);
  const desired =
    Math.abs(1 - ratio) <= (hpa.tolerance ?? 0.1) ? reported : Math.ceil(hpa.usage / hpa.target);
  return Math.min(hpa.max, Math.max(hpa.min, desired));
}

function routedCanary(
  replicas: number,
  steps: CanaryDecisionStep[],
  canary: Partial<NonNullable<CanaryRollout['spec']['strategy']['canary']>> = {},
): Cluster<CanaryRollout> {
  const cluster = new Cluster<CanaryRollout>(
    {
      metadata: { name: 'web' },
      spec: {
        replicas,
        strategy: { canary: { trafficRouting: {}, steps, ...canary } },
      },
    },
    'v1',
  );
  cluster.settle(T0);
  cluster.hash = 'v2';
  cluster.ready.add('v2');
  cluster.settle(T0);
  return cluster;
}

/** The HPA's loop: read the scale subresource, write spec.replicas, the rollout reconciles. */
function autoscale(
  cluster: Cluster<CanaryRollout>,
  reported: () => number,
  cycles: number,
): number[] {
  const seen: number[] = [];
  for (let i = 0; i < cycles; i++) {
    const replicas = hpaDesired(reported(), { usage: 20_000, target: 1_000, min: 2, max: 50 });
    cluster.rollout = { ...cluster.rollout, spec: { ...cluster.rollout.spec, replicas } };
    cluster.settle(T0);
    seen.push(replicas);
  }
  return seen;
}

describe('status.HPAReplicas, as Argo 1.11 reports it', () => {
  const rows: {
    name: string;
    build: () => Cluster<CanaryRollout> | Cluster<BlueGreenRollout>;
    hpaReplicas: number;
  }[] = [
    {
      name: 'traffic-routed canary mid-update: the stable ReplicaSet only (10 + 5 pods -> 10)',
      build: () => routedCanary(10, [{ setWeight: 50 }, { pause: {} }]),
      hpaReplicas: 10,
    },
    {
      name: 'with dynamicStableScale: every pod (the stable shrinks as traffic moves)',
      build: () =>
        routedCanary(10, [{ setWeight: 50 }, { pause: {} }], { dynamicStableScale: true }),
      hpaReplicas: 10,
    },
    {
      name: 'a basic canary (pod counts split the traffic): every pod, surge included',
      build: () => {
        const cluster = new Cluster<CanaryRollout>(
          {
            metadata: { name: 'web' },
            spec: {
              replicas: 10,
              strategy: {
                canary: {
                  maxSurge: 2,
                  maxUnavailable: 0,
                  steps: [{ setWeight: 20 }, { pause: {} }],
                },
              },
            },
          },
          'v1',
        );
        cluster.settle(T0);
        cluster.hash = 'v2';
        cluster.ready.add('v2');
        // One observation: the canary's 2 surge pods exist, the stable still has its 10.
        cluster.observe(T0);
        cluster.observe(T0);
        cluster.observe(T0);
        return cluster;
      },
      hpaReplicas: 12,
    },
    {
      name: 'a blue-green rollout: the active ReplicaSet (not the preview)',
      build: () => {
        const cluster = new Cluster<BlueGreenRollout>(
          {
            metadata: { name: 'web' },
            spec: {
              replicas: 4,
              strategy: {
                blueGreen: {
                  activeService: 'active',
                  previewService: 'preview',
                  autoPromotionEnabled: false,
                },
              },
            },
          },
          'v1',
        );
        cluster.settle(T0);
        cluster.hash = 'v2';
        cluster.ready.add('v2');
        cluster.settle(T0);
        return cluster;
      },
      hpaReplicas: 4,
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const cluster = row.build();
      expect(cluster.status.HPAReplicas).toBe(row.hpaReplicas);
    });
  }
});

describe('an HPA holding 20 pods of load during a traffic-routed canary update', () => {
  const steps: CanaryDecisionStep[] = [{ setWeight: 10 }, { pause: {} }];

  it('counting every pod (Argo before 1.11) feeds the surge back: spec.replicas does not hold', () => {
    const cluster = routedCanary(20, steps);
    const allPods = () => Object.values(cluster.counts()).reduce((a, b) => a + b, 0);
    const seen = autoscale(cluster, allPods, 6);
    expect(Math.max(...seen)).toBeGreaterThan(20);
  });

  it('with HPAReplicas counting the stable only, spec.replicas and the stable stay at 20', () => {
    const cluster = routedCanary(20, steps);
    const seen = autoscale(cluster, () => cluster.status.HPAReplicas!, 6);
    expect(seen).toEqual([20, 20, 20, 20, 20, 20]);
    expect(cluster.counts()).toEqual({ v1: 20, v2: 2 });
    expect(cluster.status.phase).toBe('Paused');
  });

  it('a real load change still scales: the stable to the new spec.replicas, the canary by weight', () => {
    const cluster = routedCanary(20, steps);
    cluster.rollout = { ...cluster.rollout, spec: { ...cluster.rollout.spec, replicas: 30 } };
    cluster.settle(T0);
    expect(cluster.counts()).toEqual({ v1: 30, v2: 3 });
    expect(cluster.status.HPAReplicas).toBe(30);
    // Still at the pause step: a scaling event moves no step.
    expect(cluster.status.currentStepIndex).toBe(1);
  });

  it('a paused rollout (spec.paused) still follows its autoscaler (syncReplicasOnly)', () => {
    const cluster = routedCanary(20, steps);
    cluster.rollout = {
      ...cluster.rollout,
      spec: { ...cluster.rollout.spec, paused: true, replicas: 24 },
    };
    cluster.settle(T0);
    expect(cluster.counts()).toEqual({ v1: 24, v2: 3 });
    expect(cluster.status.phase).toBe('Paused');
    expect(cluster.status.currentStepIndex).toBe(1);
  });
});
