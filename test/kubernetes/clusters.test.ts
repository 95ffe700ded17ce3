import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EKSClient } from '@aws-sdk/client-eks';
import { STSClient } from '@aws-sdk/client-sts';
import { stsAssumeRole } from '../../shared/adapters/aws/sts-assume-role.js';
import {
  ClusterDirectory,
  UnknownClusterError,
  parseClusterSecret,
} from '../../shared/adapters/kubernetes/clusters.js';
import type { EksEnvironment } from '../../shared/adapters/kubernetes/clusters.js';
import { eksDescriber } from '../../shared/adapters/aws/eks-describe.js';
import { startSimCluster } from '../../shared/adapters/local/sim-cluster/server.js';
import type { SimCluster } from '../../shared/adapters/local/sim-cluster/server.js';
import type { Kubernetes } from '../../shared/core/kubernetes.js';
import type { SecretObject, Secrets } from '../../shared/core/ports.js';

let sim: SimCluster;
beforeAll(async () => {
  sim = await startSimCluster();
});
afterAll(async () => sim.stop());

const clusterSecret = (name: string, data: Record<string, string>): SecretObject => ({
  name,
  namespace: 'argocd',
  labels: { 'argocd.argoproj.io/secret-type': 'cluster' },
  data,
});
const secretsOf = (list: SecretObject[]): Secrets => ({
  get: async () => '',
  listByLabel: async (selector) =>
    list.filter((s) => Object.entries(selector).every(([k, v]) => s.labels[k] === v)),
});
const home = {} as Kubernetes;

describe('cluster directory (Argo CD cluster Secrets)', () => {
  it('connects to an EKS cluster with a minted token, cached until a minute before it expires', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    let describes = 0;
    const eks: EksEnvironment = {
      region: 'eu-west-1',
      credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
      describeCluster: async (name) => {
        describes++;
        expect(name).toBe('prod-eks');
        return { endpoint: sim.url, caData: Buffer.from('not a real CA').toString('base64') };
      },
      clock: { now: () => now },
    };
    const directory = new ClusterDirectory(
      home,
      secretsOf([
        clusterSecret('prod', {
          name: 'prod',
          server: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com',
          config: JSON.stringify({ awsAuthConfig: { clusterName: 'prod-eks' } }),
        }),
      ]),
      eks,
    );
    const k8s = await directory.forCluster('prod');
    await k8s.list('v1', 'Namespace');
    const first = sim.requests.at(-1)?.authorization;
    expect(first).toMatch(/^Bearer k8s-aws-v1\./);
    expect(await directory.forCluster('prod')).toBe(k8s);
    now += 13 * 60_000;
    expect(await directory.forCluster('prod')).toBe(k8s);
    now += 90_000; // past 14 minutes: renewed
    const renewed = await directory.forCluster('prod');
    expect(renewed).not.toBe(k8s);
    await renewed.list('v1', 'Namespace');
    expect(sim.requests.at(-1)?.authorization).not.toBe(first);
    expect(describes).toBe(1);
  });

  it('in-cluster and the kubernetes.default.svc server are the home cluster', async () => {
    const directory = new ClusterDirectory(
      home,
      secretsOf([
        clusterSecret('self', { name: 'self', server: 'https://kubernetes.default.svc' }),
      ]),
    );
    expect(await directory.forCluster('in-cluster')).toBe(home);
    expect(await directory.forCluster('self')).toBe(home);
  });

  it('on AWS the home cluster is an EKS cluster of the deployment, reached with a minted token', async () => {
    const eks: EksEnvironment = {
      region: 'eu-west-1',
      credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
      describeCluster: async (name) => {
        expect(name).toBe('home-eks');
        return { endpoint: sim.url, caData: Buffer.from('not a real CA').toString('base64') };
      },
      clock: { now: () => Date.parse('2026-01-01T00:00:00Z') },
    };
    const directory = new ClusterDirectory(
      {
        name: 'in-cluster',
        server: 'https://kubernetes.default.svc',
        config: { awsAuthConfig: { clusterName: 'home-eks' } },
      },
      secretsOf([]),
      eks,
    );
    const k8s = await directory.forCluster('in-cluster');
    await k8s.list('v1', 'Namespace');
    expect(sim.requests.at(-1)?.authorization).toMatch(/^Bearer k8s-aws-v1\./);
    expect(await directory.forCluster('in-cluster')).toBe(k8s);
  });

  it('a static bearer-token cluster, an unknown cluster, and a roleARN without STS configured', async () => {
    const directory = new ClusterDirectory(
      home,
      secretsOf([
        clusterSecret('static', {
          name: 'staging',
          server: sim.url,
          config: JSON.stringify({ bearerToken: 'abc' }),
        }),
        clusterSecret('role', {
          name: 'other',
          server: 'https://x',
          config: JSON.stringify({
            awsAuthConfig: { clusterName: 'o', roleARN: 'arn:aws:iam::1:role/r' },
          }),
        }),
      ]),
      {
        region: 'us-east-1',
        credentials: async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }),
        describeCluster: async () => ({ endpoint: '', caData: '' }),
        clock: { now: () => 0 },
      },
    );
    await (await directory.forCluster('staging')).list('v1', 'Namespace');
    expect(sim.requests.at(-1)?.authorization).toBe('Bearer abc');
    await expect(directory.forCluster('nope')).rejects.toBeInstanceOf(UnknownClusterError);
    await expect(directory.forCluster('other')).rejects.toThrow(
      /roleARN needs STS AssumeRole configured/,
    );
  });

  it('a malformed cluster Secret is refused naming the field', () => {
    expect(() => parseClusterSecret(clusterSecret('bad', { name: 'x' }))).toThrow(
      /argocd\/bad: data.server is required/,
    );
    expect(() => parseClusterSecret(clusterSecret('bad', { server: 's', config: '{' }))).toThrow(
      /data.config is not JSON/,
    );
    expect(() =>
      parseClusterSecret(clusterSecret('bad', { server: 's', config: '{"awsAuthConfig":{}}' })),
    ).toThrow(/clusterName is required/);
  });

  it('DescribeCluster goes through the real EKS client over HTTP', async () => {
    // A loopback endpoint answering EKS's REST-JSON DescribeCluster (no EKS stand-in exists on npm).
    const paths: string[] = [];
    const server = createServer((req, res) => {
      paths.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          cluster: {
            name: 'prod-eks',
            status: 'ACTIVE',
            endpoint: 'https://ABC.eks.amazonaws.com',
            certificateAuthority: { data: 'Q0E=' },
          },
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const client = new EKSClient({
        region: 'eu-west-1',
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      });
      expect(await eksDescriber(client)('prod-eks')).toEqual({
        endpoint: 'https://ABC.eks.amazonaws.com',
        caData: 'Q0E=',
      });
      expect(paths).toEqual(['GET /clusters/prod-eks']);
    } finally {
      server.close();
    }
  });

  it('a roleARN cluster signs its token with the assumed role, through the real STS client over HTTP', async () => {
    // A loopback endpoint answering STS's query-protocol AssumeRole (no STS stand-in on npm).
    const bodies: string[] = [];
    const sts = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(200, { 'Content-Type': 'text/xml' });
        res.end(
          '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>' +
            '<AccessKeyId>ASIAASSUMED</AccessKeyId><SecretAccessKey>assumed-secret</SecretAccessKey>' +
            '<SessionToken>assumed-session</SessionToken><Expiration>2026-01-01T00:30:00Z</Expiration>' +
            '</Credentials></AssumeRoleResult></AssumeRoleResponse>',
        );
      });
    });
    await new Promise<void>((r) => sts.listen(0, '127.0.0.1', r));
    try {
      const client = new STSClient({
        region: 'eu-west-1',
        endpoint: `http://127.0.0.1:${(sts.address() as AddressInfo).port}`,
        credentials: { accessKeyId: 'AKIDBASE', secretAccessKey: 'base' },
      });
      const directory = new ClusterDirectory(
        home,
        secretsOf([
          clusterSecret('x', {
            name: 'x-account',
            server: 'https://X.eks.amazonaws.com',
            config: JSON.stringify({
              awsAuthConfig: {
                clusterName: 'x-eks',
                roleARN: 'arn:aws:iam::222222222222:role/deployer',
              },
            }),
          }),
        ]),
        {
          region: 'eu-west-1',
          credentials: async () => ({ accessKeyId: 'AKIDBASE', secretAccessKey: 'base' }),
          describeCluster: async () => ({ endpoint: sim.url, caData: '' }),
          assumeRole: stsAssumeRole(client),
          clock: { now: () => Date.parse('2026-01-01T00:00:00Z') },
        },
      );
      await (await directory.forCluster('x-account')).list('v1', 'Namespace');
      expect(bodies[0]).toContain('Action=AssumeRole');
      expect(bodies[0]).toContain(encodeURIComponent('arn:aws:iam::222222222222:role/deployer'));
      const token = sim.requests.at(-1)!.authorization!.slice('Bearer k8s-aws-v1.'.length);
      const url = new URL(Buffer.from(token, 'base64url').toString());
      expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^ASIAASSUMED\//);
      expect(url.searchParams.get('X-Amz-Security-Token')).toBe('assumed-session');
    } finally {
      sts.close();
    }
  });
});
