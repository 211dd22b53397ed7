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
  /** Each app's instances get their own group (api: from the load balancer; worker: no inbound HTTP). */
  securityGroups: Record<AppName, ec2.ISecurityGroup>;
  repositories: Record<AppName, ecr.IRepository>;
  logGroups: logs.ILogGroup[];
  ssmKey: kms.IKey;
  deploymentBucket: s3.IBucket;
}

/** `agent-orchestrator-{env}-{app}`: the Auto Scaling group of one app, which its deployment group targets. */
export function autoScalingGroupName(config: Pick<EnvironmentConfig, 'envName'>, app: AppName): string {
  return `agent-orchestrator-${config.envName}-${app}`;
}

/**
 * The EC2 hosts, one fleet per app so they deploy and scale apart: for each of `api` and `worker` a
 * launch template (Amazon Linux 2023, IMDSv2, encrypted gp3 root volume, user data installing Docker +
 * CloudWatch agent + CodeDeploy agent and naming the app) and an Auto Scaling group in the public
 * subnets of both AZs (a public IP for egress: dev has no NAT; the security groups admit only the load
 * balancer, the metrics scraper and SSH from the admin CIDR). The api group uses the load balancer's
 * health check; the worker group EC2's.
 *
 * One instance role for both (least privilege; every statement names its resources except the two
 * actions IAM cannot scope: ecr:GetAuthorizationToken; cloudwatch:PutMetricData, limited to our
 * namespaces by condition).
 */
export class Compute extends Construct {
  readonly role: iam.Role;
  readonly launchTemplates: Record<AppName, ec2.LaunchTemplate>;
  readonly autoScalingGroups: Record<AppName, autoscaling.AutoScalingGroup>;

  constructor(scope: Construct, id: string, props: ComputeProps) {
    super(scope, id);
    const { config, vpc, securityGroups, repositories, logGroups, ssmKey, deploymentBucket } = props;
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

    const fleet = (app: AppName, constructId: string): [ec2.LaunchTemplate, autoscaling.AutoScalingGroup] => {
      const sizing = config.compute[app];
      const instanceType = new ec2.InstanceType(sizing.instanceType);
      const cpuType = instanceType.architecture === ec2.InstanceArchitecture.ARM_64 ? ec2.AmazonLinuxCpuType.ARM_64 : ec2.AmazonLinuxCpuType.X86_64;
      const userData = ec2.UserData.forLinux();
      userData.addCommands(...bootstrapCommands({ config, app, region: Aws.REGION, apiRepositoryUri: repositories.api.repositoryUri, workerRepositoryUri: repositories.worker.repositoryUri }));
      const launchTemplate = new ec2.LaunchTemplate(this, `${constructId}LaunchTemplate`, {
        launchTemplateName: autoScalingGroupName(config, app),
        instanceType,
        machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType }),
        userData,
        role: this.role,
        securityGroup: securityGroups[app],
        keyPair: config.compute.keyPairName ? ec2.KeyPair.fromKeyPairName(this, `${constructId}KeyPair`, config.compute.keyPairName) : undefined,
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
      // A new instance boots, then CodeDeploy installs its app's last good revision before it counts as healthy.
      const gracePeriod = Duration.minutes(10);
      const group = new autoscaling.AutoScalingGroup(this, `${constructId}AutoScalingGroup`, {
        autoScalingGroupName: autoScalingGroupName(config, app),
        vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
        launchTemplate,
        minCapacity: sizing.minInstances,
        maxCapacity: sizing.maxInstances,
        healthChecks: app === 'api' ? autoscaling.HealthChecks.withAdditionalChecks({ additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB], gracePeriod }) : autoscaling.HealthChecks.ec2({ gracePeriod }),
        groupMetrics: [autoscaling.GroupMetrics.all()],
        defaultInstanceWarmup: Duration.seconds(config.scaling.instanceWarmupSeconds),
        updatePolicy: autoscaling.UpdatePolicy.rollingUpdate({ maxBatchSize: 1, minInstancesInService: Math.max(0, sizing.minInstances - 1) }),
      });
      return [launchTemplate, group];
    };
    const [apiTemplate, apiGroup] = fleet('api', 'Api');
    const [workerTemplate, workerGroup] = fleet('worker', 'Worker');
    this.launchTemplates = { api: apiTemplate, worker: workerTemplate };
    this.autoScalingGroups = { api: apiGroup, worker: workerGroup };
  }
}
