import { Aws, CfnCondition, CfnMapping, Duration, Fn, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import { certificateParameterName, type EnvironmentConfig } from '../config/environment-config';
import { API_INSTANCE_PORT } from './security-groups';

export interface LoadBalancerProps {
  config: EnvironmentConfig;
  vpc: ec2.IVpc;
  securityGroup: ec2.ISecurityGroup;
}

/** The apps' Prometheus path (libs/domain METRICS_PATH; infra imports no app code). */
export const METRICS_PATH = '/metrics';
/** What the api's readiness probe answers on (MongoDB and Redis reachable); the target group health check. */
export const HEALTH_CHECK_PATH = '/readyz';
/** Prefix of the access logs in their bucket. */
export const ACCESS_LOG_PREFIX = 'alb';
/** The JSON body the load balancer answers for /metrics from outside: the api's error shape, as if the path did not exist. */
export const METRICS_BLOCKED_BODY = JSON.stringify({
  error: { type: 'NOT_FOUND', message: `${METRICS_PATH} is not served through the load balancer: scrape it from inside the VPC (metrics-scraper security group).` },
  api_version: 'v1',
});
/** Path patterns the load balancer refuses. The api serves /metrics case-sensitively and without a trailing slash, so these cover it. */
export const METRICS_PATH_PATTERNS = [METRICS_PATH, `${METRICS_PATH}/*`];

/**
 * The internet-facing Application Load Balancer `agent-orchestrator-{env}` in the public subnets:
 * - HTTPS 443 (TLS 1.2/1.3 policy, certificate from `certificateArn` or, at deploy time, the SSM parameter
 *   `/agent-orchestrator/{env}/alb-certificate-arn`) forwarding to the api target group;
 * - HTTP 80 answering only a permanent redirect to HTTPS;
 * - a rule answering 404 for /metrics, so Prometheus metrics never leave the VPC through it;
 * - target group: HTTP to the api instances' port 80 inside the VPC (TLS ends here), health check GET /readyz;
 * - access logs in a private, TLS-only bucket (SSE-S3: the only encryption ALB log delivery supports).
 */
export class LoadBalancer extends Construct {
  readonly alb: elbv2.ApplicationLoadBalancer;
  readonly httpsListener: elbv2.ApplicationListener;
  readonly httpListener: elbv2.ApplicationListener;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly accessLogs: s3.Bucket;
  /** The certificate ARN: the configured one, or a CloudFormation parameter resolved from SSM at deploy time. */
  readonly certificateArn: string;

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);
    const { config, vpc, securityGroup } = props;
    const lb = config.loadBalancer;

    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(lb.accessLogRetentionDays), noncurrentVersionExpiration: Duration.days(1), abortIncompleteMultipartUploadAfter: Duration.days(7) }],
      // Kept on stack deletion like the other buckets (deleting a non-empty bucket fails the deletion).
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const logsPolicy = this.accessLogsPolicy();

    this.alb = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      loadBalancerName: `agent-orchestrator-${config.envName}`,
      vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup,
      dropInvalidHeaderFields: true,
      http2Enabled: true,
      idleTimeout: Duration.seconds(lb.idleTimeoutSeconds),
      deletionProtection: config.retainData,
    });
    this.alb.setAttribute('access_logs.s3.enabled', 'true');
    this.alb.setAttribute('access_logs.s3.bucket', this.accessLogs.bucketName);
    this.alb.setAttribute('access_logs.s3.prefix', ACCESS_LOG_PREFIX);
    // ELB checks that it may write to the bucket when the attribute is set.
    this.alb.node.addDependency(logsPolicy);

    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'ApiTargets', {
      vpc,
      targetType: elbv2.TargetType.INSTANCE,
      protocol: elbv2.ApplicationProtocol.HTTP,
      port: API_INSTANCE_PORT,
      // The api drains in-flight requests within 10 s of SIGTERM.
      deregistrationDelay: Duration.seconds(30),
      healthCheck: {
        path: HEALTH_CHECK_PATH,
        protocol: elbv2.Protocol.HTTP,
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });

    this.certificateArn = lb.certificateArn ?? ssm.StringParameter.valueForStringParameter(this, certificateParameterName(config.envName));
    this.httpsListener = this.alb.addListener('Https', {
      protocol: elbv2.ApplicationProtocol.HTTPS,
      port: 443,
      certificates: [elbv2.ListenerCertificate.fromArn(this.certificateArn)],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      defaultTargetGroups: [this.targetGroup],
      // Sources come from the security group (allowed HTTP CIDRs), not 0.0.0.0/0 by default.
      open: false,
    });
    this.httpsListener.addAction('BlockMetrics', {
      priority: 10,
      conditions: [elbv2.ListenerCondition.pathPatterns(METRICS_PATH_PATTERNS)],
      action: elbv2.ListenerAction.fixedResponse(404, { contentType: 'application/json', messageBody: METRICS_BLOCKED_BODY }),
    });
    this.httpListener = this.alb.addListener('Http', {
      protocol: elbv2.ApplicationProtocol.HTTP,
      port: 80,
      defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
      open: false,
    });
  }

  /**
   * Who may write the access logs: in Regions launched before August 2022 the Region's ELB account, in newer
   * ones the log delivery service. The template is Region-agnostic, so a mapping (from aws-cdk-lib's Region
   * facts) picks the account and a condition keeps that statement only where there is one.
   */
  private accessLogsPolicy(): s3.CfnBucketPolicy {
    const mapping: Record<string, Record<string, string>> = {};
    for (const region of RegionInfo.regions) mapping[region.name] = { account: region.elbv2Account ?? 'none' };
    const elbAccounts = new CfnMapping(this, 'ElbAccounts', { mapping });
    const elbAccount = elbAccounts.findInMap(Aws.REGION, 'account');
    const legacyRegion = new CfnCondition(this, 'LegacyElbAccountRegion', { expression: Fn.conditionNot(Fn.conditionEquals(elbAccount, 'none')) });
    const logObjects = `${this.accessLogs.bucketArn}/${ACCESS_LOG_PREFIX}/AWSLogs/${Aws.ACCOUNT_ID}/*`;
    return new s3.CfnBucketPolicy(this, 'AccessLogsPolicy', {
      bucket: this.accessLogs.bucketName,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:*',
            Resource: [this.accessLogs.bucketArn, `${this.accessLogs.bucketArn}/*`],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
          { Sid: 'LogDeliveryWrite', Effect: 'Allow', Principal: { Service: 'logdelivery.elasticloadbalancing.amazonaws.com' }, Action: 's3:PutObject', Resource: logObjects },
          Fn.conditionIf(
            legacyRegion.logicalId,
            { Sid: 'RegionalElbAccountWrite', Effect: 'Allow', Principal: { AWS: `arn:${Aws.PARTITION}:iam::${elbAccount}:root` }, Action: 's3:PutObject', Resource: logObjects },
            Aws.NO_VALUE,
          ),
        ],
      },
    });
  }
}
