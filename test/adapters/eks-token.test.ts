import { describe, expect, it } from 'vitest';
import { mintEksToken } from '../../shared/adapters/aws/eks-token.js';

// Produced offline by botocore 1.43 (what `aws eks get-token` runs): STS GetCallerIdentity
// presigned for 60 s with header x-k8s-aws-id, credentials AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+
// bPxRfiCYEXAMPLEKEY, region eu-west-1, cluster prod-cluster, at 2026-01-01T00:00:00Z.
const BOTOCORE_URL =
  'https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20260101%2Feu-west-1%2Fsts%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature=0f5bb75f51f53003fcad6cbcf17ca93e0f68cc9bb9067ead1b0df2569df65b08';
const BOTOCORE_TOKEN =
  'k8s-aws-v1.aHR0cHM6Ly9zdHMuZXUtd2VzdC0xLmFtYXpvbmF3cy5jb20vP0FjdGlvbj1HZXRDYWxsZXJJZGVudGl0eSZWZXJzaW9uPTIwMTEtMDYtMTUmWC1BbXotQWxnb3JpdGhtPUFXUzQtSE1BQy1TSEEyNTYmWC1BbXotQ3JlZGVudGlhbD1BS0lERVhBTVBMRSUyRjIwMjYwMTAxJTJGZXUtd2VzdC0xJTJGc3RzJTJGYXdzNF9yZXF1ZXN0JlgtQW16LURhdGU9MjAyNjAxMDFUMDAwMDAwWiZYLUFtei1FeHBpcmVzPTYwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCUzQngtazhzLWF3cy1pZCZYLUFtei1TaWduYXR1cmU9MGY1YmI3NWY1MWY1MzAwM2ZjYWQ2Y2JjZjE3Y2E5M2UwZjY4Y2M5YmI5MDY3ZWFkMWIwZGYyNTY5ZGY2NWIwOA';

const request = {
  clusterName: 'prod-cluster',
  region: 'eu-west-1',
  credentials: {
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  },
  now: new Date('2026-01-01T00:00:00Z'),
};

const decode = (token: string) =>
  new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString());

describe('EKS token (golden)', () => {
  it('is the same presigned URL, signature included, as aws eks get-token mints', async () => {
    const { token } = await mintEksToken(request);
    const ours = decode(token);
    const theirs = new URL(BOTOCORE_URL);
    expect(ours.host).toBe(theirs.host);
    expect(ours.pathname).toBe(theirs.pathname);
    expect(Object.fromEntries(ours.searchParams)).toEqual(Object.fromEntries(theirs.searchParams));
    expect(token).toBe(BOTOCORE_TOKEN);
  });

  it('has no base64 padding and expires 15 minutes after signing', async () => {
    const { token, expiresAt } = await mintEksToken(request);
    expect(token).not.toMatch(/=/);
    expect(expiresAt).toBe(request.now.getTime() + 15 * 60_000);
  });

  it('changes with the cluster name (it is signed) and with the credentials', async () => {
    const a = (await mintEksToken(request)).token;
    expect((await mintEksToken({ ...request, clusterName: 'other' })).token).not.toBe(a);
    expect(
      (
        await mintEksToken({
          ...request,
          credentials: { ...request.credentials, sessionToken: 'tok' },
        })
      ).token,
    ).toMatch(/^k8s-aws-v1\./);
    expect(
      decode(
        (
          await mintEksToken({
            ...request,
            credentials: { ...request.credentials, sessionToken: 'tok' },
          })
        ).token,
      ).searchParams.get('X-Amz-Security-Token'),
    ).toBe('tok');
  });
});
