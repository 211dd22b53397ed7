import { Aws, Duration, Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { NAMES, ssmPath, type EnvironmentConfig } from '../config/environment-config';
import type { AppName } from './container-registry';
import { bootstrapCommands } from './user-data';

export interface ComputeProps {
  config: EnvironmentConfig;
  vpc: ec2.IVpc;
  securityGroup: ec2.ISecurityGroup;
  repositories: Record<AppName, ecr.IRepository>;
  logGroups: logs.ILogGroup[];
  ssmKey: kms.IKey;
  deploymentBucket: s3.IBucket;
}

/** `agent-orchestrator-{env}`: the Auto Scaling group both deployment groups target. */
export function autoScalingGroupName(config: Pick<EnvironmentConfig, 'envName'>): string {
  return `agent-orchestrator-${config.envName}`;
}

/**
 * The EC2 hosts of the api and worker containers: a launch template (Amazon Linux 2023,
 * IMDSv2, encrypted gp3 root volume, user data installing Docker + CloudWatch agent +
 * CodeDeploy agent) and an Auto Scaling group in the public subnets of both AZs.
 *
 * The instance role is least privilege; every statement names its resources except the two
 * actions IAM cannot scope (ecr:GetAuthorizationToken; cloudwatch:PutMetricData, which is
 * limited to our namespaces by condition).
 */
export class Compute extends Construct {
  readonly role: iam.Role;
  readonly launchTemplate: ec2.LaunchTemplate;
  readonly autoScalingGroup: autoscaling.AutoScalingGroup;

  constructor(scope: Construct, id: string, props: ComputeProps) {
    super(scope, id);
    const { config, vpc, securityGroup, repositories, logGroups, ssmKey, deploymentBucket } = props;
    const stack = Stack.of(this);
    const path = ssmPath(config.envName);

    this.role = new iam.Role(this, 'InstanceRole', {
      roleName: `agent-orchestrator-${config.envName}-instance`,
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: `agent-orchestrator ${config.envName} EC2 hosts: pull images, read config, ship logs and metrics, fetch deployments`,
    });
    const allow = (sid: string, actions: string[], resources: string[], conditions?: Record<string, Record<string, unknown>>): void => {
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid, effect: iam.Effect.ALLOW, actions, resources, conditions }));
    };
    // Registry login: GetAuthorizationToken has no resource-level permissions.
    allow('EcrLogin', ['ecr:GetAuthorizationToken'], ['*']);
    allow('EcrPull', ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], [repositories.api.repositoryArn, repositories.worker.repositoryArn]);
    allow('SsmReadAppConfig', ['ssm:GetParametersByPath', 'ssm:GetParameters', 'ssm:GetParameter'], [
      stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: path.slice(1) }),
      stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${path.slice(1)}/*` }),
    ]);
    allow('KmsDecryptAppSecrets', ['kms:Decrypt'], [ssmKey.keyArn], {
      StringEquals: { 'kms:ViaService': `ssm.${Aws.REGION}.amazonaws.com` },
    });
    allow('LogsWrite', ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], logGroups.map((g) => g.logGroupArn));
    // PutMetricData has no resource-level permissions; the condition limits it to our namespaces.
    allow('MetricsPut', ['cloudwatch:PutMetricData'], ['*'], { StringEquals: { 'cloudwatch:namespace': [NAMES.metricNamespace, 'CWAgent'] } });
    allow('CodeDeployAgentAndRevisions', ['s3:GetObject', 's3:GetObjectVersion'], [`arn:${Aws.PARTITION}:s3:::aws-codedeploy-${Aws.REGION}/*`, deploymentBucket.arnForObjects('*')]);

    const instanceType = new ec2.InstanceType(config.compute.instanceType);
    const cpuType = instanceType.architecture === ec2.InstanceArchitecture.ARM_64 ? ec2.AmazonLinuxCpuType.ARM_64 : ec2.AmazonLinuxCpuType.X86_64;
    const userData = ec2.UserData.forLinux();
    userData.addCommands(...bootstrapCommands({ config, region: Aws.REGION, apiRepositoryUri: repositories.api.repositoryUri, workerRepositoryUri: repositories.worker.repositoryUri }));

    this.launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      launchTemplateName: `agent-orchestrator-${config.envName}`,
      instanceType,
      machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType }),
      userData,
      role: this.role,
      securityGroup,
      keyPair: config.compute.keyPairName ? ec2.KeyPair.fromKeyPairName(this, 'KeyPair', config.compute.keyPairName) : undefined,
      requireImdsv2: true,
      // 2 hops: the SDK inside the containers (bridge network) reads instance credentials for SSM.
      httpPutResponseHopLimit: 2,
      detailedMonitoring: true,
      ebsOptimized: true,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(config.compute.rootVolumeGiB, { volumeType: ec2.EbsDeviceVolumeType.GP3, encrypted: true, deleteOnTermination: true }),
        },
      ],
    });

    this.autoScalingGroup = new autoscaling.AutoScalingGroup(this, 'AutoScalingGroup', {
      autoScalingGroupName: autoScalingGroupName(config),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      launchTemplate: this.launchTemplate,
      minCapacity: config.compute.minInstances,
      maxCapacity: config.compute.maxInstances,
      healthChecks: autoscaling.HealthChecks.ec2({ gracePeriod: Duration.minutes(5) }),
      groupMetrics: [autoscaling.GroupMetrics.all()],
      updatePolicy: autoscaling.UpdatePolicy.rollingUpdate({ maxBatchSize: 1, minInstancesInService: Math.max(0, config.compute.minInstances - 1) }),
    });
  }
}
