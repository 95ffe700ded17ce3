/**
 * Every function's bundle, built as the CDK app builds it (esbuild, ESM, minified, the same banner
 * and externals), loads in a fresh Node process and exports its handler. Synthesis alone never
 * runs a bundle: a module declaring its own `createRequire` next to the banner's, or a JSON file
 * read at run time that the bundle does not carry, only shows when Lambda loads it.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { TIMEOUTS } from '../../infra/constructs/functions.js';
import { bundleFunction } from '../../infra/bundle.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// Under node_modules, so the bundle resolves the SDK the way Lambda's runtime provides it.
const outDir = `${root}node_modules/.cache/argosls-bundles`;

describe('function bundles', () => {
  it.each(Object.keys(TIMEOUTS))(
    '%s loads and exports a handler',
    async (name) => {
      await mkdir(outDir, { recursive: true });
      const outfile = `${outDir}/${name}.mjs`;
      await bundleFunction(name, outfile);
      const { stdout } = await promisify(execFile)(process.execPath, [
        '-e',
        `import(${JSON.stringify(outfile)}).then((m) => process.stdout.write(typeof m.handler))`,
      ]);
      expect(stdout).toBe('function');
    },
    60_000,
  );
});
