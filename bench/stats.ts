/** Small helpers the benchmarks share: percentiles, timing, result file. */
import { readFile, writeFile } from 'node:fs/promises';

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export type Results = Record<string, number | string>;

/** Merges `results` into the flat JSON file, keeping figures other benchmarks wrote. */
export async function writeResults(path: string, results: Results): Promise<void> {
  let existing: Results = {};
  try {
    existing = JSON.parse(await readFile(path, 'utf8')) as Results;
  } catch {
    // First run: no file yet.
  }
  const merged = Object.fromEntries(
    Object.entries({ ...existing, ...results }).sort(([a], [b]) => a.localeCompare(b)),
  );
  await writeFile(path, JSON.stringify(merged, null, 2) + '\n');
}

export function printResults(title: string, results: Results): void {
  process.stdout.write(`\n${title}\n`);
  for (const [k, v] of Object.entries(results)) process.stdout.write(`  ${k.padEnd(48)} ${v}\n`);
}
