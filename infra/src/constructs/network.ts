import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environment-config';

export interface NetworkProps {
  config: EnvironmentConfig;
  /** Where the VPC flow logs go (created by LogGroups, encrypted). */
  flowLogGroup: logs.ILogGroup;
}

/** NAT gateways for a NAT mode: none, one shared, or one per AZ. */
export function natGatewayCount(config: Pick<EnvironmentConfig, 'nat' | 'maxAzs'>): number {
  return config.nat === 'none' ? 0 : config.nat === 'single' ? 1 : config.maxAzs;
}

/**
 * Architecture §3.1: a dedicated VPC over two AZs with one public and one private /24
 * per AZ, an internet gateway, the public route table to 0.0.0.0/0 via the IGW and,
 * when NAT is on, private route tables to 0.0.0.0/0 via the NAT gateway(s). Without
 * NAT the private subnets are isolated (ElastiCache needs no egress). VPC flow logs
 * go to the given log group.
 */
export class Network extends Construct {
  readonly vpc: ec2.Vpc;
  readonly privateSubnetType: ec2.SubnetType;

  constructor(scope: Construct, id: string, { config, flowLogGroup }: NetworkProps) {
    super(scope, id);
    const natGateways = natGatewayCount(config);
    this.privateSubnetType = natGateways > 0 ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED;

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      vpcName: `agent-orchestrator-vpc-${config.envName}`,
      ipAddresses: ec2.IpAddresses.cidr(config.vpcCidr),
      maxAzs: config.maxAzs,
      natGateways,
      natGatewaySubnets: natGateways > 0 ? { subnetType: ec2.SubnetType.PUBLIC } : undefined,
      subnetConfiguration: [
        // The instances live here (architecture §3.1) and get a public IP for SSH/HTTP until an ALB fronts them.
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: true },
        { name: 'private', subnetType: this.privateSubnetType, cidrMask: 24 },
      ],
      enableDnsHostnames: true,
      enableDnsSupport: true,
      // Restricting the default SG needs a custom-resource Lambda; nothing uses the default SG.
      restrictDefaultSecurityGroup: false,
    });

    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: config.flowLogTraffic === 'ALL' ? ec2.FlowLogTrafficType.ALL : ec2.FlowLogTrafficType.REJECT,
    });
  }
}
