import { Annotations, CfnOutput, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from './config/environment-config';
import { AppParameters } from './constructs/app-parameters';
import { Cache } from './constructs/cache';
import { Compute } from './constructs/compute';
import { ContainerRegistry } from './constructs/container-registry';
import { Deployment, DeploymentArtifacts } from './constructs/deployment';
import { LoadBalancer } from './constructs/load-balancer';
import { LogGroups } from './constructs/log-groups';
import { Monitoring } from './constructs/monitoring';
import { Network } from './constructs/network';
import { Scaling } from './constructs/scaling';
import { SecurityGroups } from './constructs/security-groups';

export interface AgentOrchestratorStackProps extends StackProps {
  config: EnvironmentConfig;
}

/** One environment of Agent Orchestrator: `AgentOrchestrator-dev` or `AgentOrchestrator-prod`. */
export class AgentOrchestratorStack extends Stack {
  readonly config: EnvironmentConfig;
  readonly network: Network;
  readonly securityGroups: SecurityGroups;
  readonly registry: ContainerRegistry;
  readonly logGroups: LogGroups;
  readonly cache: Cache;
  readonly parameters: AppParameters;
  readonly artifacts: DeploymentArtifacts;
  readonly loadBalancer: LoadBalancer;
  readonly compute: Compute;
  readonly scaling: Scaling;
  readonly monitoring: Monitoring;
  readonly deployment: Deployment;

  constructor(scope: Construct, id: string, props: AgentOrchestratorStackProps) {
    const { config, ...stackProps } = props;
    super(scope, id, {
      stackName: config.stackName,
      description: `Agent Orchestrator ${config.envName}: VPC, HTTPS load balancer, api and worker Auto Scaling groups, ElastiCache Valkey, ECR, SSM, CodeDeploy, CloudWatch`,
      env: config.account || config.region ? { account: config.account, region: config.region } : undefined,
      terminationProtection: config.envName === 'prod',
      ...stackProps,
    });
    this.config = config;
    Tags.of(this).add('Project', 'agent-orchestrator');
    Tags.of(this).add('Environment', config.envName);
    Tags.of(this).add('ManagedBy', 'aws-cdk');

    if (config.adminCidrIsPlaceholder) {
      Annotations.of(this).addWarningV2(
        'agent-orchestrator:placeholder-admin-cidr',
        `adminCidr is the unroutable placeholder ${config.adminCidr}: nobody can SSH in. Set AO_ADMIN_CIDR (or -c adminCidr=…) before deploying.`,
      );
    }

    this.logGroups = new LogGroups(this, 'Logs', { config });
    this.network = new Network(this, 'Network', { config, flowLogGroup: this.logGroups.flowLogs });
    const vpc = this.network.vpc;
    this.securityGroups = new SecurityGroups(this, 'SecurityGroups', { config, vpc });
    this.registry = new ContainerRegistry(this, 'Registry', { config });
    this.cache = new Cache(this, 'Cache', { config, vpc, privateSubnetType: this.network.privateSubnetType, securityGroup: this.securityGroups.redis });
    this.parameters = new AppParameters(this, 'Parameters', { config, redisUrl: this.cache.url });
    this.artifacts = new DeploymentArtifacts(this, 'Artifacts');
    this.loadBalancer = new LoadBalancer(this, 'LoadBalancer', { config, vpc, securityGroup: this.securityGroups.alb });
    this.compute = new Compute(this, 'Compute', {
      config,
      vpc,
      securityGroups: { api: this.securityGroups.api, worker: this.securityGroups.worker },
      repositories: this.registry.repositories,
      logGroups: [this.logGroups.api, this.logGroups.worker, this.logGroups.deploy],
      ssmKey: this.parameters.key,
      deploymentBucket: this.artifacts.bucket,
    });
    const groups = this.compute.autoScalingGroups;
    this.loadBalancer.targetGroup.addTarget(groups.api);
    this.scaling = new Scaling(this, 'Scaling', { config, autoScalingGroups: groups });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      config,
      apiLogGroup: this.logGroups.api,
      workerLogGroup: this.logGroups.worker,
      autoScalingGroupNames: { api: groups.api.autoScalingGroupName, worker: groups.worker.autoScalingGroupName },
      loadBalancer: this.loadBalancer.alb,
      apiTargetGroup: this.loadBalancer.targetGroup,
      cacheNodeIds: this.cache.nodeIds,
    });
    const { alarms } = this.monitoring;
    this.deployment = new Deployment(this, 'Deployment', {
      config,
      autoScalingGroups: groups,
      apiTargetGroup: this.loadBalancer.targetGroup,
      instanceRole: this.compute.role,
      alarms: { api: [alarms.apiErrorRate], worker: [alarms.taskLatencyP95, alarms.queueBacklog] },
      repositories: this.registry.repositories,
      bucket: this.artifacts.bucket,
    });

    const output = (id: string, value: string, description: string): void => {
      new CfnOutput(this, id, { value, description, exportName: `${config.stackName}-${id}` });
    };
    output('ApiRepositoryUri', this.registry.repositories.api.repositoryUri, 'ECR repository of the api image');
    output('WorkerRepositoryUri', this.registry.repositories.worker.repositoryUri, 'ECR repository of the worker image');
    output('RedisEndpoint', this.cache.endpoint, 'Valkey primary endpoint (host:port); REDIS_URL is in SSM');
    output('SsmParameterPath', this.parameters.path, 'SSM_PARAMETER_PATH for both apps');
    output('SsmKmsKeyAlias', this.parameters.keyAlias, 'KMS key for the out-of-band SecureString parameters');
    output('CodeDeployApplication', this.deployment.application.applicationName, 'CodeDeploy application');
    output('ApiDeploymentGroup', this.deployment.groups.api.deploymentGroupName, 'CodeDeploy deployment group of the api');
    output('WorkerDeploymentGroup', this.deployment.groups.worker.deploymentGroupName, 'CodeDeploy deployment group of the worker');
    output('DeploymentBucketName', this.artifacts.bucket.bucketName, 'S3 bucket for CodeDeploy revisions');
    output('LoadBalancerDnsName', this.loadBalancer.alb.loadBalancerDnsName, 'HTTPS endpoint of the api: point your DNS name (the certificate\'s) at it (CNAME or alias)');
    output('ApiAutoScalingGroupName', groups.api.autoScalingGroupName, 'Auto Scaling group of the api hosts');
    output('WorkerAutoScalingGroupName', groups.worker.autoScalingGroupName, 'Auto Scaling group of the worker hosts');
    output('MetricsScraperSecurityGroupId', this.securityGroups.metricsScraper.securityGroupId, 'Attach to the in-VPC Prometheus: the only source allowed to scrape /metrics (api port 80, worker 9464)');
    output('AlarmTopicArn', this.monitoring.topic.topicArn, 'SNS topic the alarms notify');
    output('DashboardName', this.monitoring.dashboardName, 'CloudWatch dashboard');
    if (this.deployment.githubRole) output('GithubDeployRoleArn', this.deployment.githubRole.roleArn, 'Role the GitHub deploy workflows assume (OIDC)');
  }
}
