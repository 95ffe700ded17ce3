/**
 * A tiny cluster for the strategy decisions (decideCanary / decideBlueGreen): it applies each
 * decision (ReplicaSets created and scaled with Argo's desired-replicas mark, Service selectors)
 * and feeds the result back, as the machine does; pods of the hashes in `ready` become available
 * when scaled, others never do.
 */
import {
  type CanaryRollout,
  type CanaryRolloutStatus,
  decideCanary,
  type ObservedReplicaSet,
} from '../../shared/rollouts/canary.js';
import { type BlueGreenRollout, decideBlueGreen } from '../../shared/rollouts/bluegreen.js';

/** A rollout and its ReplicaSets; pods of the hashes in `ready` become available when scaled. */
export class Cluster<R extends CanaryRollout | BlueGreenRollout> {
  sets: ObservedReplicaSet[] = [];
  services: Record<string, string> = {};
  ready = new Set<string>();
  wakeAt: number | undefined;

  constructor(
    public rollout: R,
    public hash: string,
  ) {
    this.ready.add(hash);
  }

  observe(now: number): void {
    const common = {
      templateHash: this.hash,
      replicaSets: this.sets.map((rs) => ({ ...rs })),
      now,
    };
    const decision = this.rollout.spec.strategy.blueGreen
      ? decideBlueGreen({
          ...common,
          rollout: this.rollout as BlueGreenRollout,
          activeService: { selectorHash: this.services['active'] ?? '' },
          previewService: { selectorHash: this.services['preview'] ?? '' },
        })
      : decideCanary({ ...common, rollout: this.rollout as CanaryRollout });
    if (decision.create) {
      const { name, hash, replicas, revision } = decision.create;
      this.sets.push({
        name,
        podTemplateHash: hash,
        replicas,
        availableReplicas: 0,
        revision,
        desiredReplicas: this.rollout.spec.replicas ?? 1,
      });
    }
    for (const { rs, replicas } of decision.scale) {
      const set = this.sets.find((s) => s.name === rs)!;
      set.replicas = replicas;
      set.desiredReplicas = this.rollout.spec.replicas ?? 1;
    }
    for (const set of this.sets) {
      set.availableReplicas = this.ready.has(set.podTemplateHash)
        ? set.replicas
        : Math.min(set.availableReplicas, set.replicas);
    }
    for (const { service, hash } of (
      decision as { serviceSelectors?: { service: string; hash: string }[] }
    ).serviceSelectors ?? [])
      this.services[service] = hash;
    this.rollout = { ...this.rollout, status: decision.status };
    this.wakeAt = decision.wakeAt;
  }

  /** Observes at `now` until the status stops changing (what the machine does between timers). */
  settle(now: number): void {
    for (let i = 0; i < 30; i++) {
      const before = JSON.stringify([this.rollout.status, this.sets]);
      this.observe(now);
      if (JSON.stringify([this.rollout.status, this.sets]) === before) return;
    }
    throw new Error('the rollout never settled');
  }

  get status(): CanaryRolloutStatus {
    return this.rollout.status as CanaryRolloutStatus;
  }

  progressing() {
    const c = this.status.conditions?.find((x) => x.type === 'Progressing');
    return c && { status: c.status, reason: c.reason, message: c.message };
  }

  counts(): Record<string, number> {
    return Object.fromEntries(this.sets.map((rs) => [rs.podTemplateHash, rs.replicas]));
  }
}
