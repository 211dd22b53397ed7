import { Match } from 'aws-cdk-lib/assertions';
import { OUT_OF_BAND_SECURE_PARAMETERS } from './config/environment-config';
import { TEST_GITHUB_REPOSITORY, onlyResource, renderText, resourcesOf, statementsOfRole, synth } from './testing/stacks';

describe.each(['dev', 'prod'] as const)('ECR (%s)', (env) => {
  const { template } = synth(env);

  it('one repository per app with scan on push, immutable tags, KMS encryption and a lifecycle policy; retained', () => {
    template.resourceCountIs('AWS::ECR::Repository', 2);
    for (const name of ['agent-orchestrator/api', 'agent-orchestrator/worker']) {
      template.hasResource('AWS::ECR::Repository', {
        Properties: {
          RepositoryName: name,
          ImageScanningConfiguration: { ScanOnPush: true },
          ImageTagMutability: 'IMMUTABLE',
          EncryptionConfiguration: { EncryptionType: 'KMS' },
          LifecyclePolicy: { LifecyclePolicyText: Match.anyValue() },
        },
        DeletionPolicy: 'Retain',
      });
    }
    for (const [, repo] of resourcesOf(template, 'AWS::ECR::Repository')) {
      const policy = JSON.parse((repo.Properties.LifecyclePolicy as { LifecyclePolicyText: string }).LifecyclePolicyText) as { rules: { selection: Record<string, unknown> }[] };
      expect(policy.rules.map((r) => r.selection)).toEqual([
        expect.objectContaining({ tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 7 }),
        expect.objectContaining({ tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: env === 'dev' ? 30 : 100 }),
      ]);
    }
  });
});

describe.each(['dev', 'prod'] as const)('ElastiCache Valkey (%s)', (env) => {
  const { template, stack } = synth(env);
  const rg = onlyResource(template, 'AWS::ElastiCache::ReplicationGroup');
  const multiAz = env === 'prod';

  it('a Valkey replication group with the configured node type, encrypted, behind the Redis group', () => {
    expect(rg.props).toMatchObject({
      ReplicationGroupId: `agent-orchestrator-${env}`,
      Engine: 'valkey',
      EngineVersion: '8.0',
      CacheNodeType: env === 'dev' ? 'cache.t4g.micro' : 'cache.t4g.small',
      NumCacheClusters: multiAz ? 2 : 1,
      AutomaticFailoverEnabled: multiAz,
      MultiAZEnabled: multiAz,
      Port: 6379,
      AtRestEncryptionEnabled: true,
      TransitEncryptionEnabled: true,
      SnapshotRetentionLimit: multiAz ? 7 : 1,
      SecurityGroupIds: [{ 'Fn::GetAtt': [stack.getLogicalId(stack.securityGroups.redis.node.defaultChild as never), 'GroupId'] }],
    });
  });

  it('lives in the private subnets through its own subnet group', () => {
    const group = onlyResource(template, 'AWS::ElastiCache::SubnetGroup');
    expect(rg.props.CacheSubnetGroupName).toEqual({ Ref: group.id });
    expect(group.props.CacheSubnetGroupName).toBe(`agent-orchestrator-${env}-private`);
    const subnetRefs = (group.props.SubnetIds as { Ref: string }[]).map((s) => s.Ref);
    expect(subnetRefs).toHaveLength(2);
    const subnets = template.findResources('AWS::EC2::Subnet');
    for (const ref of subnetRefs) {
      expect(ref).toMatch(/privateSubnet/);
      expect(subnets[ref].Properties.MapPublicIpOnLaunch).toBe(false);
    }
  });
});

describe.each(['dev', 'prod'] as const)('SSM parameters (%s)', (env) => {
  const { template, stack } = synth(env);
  const params = resourcesOf(template, 'AWS::SSM::Parameter').map(([, r]) => r.Properties);
  const names = params.map((p) => p.Name as string);

  it(`every parameter is a String under /agent-orchestrator-api/${env}/ named like the env var it becomes`, () => {
    expect(params.length).toBeGreaterThanOrEqual(10);
    for (const p of params) {
      expect(p.Name).toMatch(new RegExp(`^/agent-orchestrator-api/${env}/[A-Z][A-Z0-9_]*$`));
      expect(p.Type).toBe('String');
    }
    expect(names).toEqual(expect.arrayContaining(['APP_ENV', 'REDIS_URL', 'LOG_LEVEL', 'MONGO_DB_NAME', 'LLM_PEER_MODEL', 'WORKER_CONCURRENCY'].map((n) => `/agent-orchestrator-api/${env}/${n}`)));
  });

  it('no secret is created or given a value here: those are out-of-band SecureStrings', () => {
    for (const secret of OUT_OF_BAND_SECURE_PARAMETERS) expect(names).not.toContain(`/agent-orchestrator-api/${env}/${secret}`);
    for (const name of names) expect(name).not.toMatch(/(KEY|SECRET|PASSWORD|TOKEN)S?$/);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/sk-[A-Za-z0-9]{10,}|tvly-|mongodb(\+srv)?:\/\//);
  });

  it('REDIS_URL points at the Valkey primary endpoint over TLS; APP_ENV is the environment', () => {
    const value = (n: string) => params.find((p) => p.Name === `/agent-orchestrator-api/${env}/${n}`)!.Value;
    expect(renderText(value('REDIS_URL'))).toMatch(/^rediss:\/\/\$\{\w+\.PrimaryEndPoint\.Address\}:\$\{\w+\.PrimaryEndPoint\.Port\}$/);
    expect(value('APP_ENV')).toBe(env);
    expect(value('LOG_LEVEL')).toBe(env === 'dev' ? 'debug' : 'info');
  });

  it('a rotating KMS key (alias/agent-orchestrator/{env}/ssm) for the out-of-band SecureStrings', () => {
    const keyId = stack.getLogicalId(stack.parameters.key.node.defaultChild as never);
    expect(template.findResources('AWS::KMS::Key')[keyId].Properties.EnableKeyRotation).toBe(true);
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: `alias/agent-orchestrator/${env}/ssm`, TargetKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
  });
});

describe.each(['dev', 'prod'] as const)('CodeDeploy (%s)', (env) => {
  const { template, stack } = synth(env);
  const alarmRef = (a: { node: { defaultChild?: unknown } }) => ({ Ref: stack.getLogicalId(a.node.defaultChild as never) });

  it('one server application', () => {
    template.resourceCountIs('AWS::CodeDeploy::Application', 1);
    template.hasResourceProperties('AWS::CodeDeploy::Application', { ApplicationName: `agent-orchestrator-${env}`, ComputePlatform: 'Server' });
  });

  it("one deployment group per app on that app's own Auto Scaling group, rolling back on failure, stop and alarm", () => {
    template.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 2);
    const asgRef = (app: 'api' | 'worker') => ({ Ref: stack.getLogicalId(stack.compute.autoScalingGroups[app].node.defaultChild as never) });
    const { alarms } = stack.monitoring;
    const expected = { api: [alarms.apiErrorRate], worker: [alarms.taskLatencyP95, alarms.queueBacklog] };
    for (const app of ['api', 'worker'] as const) {
      template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
        ApplicationName: { Ref: stack.getLogicalId(stack.deployment.application.node.defaultChild as never) },
        DeploymentGroupName: app,
        AutoScalingGroups: [asgRef(app)],
        DeploymentConfigName: env === 'dev' ? 'CodeDeployDefault.AllAtOnce' : 'CodeDeployDefault.OneAtATime',
        AutoRollbackConfiguration: { Enabled: true, Events: Match.arrayEquals(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST', 'DEPLOYMENT_STOP_ON_ALARM']) },
        AlarmConfiguration: { Enabled: true, IgnorePollAlarmFailure: false, Alarms: expected[app].map((a) => ({ Name: alarmRef(a) })) },
      });
    }
    // Only the api sits behind the load balancer: CodeDeploy blocks its traffic to an instance while the api is replaced there.
    const groups = template.findResources('AWS::CodeDeploy::DeploymentGroup');
    const byName = (app: string) => Object.values(groups).find((g) => g.Properties.DeploymentGroupName === app)!.Properties;
    expect(byName('api')).toMatchObject({
      DeploymentStyle: { DeploymentOption: 'WITH_TRAFFIC_CONTROL' },
      LoadBalancerInfo: { TargetGroupInfoList: [{ Name: { 'Fn::GetAtt': [stack.getLogicalId(stack.loadBalancer.targetGroup.node.defaultChild as never), 'TargetGroupName'] } }] },
    });
    expect(byName('worker').LoadBalancerInfo).toBeUndefined();
    // Service roles: the AWS managed CodeDeploy policy plus the launch-template permissions.
    for (const group of Object.values(stack.deployment.groups)) {
      const role = template.findResources('AWS::IAM::Role')[stack.getLogicalId(group.role!.node.defaultChild as never)];
      expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toContain('service-role/AWSCodeDeployRole');
      expect(JSON.stringify(role.Properties.AssumeRolePolicyDocument)).toContain('codedeploy.amazonaws.com');
    }
  });

  it('a private, TLS-only, versioned bucket for revisions, kept when the stack goes', () => {
    // The other bucket holds the load balancer's access logs (load-balancer.spec.ts).
    template.resourceCountIs('AWS::S3::Bucket', 2);
    const bucketId = stack.getLogicalId(stack.artifacts.bucket.node.defaultChild as never);
    expect(template.findResources('AWS::S3::Bucket')[bucketId]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it(env === 'prod' ? 'a GitHub OIDC deploy role scoped to this repository, the two repositories, the bucket and the app' : 'no GitHub deploy role without a configured repository', () => {
    const role = stack.deployment.githubRole;
    if (env === 'dev') {
      expect(role).toBeUndefined();
      template.resourceCountIs('AWS::IAM::OIDCProvider', 0);
      return;
    }
    template.resourceCountIs('AWS::IAM::OIDCProvider', 1);
    template.hasResourceProperties('AWS::IAM::OIDCProvider', { Url: 'https://token.actions.githubusercontent.com', ClientIdList: ['sts.amazonaws.com'] });
    const roleId = stack.getLogicalId(role!.node.defaultChild as never);
    const props = template.findResources('AWS::IAM::Role')[roleId].Properties;
    expect(props.RoleName).toBe('agent-orchestrator-prod-github-deploy');
    expect(props.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
            'token.actions.githubusercontent.com:sub': [`repo:${TEST_GITHUB_REPOSITORY}:ref:refs/heads/main`, `repo:${TEST_GITHUB_REPOSITORY}:environment:prod`],
          },
        },
      }),
    ]);
    const statements = statementsOfRole(template, roleId);
    expect(statements.map((s) => s.Sid).sort()).toEqual(['CreateDeployments', 'EcrLogin', 'EcrPush', 'ReadDeploymentConfigs', 'RegisterRevisions', 'UploadRevisions']);
    for (const s of statements.filter((x) => x.Sid !== 'EcrLogin')) expect(s.Resource).not.toEqual('*');
  });
});
