/**
 * VPC access for private EKS endpoints (context `vpc`): the functions that call Kubernetes run in
 * the given subnets with the given security groups; with `endpoints` (default) the VPC gets what
 * those functions call without a NAT gateway: interface endpoints for STS (EKS tokens), EKS
 * (DescribeCluster), SQS, Secrets Manager and EventBridge Scheduler, and gateway endpoints for
 * DynamoDB and S3 (free). Interface endpoints accept HTTPS from the functions' security groups only.
 */
import { Stack, Tags } from 'aws-cdk-lib';
import { CfnVPCEndpoint, Peer, Port, SecurityGroup, Subnet, Vpc } from 'aws-cdk-lib/aws-ec2';
import type { ISecurityGroup, ISubnet, IVpc } from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import type { VpcSettings } from '../context.js';

export const INTERFACE_ENDPOINTS = ['sts', 'eks', 'sqs', 'secretsmanager', 'scheduler'] as const;
export const GATEWAY_ENDPOINTS = ['dynamodb', 's3'] as const;

export class FunctionNetwork extends Construct {
  readonly vpc: IVpc;
  readonly subnets: ISubnet[];
  readonly securityGroups: ISecurityGroup[];

  constructor(scope: Construct, id: string, props: { settings: VpcSettings }) {
    super(scope, id);
    const s = props.settings;
    // Imported by id, not looked up: synth stays offline and needs no credentials.
    this.vpc = Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId: s.vpcId,
      availabilityZones: Stack.of(this).availabilityZones.slice(0, s.subnetIds.length),
      privateSubnetIds: s.subnetIds,
    });
    this.subnets = s.subnetIds.map((subnetId, i) =>
      Subnet.fromSubnetAttributes(this, `Subnet${i}`, {
        subnetId,
        ...(s.routeTableIds[i] ? { routeTableId: s.routeTableIds[i] } : {}),
      }),
    );
    this.securityGroups = s.securityGroupIds.map((sg, i) =>
      SecurityGroup.fromSecurityGroupId(this, `FunctionSg${i}`, sg),
    );
    if (!s.endpoints) return;
    const endpointSg = new SecurityGroup(this, 'EndpointSg', {
      vpc: this.vpc,
      description: 'argo-serverless VPC endpoints: HTTPS from the functions only',
      allowAllOutbound: false,
    });
    for (const [i, sg] of s.securityGroupIds.entries())
      endpointSg.addIngressRule(Peer.securityGroupId(sg), Port.tcp(443), `functions (${i})`);
    const region = Stack.of(this).region;
    for (const service of INTERFACE_ENDPOINTS) {
      const endpoint = new CfnVPCEndpoint(this, `Endpoint-${service}`, {
        vpcId: s.vpcId,
        serviceName: `com.amazonaws.${region}.${service}`,
        vpcEndpointType: 'Interface',
        privateDnsEnabled: true,
        subnetIds: s.subnetIds,
        securityGroupIds: [endpointSg.securityGroupId],
      });
      Tags.of(endpoint).add('Name', `argo-serverless-${service}`);
    }
    for (const service of GATEWAY_ENDPOINTS) {
      new CfnVPCEndpoint(this, `Endpoint-${service}`, {
        vpcId: s.vpcId,
        serviceName: `com.amazonaws.${region}.${service}`,
        vpcEndpointType: 'Gateway',
        routeTableIds: s.routeTableIds,
      });
    }
  }
}
