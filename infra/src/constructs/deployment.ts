import { ArnFormat, Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { DeploymentConfigName, EnvironmentConfig, GithubDeployConfig } from '../config/environment-config';
import { APPS, type AppName } from './container-registry';

/** `agent-orchestrator-{env}`: the CodeDeploy server application. */
export function codeDeployApplicationName(config: Pick<EnvironmentConfig, 'envName'>): string {
  return `agent-orchestrator-${config.envName}`;
}

/**
 * The S3 bucket the deploy workflows upload CodeDeploy revisions to (appspec.yml + lifecycle
 * scripts; images go to ECR). Private, TLS only, versioned; old revisions expire.
 */
export class DeploymentArtifacts extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        { id: 'expire-old-revisions', expiration: Duration.days(180), noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      // Always kept: deleting a non-empty bucket would fail the stack deletion, and emptying it
      // needs a custom-resource Lambda. Delete it by hand after the stack if you mean it.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}

export interface DeploymentProps {
  config: EnvironmentConfig;
  /** Each app's deployment group targets only its own Auto Scaling group. */
  autoScalingGroups: Record<AppName, autoscaling.IAutoScalingGroup>;
  /** The api's target group: CodeDeploy takes an instance out of it while the api is replaced there. */
  apiTargetGroup: elbv2.IApplicationTargetGroup;
  instanceRole: iam.IRole;
  /** Alarms that stop and roll back a deployment of each app. */
  alarms: Record<AppName, cloudwatch.IAlarm[]>;
  repositories: Record<AppName, ecr.IRepository>;
  bucket: s3.IBucket;
}

const DEPLOYMENT_CONFIGS: Record<DeploymentConfigName, codedeploy.IServerDeploymentConfig> = {
  AllAtOnce: codedeploy.ServerDeploymentConfig.ALL_AT_ONCE,
  HalfAtATime: codedeploy.ServerDeploymentConfig.HALF_AT_A_TIME,
  OneAtATime: codedeploy.ServerDeploymentConfig.ONE_AT_A_TIME,
};

/**
 * CodeDeploy (EC2/on-premises) application `agent-orchestrator-{env}` with one deployment group
 * per app (`api`, `worker`), each targeting its own app's Auto Scaling group (instances launched
 * later get the last good revision of their app only). The api group also blocks the load
 * balancer's traffic to an instance while its container is replaced, and allows it again after. Deployments roll back automatically when they
 * fail, are stopped, or when one of the app's alarms fires during the deployment.
 *
 * Optionally a GitHub Actions OIDC role that can push to the two repositories, upload
 * revisions and create deployments of this application, and nothing else.
 */
export class Deployment extends Construct {
  readonly application: codedeploy.ServerApplication;
  readonly groups: Record<AppName, codedeploy.ServerDeploymentGroup>;
  readonly githubRole?: iam.Role;

  constructor(scope: Construct, id: string, props: DeploymentProps) {
    super(scope, id);
    const { config, autoScalingGroups, apiTargetGroup, instanceRole, alarms, repositories, bucket } = props;
    const stack = Stack.of(this);

    this.application = new codedeploy.ServerApplication(this, 'Application', { applicationName: codeDeployApplicationName(config) });

    const makeGroup = (app: AppName, constructId: string): codedeploy.ServerDeploymentGroup => {
      const group = new codedeploy.ServerDeploymentGroup(this, constructId, {
        application: this.application,
        deploymentGroupName: app,
        autoScalingGroups: [autoScalingGroups[app]],
        loadBalancers: app === 'api' ? [codedeploy.LoadBalancer.application(apiTargetGroup)] : undefined,
        // The launch template's user data installs the agent; CDK's installer would need a launch configuration.
        installAgent: false,
        deploymentConfig: DEPLOYMENT_CONFIGS[config.deploymentConfig],
        alarms: alarms[app],
        ignorePollAlarmsFailure: false,
        autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
      });
      // Auto Scaling groups with a launch template: CodeDeploy launches instances with the instance role.
      const serviceRole = group.role;
      if (!serviceRole) throw new Error('ServerDeploymentGroup created no service role');
      serviceRole.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'PassInstanceRole', actions: ['iam:PassRole'], resources: [instanceRole.roleArn], conditions: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } } }),
      );
      serviceRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'LaunchFromTemplate',
          actions: ['ec2:RunInstances', 'ec2:CreateTags'],
          resources: [stack.formatArn({ service: 'ec2', resource: '*' }), `arn:${Aws.PARTITION}:ec2:${Aws.REGION}::image/*`],
        }),
      );
      return group;
    };
    this.groups = { api: makeGroup('api', 'ApiGroup'), worker: makeGroup('worker', 'WorkerGroup') };

    if (config.github) this.githubRole = this.githubDeployRole(config, config.github, repositories, bucket);
  }

  private githubDeployRole(config: EnvironmentConfig, github: GithubDeployConfig, repositories: Record<AppName, ecr.IRepository>, bucket: s3.IBucket): iam.Role {
    const providerArn = github.oidcProviderArn ?? new iam.OidcProviderNative(this, 'GithubOidcProvider', { url: 'https://token.actions.githubusercontent.com', clientIds: ['sts.amazonaws.com'] }).oidcProviderArn;
    const subjects = github.subjects ?? [`repo:${github.repository}:ref:refs/heads/main`, `repo:${github.repository}:environment:${config.envName}`];
    const role = new iam.Role(this, 'GithubDeployRole', {
      roleName: `agent-orchestrator-${config.envName}-github-deploy`,
      description: `GitHub Actions (${github.repository}) deploys agent-orchestrator ${config.envName}`,
      maxSessionDuration: Duration.hours(1),
      assumedBy: new iam.WebIdentityPrincipal(providerArn, {
        StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', 'token.actions.githubusercontent.com:sub': subjects },
      }),
    });
    const allow = (sid: string, actions: string[], resources: string[]): void => {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid, actions, resources }));
    };
    allow('EcrLogin', ['ecr:GetAuthorizationToken'], ['*']);
    allow(
      'EcrPush',
      ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:CompleteLayerUpload', 'ecr:DescribeImages', 'ecr:DescribeImageScanFindings', 'ecr:InitiateLayerUpload', 'ecr:PutImage', 'ecr:UploadLayerPart'],
      APPS.map((app) => repositories[app].repositoryArn),
    );
    allow('UploadRevisions', ['s3:PutObject', 's3:GetObject'], [bucket.arnForObjects('*')]);
    const stack = Stack.of(this);
    const appName = codeDeployApplicationName(config);
    allow('RegisterRevisions', ['codedeploy:GetApplication', 'codedeploy:GetApplicationRevision', 'codedeploy:RegisterApplicationRevision'], [
      stack.formatArn({ service: 'codedeploy', resource: 'application', resourceName: appName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
    ]);
    allow('CreateDeployments', ['codedeploy:CreateDeployment', 'codedeploy:GetDeployment', 'codedeploy:GetDeploymentGroup', 'codedeploy:StopDeployment'], APPS.map((app) => this.groups[app].deploymentGroupArn));
    allow('ReadDeploymentConfigs', ['codedeploy:GetDeploymentConfig'], [stack.formatArn({ service: 'codedeploy', resource: 'deploymentconfig', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })]);
    return role;
  }
}

