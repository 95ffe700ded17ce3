/**
 * Every Sensor and EventSource in Argo Events' examples is accepted, or refused with a clear reason
 * (what is not supported named as such, or the field path of what is wrong): never a crash.
 */
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { validateObject } from '../../shared/resources/validate-object.js';
import '../../shared/runtime/registry.js';
import { corpusFiles, corpusRoot } from '../support/corpus.js';

const ROOT = join(corpusRoot, 'argo-events/examples') + '/';

/** Reached on 2026-11-30; raise it as support grows, never lower it silently. */
const MIN_ACCEPTED = { EventSource: 9, Sensor: 79 };

describe('Argo Events examples', () => {
  it('are each accepted or refused with a reason naming the field or what is unsupported', async () => {
    const counts: Record<string, { accepted: number; refused: number }> = {
      EventSource: { accepted: 0, refused: 0 },
      Sensor: { accepted: 0, refused: 0 },
    };
    const reasons = new Map<string, number>();
    for (const file of corpusFiles('argo-events/examples')) {
      const docs = loadAll(await readFile(file, 'utf8')) as { kind?: string }[];
      for (const doc of docs) {
        const kind = doc?.kind;
        if (kind !== 'EventSource' && kind !== 'Sensor') continue;
        const v = validateObject(doc);
        if (v.errors.length === 0) {
          counts[kind]!.accepted++;
          continue;
        }
        counts[kind]!.refused++;
        for (const e of v.errors) {
          const where = `${file.slice(ROOT.length)}: ${e.path}: ${e.message}`;
          expect(e.path, where).not.toBe('');
          expect(e.message.length, where).toBeGreaterThan(5);
          const reason = e.message.replace(/"[^"]*"/, '"…"').replace(/\(supported:.*\)/, '');
          reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        }
      }
    }
    console.log('Argo Events examples:', JSON.stringify(counts));
    console.log(
      [...reasons]
        .sort((a, b) => b[1] - a[1])
        .map(([r, n]) => `  ${n} x ${r}`)
        .join('\n'),
    );
    expect(counts['EventSource']!.accepted).toBeGreaterThanOrEqual(MIN_ACCEPTED.EventSource);
    expect(counts['Sensor']!.accepted).toBeGreaterThanOrEqual(MIN_ACCEPTED.Sensor);
  });
});
