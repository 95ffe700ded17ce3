/**
 * The embedded runtime as workflow tests use it: a simulated cluster whose pods start and end
 * at once, and a wait for a condition.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbedded } from '../../shared/runtime/local/embedded.js';
import type { Embedded, EmbeddedOptions } from '../../shared/runtime/local/embedded.js';

export async function startInstantEmbedded(
  prefix: string,
  options: Partial<EmbeddedOptions> = {},
): Promise<Embedded> {
  return startEmbedded({
    dataDir: await mkdtemp(join(tmpdir(), prefix)),
    durability: 'none',
    simulated: { controllers: { podStartMs: 0, podRunMs: 0, tickMs: 10 } },
    ...options,
  });
}

/** Polls `check` every 50 ms, `tries` times, then fails naming `what`. */
export async function until(
  check: () => Promise<boolean>,
  what: string,
  tries = 300,
): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
