/**
 * A bearer token for an EKS cluster, minted the way `aws eks get-token` does: a presigned STS
 * GetCallerIdentity URL (GET, 60 s, signing `host` and `x-k8s-aws-id: <cluster name>`), base64url
 * without padding, prefixed `k8s-aws-v1.`. EKS verifies it by calling STS with that URL.
 */
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, Checksum, SourceData } from '@smithy/types';

export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';
/** The presigned URL is valid 60 s, but EKS accepts the token for 15 minutes after signing. */
export const EKS_TOKEN_LIFETIME_MS = 15 * 60_000;

export interface EksTokenRequest {
  clusterName: string;
  region: string;
  credentials: AwsCredentialIdentity;
  /** Signing time (fixed in tests so the token is deterministic). */
  now: Date;
}

export async function mintEksToken(
  request: EksTokenRequest,
): Promise<{ token: string; expiresAt: number }> {
  const host = `sts.${request.region}.amazonaws.com`;
  const signer = new SignatureV4({
    credentials: request.credentials,
    region: request.region,
    service: 'sts',
    sha256: NodeSha256,
  });
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname: host,
      path: '/',
      headers: { host, 'x-k8s-aws-id': request.clusterName },
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    },
    { expiresIn: 60, signingDate: request.now },
  );
  const query = Object.entries(signed.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  const url = `https://${host}/?${query}`;
  return {
    token: EKS_TOKEN_PREFIX + Buffer.from(url).toString('base64url'),
    expiresAt: request.now.getTime() + EKS_TOKEN_LIFETIME_MS,
  };
}

/** SHA-256 / HMAC-SHA256 on node:crypto, in the shape the signer expects. */
class NodeSha256 implements Checksum {
  private hash;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh() {
    return this.secret === undefined
      ? createHash('sha256')
      : createHmac('sha256', toBuffer(this.secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}
