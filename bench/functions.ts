/**
 * Each Lambda function's bundle as the CDK app builds it (esbuild, ESM, minified, the same banner
 * and externals): its size, and its cold module-init time here, the median of fresh Node
 * processes importing it. Lambda's own Init Duration (arm64, Node.js 22, the SDK from the runtime)
 * is known only after a deployment; this is the part the bundle controls.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { TIMEOUTS } from '../infra/constructs/functions.js';
import { bundleFunction } from '../infra/bundle.js';
import { percentile, round } from './stats.js';
import type { Results } from './stats.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = `${root}node_modules/.cache/argosls-bundles`;

export async function benchFunctions(options: {
  runs: number;
  progress: (line: string) => void;
}): Promise<Results> {
  const results: Results = {};
  await mkdir(outDir, { recursive: true });
  for (const name of Object.keys(TIMEOUTS)) {
    const outfile = `${outDir}/${name}.mjs`;
    await bundleFunction(name, outfile);
    const times: number[] = [];
    for (let i = 0; i < options.runs; i++) {
      // The SDK clients the handler imports are part of its init, as on Lambda.
      const { stdout } = await promisify(execFile)(process.execPath, [
        '-e',
        `const t = performance.now(); import(${JSON.stringify(outfile)}).then(() => process.stdout.write(String(performance.now() - t)))`,
      ]);
      times.push(Number(stdout));
    }
    times.sort((a, b) => a - b);
    results[`functions.${name}.bundleBytes`] = (await stat(outfile)).size;
    results[`functions.${name}.initMs.p50`] = round(percentile(times, 50), 1);
    options.progress(
      `  ${name}: ${(await stat(outfile)).size} bytes, init p50 ${round(percentile(times, 50), 1)} ms`,
    );
  }
  return results;
}
