import { ArnFormat, Aws, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { NAMES, type EnvironmentConfig } from '../config/environment-config';

export interface LogGroupsProps {
  config: EnvironmentConfig;
}

/**
 * Architecture §7.1: `/agent-orchestrator/api` and `/agent-orchestrator/worker` receive each
 * container's stdout (one JSON object a line) through Docker's `awslogs` driver, so the lines
 * arrive unwrapped and the JSON metric filters of the Monitoring construct can read their
 * fields. `/agent-orchestrator/deploy` receives the bootstrap, CodeDeploy agent and deployment
 * logs from the CloudWatch agent; `/agent-orchestrator/vpc-flow-logs/{env}` the VPC flow logs.
 * All are encrypted with a customer-managed key that only CloudWatch Logs (for this account's
 * log groups) may use, and keep logs for the configured retention.
 */
export class LogGroups extends Construct {
  readonly key: kms.Key;
  readonly api: logs.LogGroup;
  readonly worker: logs.LogGroup;
  readonly deploy: logs.LogGroup;
  readonly flowLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, { config }: LogGroupsProps) {
    super(scope, id);
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.key = new kms.Key(this, 'Key', {
      alias: `alias/agent-orchestrator/${config.envName}/logs`,
      description: `Encrypts the agent-orchestrator ${config.envName} CloudWatch log groups`,
      enableKeyRotation: true,
      removalPolicy,
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsForThisAccountsLogGroups',
        principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:DescribeKey'],
        resources: ['*'],
        conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Stack.of(this).formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) } },
      }),
    );
    // KmsKeyId references the key, so the key (and its policy) exists before each group.
    const make = (constructId: string, logGroupName: string): logs.LogGroup =>
      new logs.LogGroup(this, constructId, {
        logGroupName,
        retention: config.logRetentionDays as logs.RetentionDays,
        encryptionKey: this.key,
        removalPolicy,
      });
    this.api = make('Api', NAMES.logGroups.api);
    this.worker = make('Worker', NAMES.logGroups.worker);
    this.deploy = make('Deploy', NAMES.logGroups.deploy);
    this.flowLogs = make('FlowLogs', `/agent-orchestrator/vpc-flow-logs/${config.envName}`);
  }
}
