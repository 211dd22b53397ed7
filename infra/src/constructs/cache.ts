import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environment-config';
import { REDIS_PORT } from './security-groups';

export interface CacheProps {
  config: EnvironmentConfig;
  vpc: ec2.IVpc;
  privateSubnetType: ec2.SubnetType;
  securityGroup: ec2.ISecurityGroup;
}

/** `agent-orchestrator-{env}`; its nodes are `agent-orchestrator-{env}-001`, `-002`, … (CloudWatch CacheClusterId). */
export function replicationGroupId(config: Pick<EnvironmentConfig, 'envName'>): string {
  return `agent-orchestrator-${config.envName}`;
}

/**
 * ElastiCache for Valkey (architecture §2: Redis-compatible broker for the Bull queue and the
 * rate limiter). aws-cdk-lib has no stable L2, so this is CfnReplicationGroup with
 * `engine: valkey` (supported by CloudFormation since Valkey 7.2; we run 8.0), cluster mode
 * disabled, in the private subnets through its own subnet group, reachable only through the
 * Redis security group. Two or more nodes turn on Multi-AZ with automatic failover.
 * Encryption at rest always; TLS in transit by default (REDIS_URL is then rediss://).
 */
export class Cache extends Construct {
  readonly replicationGroup: elasticache.CfnReplicationGroup;
  readonly subnetGroup: elasticache.CfnSubnetGroup;
  /** `redis://` or `rediss://` URL of the primary endpoint: what the apps get as REDIS_URL. */
  readonly url: string;
  readonly endpoint: string;
  readonly nodeIds: string[];

  constructor(scope: Construct, id: string, { config, vpc, privateSubnetType, securityGroup }: CacheProps) {
    super(scope, id);
    const name = replicationGroupId(config);
    const { cache } = config;
    const multiAz = cache.nodes >= 2;

    this.subnetGroup = new elasticache.CfnSubnetGroup(this, 'SubnetGroup', {
      cacheSubnetGroupName: `${name}-private`,
      description: `Private subnets of agent-orchestrator ${config.envName} for Valkey`,
      subnetIds: vpc.selectSubnets({ subnetType: privateSubnetType }).subnetIds,
    });

    this.replicationGroup = new elasticache.CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupId: name,
      replicationGroupDescription: `agent-orchestrator ${config.envName}: Bull queue agent_tasks and API rate limiting`,
      engine: 'valkey',
      engineVersion: cache.engineVersion,
      cacheNodeType: cache.nodeType,
      numCacheClusters: cache.nodes,
      automaticFailoverEnabled: multiAz,
      multiAzEnabled: multiAz,
      port: REDIS_PORT,
      cacheSubnetGroupName: this.subnetGroup.ref,
      securityGroupIds: [securityGroup.securityGroupId],
      atRestEncryptionEnabled: true,
      transitEncryptionEnabled: cache.transitEncryption,
      snapshotRetentionLimit: cache.snapshotRetentionDays,
      autoMinorVersionUpgrade: true,
      preferredMaintenanceWindow: 'sun:04:00-sun:05:00',
      ...(cache.snapshotRetentionDays > 0 ? { snapshotWindow: '02:00-03:00' } : {}),
    });

    this.endpoint = `${this.replicationGroup.attrPrimaryEndPointAddress}:${this.replicationGroup.attrPrimaryEndPointPort}`;
    this.url = `${cache.transitEncryption ? 'rediss' : 'redis'}://${this.endpoint}`;
    this.nodeIds = Array.from({ length: cache.nodes }, (_, i) => `${name}-${String(i + 1).padStart(3, '0')}`);
  }
}
