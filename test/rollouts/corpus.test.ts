/**
 * Every Rollout, AnalysisTemplate, ClusterAnalysisTemplate, AnalysisRun and Experiment in Argo
 * Rollouts' examples is accepted, or refused with a reason naming the field: never a crash.
 */
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { validateObject } from '../../shared/resources/validate-object.js';
import '../../shared/runtime/registry.js';
import { corpusFiles, corpusRoot } from '../support/corpus.js';

const ROOT = join(corpusRoot, 'argo-rollouts/examples') + '/';

const KINDS = [
  'Rollout',
  'AnalysisTemplate',
  'ClusterAnalysisTemplate',
  'AnalysisRun',
  'Experiment',
] as const;
type Kind = (typeof KINDS)[number];

/** Reached on 2026-11-30; raise them as support grows, never lower them silently. */
const MIN_ACCEPTED: Record<Kind, number> = {
  Rollout: 19, // of 21: the two workloadRef examples are refused by name
  AnalysisTemplate: 5, // of 6: rollout-linkerd's job metric has an unquoted {{args...}} annotation
  ClusterAnalysisTemplate: 1,
  AnalysisRun: 0, // the examples hold none
  Experiment: 1,
};

describe('Argo Rollouts examples', () => {
  it('are each accepted or refused with a reason naming the field', async () => {
    const counts = Object.fromEntries(KINDS.map((k) => [k, { accepted: 0, refused: 0 }])) as Record<
      Kind,
      { accepted: number; refused: number }
    >;
    const reasons: string[] = [];
    const warnings = new Map<string, number>();
    const unparsable: string[] = [];
    for (const file of corpusFiles('argo-rollouts/examples')) {
      const name = file.slice(ROOT.length);
      let docs: unknown[];
      try {
        docs = loadAll(await readFile(file, 'utf8'));
      } catch {
        // Helm templates (`{{ ... }}` before rendering) are not YAML yet.
        unparsable.push(name);
        continue;
      }
      for (const doc of docs) {
        const kind = (doc as { kind?: unknown } | null)?.kind;
        if (!KINDS.includes(kind as Kind)) continue;
        const v = validateObject(doc);
        for (const w of v.warnings) {
          const field = w.split(':')[0]!.replace(/\[\d+\]/g, '[]');
          warnings.set(field, (warnings.get(field) ?? 0) + 1);
        }
        const tally = counts[kind as Kind];
        if (v.errors.length === 0) {
          tally.accepted++;
          continue;
        }
        tally.refused++;
        for (const e of v.errors) {
          const where = `${name}: ${e.path}: ${e.message}`;
          expect(e.path, where).not.toBe('');
          expect(e.message.length, where).toBeGreaterThan(5);
          reasons.push(`  ${where}`);
        }
      }
    }
    console.log('Argo Rollouts examples:', JSON.stringify(counts));
    console.log(`not YAML (Helm templates): ${unparsable.join(', ')}`);
    console.log(`refused:\n${reasons.join('\n')}`);
    console.log(`warnings:\n${[...warnings].map(([field, n]) => `  ${n} x ${field}`).join('\n')}`);
    for (const kind of KINDS)
      expect(counts[kind].accepted, kind).toBeGreaterThanOrEqual(MIN_ACCEPTED[kind]);
  });
});
