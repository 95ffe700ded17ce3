import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '../support/start-process.js';
import { tempDirs } from '../support/temp-dirs.js';

const run = promisify(execFile);
const tempDir = tempDirs('argosls-synth');

describe('npx cdk synth', () => {
  it('synthesizes offline, without AWS credentials or Docker', async () => {
    const out = await tempDir();
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_PROFILE: '',
      CDK_DISABLE_VERSION_CHECK: '1',
    };
    await run('npx', ['cdk', 'synth', '-q', '--no-notices', '-o', out], {
      cwd: repoRoot,
      env,
      timeout: 180_000,
    });
    const template = JSON.parse(
      await readFile(join(out, 'ArgoServerless.template.json'), 'utf8'),
    ) as { Resources: Record<string, { Type: string }> };
    const types = Object.values(template.Resources).map((r) => r.Type);
    expect(types.filter((t) => t === 'AWS::Lambda::Function').length).toBeGreaterThanOrEqual(3);
    expect(types).toContain('AWS::DynamoDB::GlobalTable');
  }, 180_000);
});
