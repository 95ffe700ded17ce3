/**
 * The CDK app's settings, from `cdk.json` context or `-c key=value` (README "Deploy to AWS" lists
 * them). Values given on the command line arrive as strings: lists may be `a,b` and objects JSON.
 * Errors name the context key and what to write.
 */
import type { ControlPlaneStackProps } from './control-plane-stack.js';

export interface VpcSettings {
  vpcId: string;
  /** Private subnets that reach the EKS endpoints (one per availability zone). */
  subnetIds: string[];
  /** Security groups the functions get; the clusters' security groups must accept 443 from them. */
  securityGroupIds: string[];
  /** Route tables of those subnets, for the DynamoDB and S3 gateway endpoints. */
  routeTableIds: string[];
  /** Create the VPC endpoints (default true; false when the subnets have a NAT gateway). */
  endpoints: boolean;
}

export interface EksClusterSettings {
  /** An existing EKS cluster in the stack's account and region. */
  name: string;
  /**
   * An EKS access policy associated with the functions' roles cluster-wide (e.g.
   * `AmazonEKSClusterAdminPolicy`). Without it the roles get only the Kubernetes group
   * `argo-serverless` and the RBAC you bind to it (README).
   */
  accessPolicy?: string;
}

export type ApiAuth = { type: 'iam' } | { type: 'jwt'; issuer: string; audience: string[] };

type Read = (key: string) => unknown;

export function settingsFromContext(read: Read): ControlPlaneStackProps & { stackName: string } {
  const props: ControlPlaneStackProps & { stackName: string } = {
    stackName: String(read('stackName') ?? 'ArgoServerless'),
    deletionProtection: String(read('deletionProtection') ?? 'true') !== 'false',
    maxConcurrency: positive(read, 'maxConcurrency', 10),
    eventBuckets: list(read('eventBuckets')),
    tickMinutes: positive(read, 'tickMinutes', 15),
    renderMemoryMb: positive(read, 'renderMemoryMb', 2048),
    logRetentionDays: positive(read, 'logRetentionDays', 30),
    apiAuth: apiAuth(read('apiAuth')),
    eksClusters: eksClusters(read('eksClusters')),
  };
  if (read('homeCluster')) props.homeCluster = String(read('homeCluster'));
  const kafka = object(read('kafka'), 'kafka');
  if (kafka?.['clusterArn']) {
    props.kafka = {
      clusterArn: String(kafka['clusterArn']),
      topics: list(kafka['topics']),
    };
  }
  const vpc = vpcSettings(read('vpc'));
  if (vpc) props.vpc = vpc;
  return props;
}

function positive(read: Read, key: string, fallback: number): number {
  const value = read(key);
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`context ${key}: ${JSON.stringify(value)} is not a positive whole number`);
  return n;
}

/** A context list given as JSON (cdk.json) or as `-c key=a,b` on the command line. */
function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string' && value.trim() !== '') {
    if (value.trim().startsWith('[')) return list(JSON.parse(value) as unknown);
    return value.split(',').map((v) => v.trim());
  }
  return [];
}

function object(value: unknown, key: string): Record<string, unknown> | undefined {
  if (value === undefined || value === '') return undefined;
  let v: unknown = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v) as unknown;
    } catch {
      throw new Error(`context ${key}: not JSON (write -c ${key}='{...}')`);
    }
  }
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new Error(`context ${key}: expected an object`);
  return v as Record<string, unknown>;
}

function apiAuth(value: unknown): ApiAuth {
  if (value === undefined || value === '' || value === 'iam') return { type: 'iam' };
  const v = object(value, 'apiAuth')!;
  const jwt = v['jwt'] as Record<string, unknown> | undefined;
  if (!jwt?.['issuer'] || list(jwt['audience']).length === 0)
    throw new Error(
      'context apiAuth: "iam" or {"jwt": {"issuer": "https://...", "audience": ["client-id"]}}',
    );
  return { type: 'jwt', issuer: String(jwt['issuer']), audience: list(jwt['audience']) };
}

function eksClusters(value: unknown): EksClusterSettings[] {
  const raw = typeof value === 'string' && !value.trim().startsWith('[') ? list(value) : value;
  const items = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw;
  if (items === undefined || items === '') return [];
  if (!Array.isArray(items))
    throw new Error('context eksClusters: a list of names or of {"name", "accessPolicy"}');
  return items.map((item, i) => {
    if (typeof item === 'string') return { name: item };
    const o = item as Record<string, unknown>;
    if (!o?.['name']) throw new Error(`context eksClusters[${i}].name: required`);
    return {
      name: String(o['name']),
      ...(o['accessPolicy'] ? { accessPolicy: String(o['accessPolicy']) } : {}),
    };
  });
}

function vpcSettings(value: unknown): VpcSettings | undefined {
  const v = object(value, 'vpc');
  if (!v) return undefined;
  const settings: VpcSettings = {
    vpcId: String(v['vpcId'] ?? ''),
    subnetIds: list(v['subnetIds']),
    securityGroupIds: list(v['securityGroupIds']),
    routeTableIds: list(v['routeTableIds']),
    endpoints: String(v['endpoints'] ?? 'true') !== 'false',
  };
  const missing: string[] = (['vpcId', 'subnetIds', 'securityGroupIds'] as const).filter(
    (k) => settings[k].length === 0,
  );
  if (settings.endpoints && settings.routeTableIds.length === 0) missing.push('routeTableIds');
  if (missing.length > 0)
    throw new Error(
      `context vpc: missing ${missing.map((k) => `vpc.${k}`).join(', ')} (routeTableIds feed the DynamoDB and S3 gateway endpoints; set "endpoints": false when the subnets have a NAT gateway)`,
    );
  return settings;
}
