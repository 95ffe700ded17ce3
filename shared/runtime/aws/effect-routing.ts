/**
 * Effects of some kinds go to their own queue and worker: CD's git fetch + render needs kubectl
 * and helm (an x86_64 layer), more memory and a longer timeout than the other effects. The runner
 * sends to one effects queue; this splits its sends by kind. Patterns are kinds (`cd.render`) or
 * a prefix ending in `*` (`cd.*`).
 */
import type { EffectQueue } from '../../core/ports.js';
import type { Effect } from '../../core/types.js';

export const DEFAULT_RENDER_EFFECT_KINDS = ['cd.*'];

export function effectKindMatcher(patterns: readonly string[]): (kind: string) => boolean {
  return (kind) =>
    patterns.some((p) => (p.endsWith('*') ? kind.startsWith(p.slice(0, -1)) : kind === p));
}

/** A comma-separated list of kind patterns; undefined when the variable is unset or empty. */
export function effectKindsFromEnv(value: string | undefined): string[] | undefined {
  const kinds = (value ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  return kinds.length > 0 ? kinds : undefined;
}

export class RoutedEffectQueue implements EffectQueue {
  private readonly routed: (kind: string) => boolean;

  constructor(
    private readonly main: EffectQueue,
    private readonly route: { kinds: readonly string[]; queue: EffectQueue },
  ) {
    this.routed = effectKindMatcher(route.kinds);
  }

  async send(effects: readonly Effect[]): Promise<void> {
    const routed = effects.filter((e) => this.routed(e.kind));
    const rest = effects.filter((e) => !this.routed(e.kind));
    await Promise.all([
      routed.length > 0 ? this.route.queue.send(routed) : undefined,
      rest.length > 0 ? this.main.send(rest) : undefined,
    ]);
  }
}
