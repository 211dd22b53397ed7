import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environment-config';

export interface SecurityGroupsProps {
  config: EnvironmentConfig;
  vpc: ec2.IVpc;
}

export const REDIS_PORT = 6379;

/**
 * Architecture §3.2, exactly:
 * - `agent-orchestrator-ec2-{env}`: SSH 22 from the admin CIDR only; HTTP 80 and HTTPS 443 from
 *   the allowed HTTP CIDRs; all outbound (MongoDB Atlas, OpenAI, Tavily, ECR, SSM, CloudWatch).
 * - `agent-orchestrator-redis-{env}`: TCP 6379 from the EC2 group only; no outbound (ElastiCache
 *   never initiates connections).
 * (AWS reserves the `sg-` prefix for group ids, so the names drop it.)
 */
export class SecurityGroups extends Construct {
  readonly ec2: ec2.SecurityGroup;
  readonly redis: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, { config, vpc }: SecurityGroupsProps) {
    super(scope, id);
    this.ec2 = new ec2.SecurityGroup(this, 'Ec2', {
      vpc,
      securityGroupName: `agent-orchestrator-ec2-${config.envName}`,
      description: `sg-agent-orchestrator-ec2 (${config.envName}): SSH from admin CIDR, HTTP/HTTPS from allowed sources`,
      allowAllOutbound: true,
    });
    this.ec2.addIngressRule(ec2.Peer.ipv4(config.adminCidr), ec2.Port.tcp(22), 'SSH from the admin network only');
    for (const cidr of config.allowedHttpCidrs) {
      this.ec2.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(80), `HTTP from ${cidr}`);
      this.ec2.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), `HTTPS from ${cidr}`);
    }

    this.redis = new ec2.SecurityGroup(this, 'Redis', {
      vpc,
      securityGroupName: `agent-orchestrator-redis-${config.envName}`,
      description: `sg-agent-orchestrator-redis (${config.envName}): Valkey 6379 from the EC2 group only`,
      allowAllOutbound: false,
    });
    this.redis.addIngressRule(this.ec2, ec2.Port.tcp(REDIS_PORT), 'Valkey from the agent-orchestrator EC2 instances only');
  }
}
