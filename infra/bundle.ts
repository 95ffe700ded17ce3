/**
 * A function's bundle built as the CDK app builds it (esbuild, ESM, minified, the same banner and
 * externals), for the tests that load each bundle and the benchmark that times it.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BUNDLE_BANNER, BUNDLE_EXTERNALS } from './constructs/functions.js';

const root = fileURLToPath(new URL('..', import.meta.url));

export async function bundleFunction(name: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [`${root}functions/${name}.ts`],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    minify: true,
    mainFields: ['module', 'main'],
    banner: { js: BUNDLE_BANNER },
    external: BUNDLE_EXTERNALS,
    outfile,
    logLevel: 'error',
  });
}
