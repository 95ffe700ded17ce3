import { describe, expect, it } from 'vitest';
import {
  RoutedEffectQueue,
  effectKindMatcher,
  effectKindsFromEnv,
} from '../../shared/runtime/aws/effect-routing.js';
import { configFromEnv } from '../../shared/runtime/aws/config.js';
import type { Effect } from '../../shared/core/types.js';

const effect = (kind: string) => ({ id: kind, kind }) as unknown as Effect;

describe('effects routed to the rendering worker by kind', () => {
  it.each([
    [['cd.*'], 'cd.render', true],
    [['cd.*'], 'cd.apply', true],
    [['cd.*'], 'workflows.pod', false],
    [['cd.render'], 'cd.render', true],
    [['cd.render'], 'cd.renderer', false],
    [['cd.render', 'git.*'], 'git.fetch', true],
  ])('patterns %j match %s: %s', (patterns, kind, expected) => {
    expect(effectKindMatcher(patterns)(kind)).toBe(expected);
  });

  it('sends matching kinds to the render queue and the rest to the effects queue', async () => {
    const main: string[] = [];
    const render: string[] = [];
    const queue = new RoutedEffectQueue(
      { send: (e) => Promise.resolve(void main.push(...e.map((x) => x.kind))) },
      {
        kinds: ['cd.*'],
        queue: { send: (e) => Promise.resolve(void render.push(...e.map((x) => x.kind))) },
      },
    );
    await queue.send([effect('cd.render'), effect('events.trigger'), effect('cd.apply')]);
    expect(render).toEqual(['cd.render', 'cd.apply']);
    expect(main).toEqual(['events.trigger']);
  });

  it('reads RENDER_QUEUE_URL and RENDER_EFFECT_KINDS from the environment', () => {
    const base = {
      TABLE_NAME: 't',
      COMMANDS_QUEUE_URL: 'c',
      EFFECTS_QUEUE_URL: 'e',
      TIMERS_QUEUE_URL: 'ti',
    };
    expect(configFromEnv(base).renderQueueUrl).toBeUndefined();
    const config = configFromEnv({
      ...base,
      RENDER_QUEUE_URL: 'r',
      RENDER_EFFECT_KINDS: 'cd.render, cd.diff',
    });
    expect(config.renderQueueUrl).toBe('r');
    expect(config.renderEffectKinds).toEqual(['cd.render', 'cd.diff']);
    expect(effectKindsFromEnv(' , ')).toBeUndefined();
  });
});
