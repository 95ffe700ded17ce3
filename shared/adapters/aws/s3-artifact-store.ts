/**
 * The artifact repository on AWS: the deployment's S3 bucket (Argo's default `s3` repository),
 * keys under an optional prefix. A missing key reads as undefined, as on the embedded store.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { ArtifactStore } from '../../core/ports.js';

export class S3ArtifactStore implements ArtifactStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix = '',
  ) {}

  private key(key: string): string {
    if (key.startsWith('/') || key.split('/').includes('..')) {
      throw new Error(`artifact key "${key}" must be a relative path without ".."`);
    }
    return `${this.prefix}${key}`;
  }

  async put(key: string, data: Buffer): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.key(key), Body: data }),
    );
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      const out = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }),
      );
      return Buffer.from(await out.Body!.transformToByteArray());
    } catch (err) {
      if ((err as { name?: string }).name === 'NoSuchKey') return undefined;
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.key(prefix),
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const c of page.Contents ?? []) if (c.Key) keys.push(c.Key.slice(this.prefix.length));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }
}
