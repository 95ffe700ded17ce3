import { describe, expect, it } from 'vitest';
import { settingsFromContext } from '../../infra/context.js';

const from = (context: Record<string, unknown>) => settingsFromContext((k) => context[k]);

describe('CDK context keys', () => {
  it('defaults: IAM auth, 2-minute tick, 2048 MB render worker, 30-day logs, no VPC, no clusters', () => {
    expect(from({})).toEqual({
      stackName: 'ArgoServerless',
      deletionProtection: true,
      maxConcurrency: 10,
      eventBuckets: [],
      tickMinutes: 15,
      renderMemoryMb: 2048,
      logRetentionDays: 30,
      apiAuth: { type: 'iam' },
      eksClusters: [],
    });
  });

  it.each([
    ['eventBuckets', 'a, b', { eventBuckets: ['a', 'b'] }],
    ['eventBuckets', '["a"]', { eventBuckets: ['a'] }],
    ['deletionProtection', 'false', { deletionProtection: false }],
    ['tickMinutes', '5', { tickMinutes: 5 }],
    ['eksClusters', 'prod,dev', { eksClusters: [{ name: 'prod' }, { name: 'dev' }] }],
    [
      'eksClusters',
      '[{"name":"prod","accessPolicy":"AmazonEKSViewPolicy"}]',
      { eksClusters: [{ name: 'prod', accessPolicy: 'AmazonEKSViewPolicy' }] },
    ],
    [
      'apiAuth',
      '{"jwt":{"issuer":"https://id.example.com","audience":"cli"}}',
      { apiAuth: { type: 'jwt', issuer: 'https://id.example.com', audience: ['cli'] } },
    ],
    [
      'kafka',
      '{"clusterArn":"arn:aws:kafka:us-east-1:1:cluster/c/x","topics":"a,b"}',
      { kafka: { clusterArn: 'arn:aws:kafka:us-east-1:1:cluster/c/x', topics: ['a', 'b'] } },
    ],
    [
      'vpc',
      '{"vpcId":"vpc-1","subnetIds":"s1,s2","securityGroupIds":["sg-1"],"endpoints":false}',
      {
        vpc: {
          vpcId: 'vpc-1',
          subnetIds: ['s1', 's2'],
          securityGroupIds: ['sg-1'],
          routeTableIds: [],
          endpoints: false,
        },
      },
    ],
  ])('-c %s=%s', (key, value, expected) => {
    expect(from({ [key]: value })).toMatchObject(expected);
  });

  it.each([
    ['tickMinutes', '0', /context tickMinutes: "0" is not a positive whole number/],
    ['apiAuth', '{"jwt":{"issuer":"x"}}', /context apiAuth: "iam" or \{"jwt"/],
    [
      'vpc',
      '{"vpcId":"vpc-1","subnetIds":["s"]}',
      /missing vpc.securityGroupIds, vpc.routeTableIds/,
    ],
    ['kafka', '{oops', /context kafka: not JSON/],
    ['eksClusters', '[{"accessPolicy":"x"}]', /context eksClusters\[0\].name: required/],
  ])('refuses -c %s=%s, naming the key', (key, value, message) => {
    expect(() => from({ [key]: value })).toThrow(message);
  });
});
