import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environment-config';

export interface SecurityGroupsProps {
  config: EnvironmentConfig;
  vpc: ec2.IVpc;
}

export const REDIS_PORT = 6379;
/** The instance port the api container is published on (deploy/common/lib.sh `API_HOST_PORT`); the ALB targets it. */
export const API_INSTANCE_PORT = 80;
/** The worker's metrics listener (WORKER_METRICS_PORT default), published on the worker hosts. */
export const WORKER_METRICS_PORT = 9464;

/**
 * Architecture §3.2 with the load balancer in front (AWS reserves the `sg-` prefix, so names drop it):
 * - `agent-orchestrator-alb-{env}`: HTTPS 443 and HTTP 80 (redirect only) from the allowed HTTP CIDRs;
 *   outbound only to the api instances' port.
 * - `agent-orchestrator-api-{env}`: the api port from the load balancer and the metrics scraper only;
 *   SSH 22 from the admin CIDR; all outbound (MongoDB Atlas, ECR, SSM, CloudWatch, Valkey).
 * - `agent-orchestrator-worker-{env}`: no HTTP at all; its metrics port from the metrics scraper only;
 *   SSH 22 from the admin CIDR; all outbound (MongoDB Atlas, OpenAI, Tavily, ECR, SSM, CloudWatch, Valkey).
 * - `agent-orchestrator-metrics-scraper-{env}`: no rules in; out only to the two metrics ports. Attach it to
 *   the Prometheus (or agent) inside the VPC that scrapes `/metrics`: the only way to them besides SSH.
 * - `agent-orchestrator-redis-{env}`: TCP 6379 from the api and worker groups only; no outbound.
 */
export class SecurityGroups extends Construct {
  readonly alb: ec2.SecurityGroup;
  readonly api: ec2.SecurityGroup;
  readonly worker: ec2.SecurityGroup;
  readonly metricsScraper: ec2.SecurityGroup;
  readonly redis: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, { config, vpc }: SecurityGroupsProps) {
    super(scope, id);
    const env = config.envName;
    const group = (constructId: string, name: string, description: string, allowAllOutbound: boolean): ec2.SecurityGroup =>
      new ec2.SecurityGroup(this, constructId, { vpc, securityGroupName: `agent-orchestrator-${name}-${env}`, description: `sg-agent-orchestrator-${name} (${env}): ${description}`, allowAllOutbound });

    this.alb = group('Alb', 'alb', 'HTTPS (and HTTP, redirected) from allowed sources; out to the api instances only', false);
    for (const cidr of config.allowedHttpCidrs) {
      this.alb.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), `HTTPS from ${cidr}`);
      this.alb.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(80), `HTTP from ${cidr} (redirected to HTTPS)`);
    }

    this.api = group('Api', 'api', 'api port from the load balancer and the metrics scraper; SSH from the admin CIDR', true);
    this.worker = group('Worker', 'worker', 'metrics port from the metrics scraper; SSH from the admin CIDR', true);
    this.metricsScraper = group('MetricsScraper', 'metrics-scraper', 'attach to the in-VPC Prometheus: reaches the api and worker metrics ports', false);
    for (const instances of [this.api, this.worker]) instances.addIngressRule(ec2.Peer.ipv4(config.adminCidr), ec2.Port.tcp(22), 'SSH from the admin network only');

    const apiPort = ec2.Port.tcp(API_INSTANCE_PORT);
    this.api.addIngressRule(this.alb, apiPort, 'api from the load balancer');
    this.alb.addEgressRule(this.api, apiPort, 'to the api instances (targets and health checks)');
    this.api.addIngressRule(this.metricsScraper, apiPort, 'GET /metrics from the metrics scraper');
    this.metricsScraper.addEgressRule(this.api, apiPort, 'scrape the api');
    const metricsPort = ec2.Port.tcp(WORKER_METRICS_PORT);
    this.worker.addIngressRule(this.metricsScraper, metricsPort, 'worker metrics listener from the metrics scraper');
    this.metricsScraper.addEgressRule(this.worker, metricsPort, 'scrape the workers');

    this.redis = group('Redis', 'redis', 'Valkey 6379 from the api and worker groups only', false);
    this.redis.addIngressRule(this.api, ec2.Port.tcp(REDIS_PORT), 'Valkey from the api instances');
    this.redis.addIngressRule(this.worker, ec2.Port.tcp(REDIS_PORT), 'Valkey from the worker instances');
  }
}
