/** A revision's ReplicaSet: the pod-template-hash label, name, selector and annotations. */
import { describe, expect, it } from 'vitest';
import {
  podTemplateHash,
  replicaSetFor,
  safeEncodeString,
} from '../../shared/rollouts/replicaset.js';

const template = {
  metadata: { labels: { app: 'web-app' } },
  spec: { containers: [{ name: 'web-app', image: 'myregistry/web-app:v1.0.0' }] },
};

describe('pod template hash', () => {
  it('is stable, blind to key order, and moves with any change or collision count', () => {
    const h = podTemplateHash(template);
    expect(h).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);
    expect(podTemplateHash({ spec: template.spec, metadata: template.metadata })).toBe(h);
    const v2 = structuredClone(template);
    v2.spec.containers[0]!.image = 'myregistry/web-app:v2.0.0';
    expect(podTemplateHash(v2)).not.toBe(h);
    expect(podTemplateHash(template, 1)).not.toBe(h);
  });

  it('safe-encodes as Kubernetes does (each character into an alphabet without vowels)', () => {
    // '0' is 48 % 27 = 21 -> '4'; '9' is 57 % 27 = 3 -> 'f'.
    expect(safeEncodeString('09')).toBe('4f');
  });
});

describe('replicaSetFor', () => {
  it('names the ReplicaSet after the hash and puts the hash in labels, selector and pods', () => {
    const rs = replicaSetFor({
      rolloutKey: 'in-cluster/Rollout/production/web-app',
      name: 'web-app',
      namespace: 'production',
      template,
      selector: { matchLabels: { app: 'web-app' } },
      revision: 2,
      replicas: 1,
      desiredReplicas: 10,
    }) as {
      metadata: {
        name: string;
        labels: Record<string, string>;
        annotations: Record<string, string>;
      };
      spec: {
        replicas: number;
        selector: { matchLabels: Record<string, string> };
        template: { metadata: { labels: Record<string, string> } };
      };
    };
    const hash = podTemplateHash(template);
    expect(rs.metadata.name).toBe(`web-app-${hash}`);
    expect(rs.spec.selector.matchLabels).toEqual({
      app: 'web-app',
      'rollouts-pod-template-hash': hash,
    });
    expect(rs.spec.template.metadata.labels).toEqual({
      app: 'web-app',
      'rollouts-pod-template-hash': hash,
    });
    expect(rs.metadata.annotations).toEqual({
      'rollout.argoproj.io/revision': '2',
      'rollout.argoproj.io/desired-replicas': '10',
      'rollouts.argo-serverless.dev/owner': 'in-cluster/Rollout/production/web-app',
    });
    expect(rs.spec.replicas).toBe(1);
    expect(rs).not.toHaveProperty('metadata.ownerReferences');
  });
});
