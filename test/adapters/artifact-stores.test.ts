import { afterAll, beforeAll, describe } from 'vitest';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { FileArtifactStore } from '../../shared/adapters/local/file-artifact-store.js';
import { S3ArtifactStore } from '../../shared/adapters/aws/s3-artifact-store.js';
import { artifactStoreContract } from '../contracts/artifact-store.contract.js';
import { testCredentials } from '../support/dynalite.js';
import { tempDirs } from '../support/temp-dirs.js';

const tempDir = tempDirs('artifacts');

describe('FileArtifactStore (embedded)', () => {
  artifactStoreContract(async () => new FileArtifactStore(await tempDir()));
});

describe('S3ArtifactStore against an S3-compatible server (fauxqs)', () => {
  let stop: () => Promise<void>;
  let s3: S3Client;
  let buckets = 0;
  beforeAll(async () => {
    const { startFauxqs } = await import('fauxqs');
    const server = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' });
    stop = () => server.stop();
    s3 = new S3Client({
      endpoint: `http://127.0.0.1:${server.port}`,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: testCredentials,
    });
  });
  afterAll(async () => stop?.());
  artifactStoreContract(async () => {
    const bucket = `artifacts-${++buckets}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    return new S3ArtifactStore(s3, bucket, 'argo/');
  });
});
