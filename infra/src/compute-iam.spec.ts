import { Match } from 'aws-cdk-lib/assertions';
import { asList, renderText, resourcesOf, statementsOfRole, synth, type PolicyStatementJson } from './testing/stacks';

describe.each(['dev', 'prod'] as const)('compute (%s)', (env) => {
  const { template, stack } = synth(env);
  const templates = template.findResources('AWS::EC2::LaunchTemplate');
  const lt = (app: 'api' | 'worker') => {
    const id = stack.getLogicalId(stack.compute.launchTemplates[app].node.defaultChild as never);
    const props = templates[id].Properties as Record<string, unknown>;
    const data = props.LaunchTemplateData as Record<string, unknown>;
    return { id, props, data, userData: renderText(data.UserData) };
  };

  it('one launch template and one Auto Scaling group per app', () => {
    template.resourceCountIs('AWS::EC2::LaunchTemplate', 2);
    template.resourceCountIs('AWS::AutoScaling::AutoScalingGroup', 2);
  });

  describe.each(['api', 'worker'] as const)('%s fleet', (app) => {
    const { id, props, data, userData } = lt(app);

    it('user data installs and starts Docker', () => {
      expect(userData).toMatch(/^#!\/bin\/bash/);
      expect(userData).toContain('dnf install -y docker');
      expect(userData).toContain('systemctl enable --now docker');
    });

    it('user data installs, configures and starts the CloudWatch agent', () => {
      expect(userData).toContain('dnf install -y amazon-cloudwatch-agent');
      expect(userData).toContain('amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json');
      expect(userData).toContain('"log_group_name": "/agent-orchestrator/deploy"');
      expect(userData).toContain('"mem_used_percent"');
    });

    it('user data installs and starts the CodeDeploy agent from the regional bucket', () => {
      expect(userData).toContain('https://aws-codedeploy-$REGION.s3.$REGION.amazonaws.com/latest/install');
      expect(userData).toContain('/tmp/codedeploy-install auto');
      expect(userData).toContain('systemctl enable --now codedeploy-agent');
      expect(userData).toContain("REGION='${AWS::Region}'");
    });

    it('user data names the one app the instance runs, and writes the environment the lifecycle scripts read, without secrets', () => {
      expect(userData).toContain(`AO_APP=${app}\n`);
      expect(userData).not.toContain(`AO_APP=${app === 'api' ? 'worker' : 'api'}`);
      expect(userData).toContain(`AO_ENV=${env}`);
      expect(userData).toContain(`SSM_PARAMETER_PATH=/agent-orchestrator-api/${env}`);
      expect(userData).toMatch(/API_IMAGE_REPOSITORY=\$\{[^}]+\}\.dkr\.ecr\.\$\{[^}]+\}\.\$\{AWS::URLSuffix\}\/\$\{RegistryApi\w+\}\n/);
      expect(userData).toMatch(/WORKER_IMAGE_REPOSITORY=\$\{[^}]+\}\.dkr\.ecr\.\$\{[^}]+\}\.\$\{AWS::URLSuffix\}\/\$\{RegistryWorker\w+\}\n/);
      expect(userData).toContain('WORKER_LOG_GROUP=/agent-orchestrator/worker');
      expect(userData).not.toMatch(/OPENAI_API_KEY|TAVILY_API_KEY|MONGO_URI|METRICS_TOKEN/);
    });

    it("launch template: the app's instance type, AL2023 image, IMDSv2, encrypted gp3 root volume, the app's security group, instance profile", () => {
      expect(props.LaunchTemplateName).toBe(`agent-orchestrator-${env}-${app}`);
      const sizes = { dev: { api: 't3.small', worker: 't3.small' }, prod: { api: 't3.medium', worker: 't3.medium' } };
      expect(data).toMatchObject({
        InstanceType: sizes[env][app],
        ImageId: { Ref: expect.stringMatching(/^SsmParameterValueawsserviceamiamazonlinuxlatestal2023/) },
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 },
        Monitoring: { Enabled: true },
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeType: 'gp3', DeleteOnTermination: true } }],
        SecurityGroupIds: [{ 'Fn::GetAtt': [stack.getLogicalId(stack.securityGroups[app].node.defaultChild as never), 'GroupId'] }],
        IamInstanceProfile: { Arn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] } },
      });
      if (env === 'prod') expect(data.KeyName).toBe('agent-orchestrator-prod');
      else expect(data.KeyName).toBeUndefined();
      template.hasResourceProperties('AWS::IAM::InstanceProfile', { Roles: [{ Ref: stack.getLogicalId(stack.compute.role.node.defaultChild as never) }] });
    });

    it(`auto scaling group agent-orchestrator-${env}-${app}: its launch template, both public subnets, sized from the config, ${app === 'api' ? 'ELB' : 'EC2'} health checks`, () => {
      const groupId = stack.getLogicalId(stack.compute.autoScalingGroups[app].node.defaultChild as never);
      const group = template.findResources('AWS::AutoScaling::AutoScalingGroup')[groupId];
      const bounds = { dev: { api: ['1', '2'], worker: ['1', '2'] }, prod: { api: ['2', '4'], worker: ['2', '6'] } }[env][app];
      expect(group.Properties).toMatchObject({
        AutoScalingGroupName: `agent-orchestrator-${env}-${app}`,
        MinSize: bounds[0],
        MaxSize: bounds[1],
        LaunchTemplate: { LaunchTemplateId: { Ref: id } },
        HealthCheckType: app === 'api' ? 'ELB' : 'EC2',
        HealthCheckGracePeriod: 600,
        DefaultInstanceWarmup: 300,
      });
      const zones = group.Properties.VPCZoneIdentifier as { Ref: string }[];
      expect(zones).toHaveLength(2);
      for (const z of zones) expect(z.Ref).toMatch(/publicSubnet/);
      expect(group.UpdatePolicy).toMatchObject({ AutoScalingRollingUpdate: { MaxBatchSize: 1 } });
      if (app === 'api') expect(group.Properties.TargetGroupARNs).toEqual([{ Ref: stack.getLogicalId(stack.loadBalancer.targetGroup.node.defaultChild as never) }]);
      else expect(group.Properties.TargetGroupARNs).toBeUndefined();
    });
  });
});

describe.each(['dev', 'prod'] as const)('IAM least privilege (%s)', (env) => {
  const { template, stack } = synth(env);
  const instanceRoleId = stack.getLogicalId(stack.compute.role.node.defaultChild as never);
  const statements = statementsOfRole(template, instanceRoleId);
  const bySid = (sid: string): PolicyStatementJson => {
    const s = statements.find((x) => x.Sid === sid);
    if (!s) throw new Error(`no statement ${sid}`);
    return s;
  };
  const text = (v: unknown) => JSON.stringify(v);
  const repoIds = [stack.registry.repositories.api, stack.registry.repositories.worker].map((r) => stack.getLogicalId(r.node.defaultChild as never));

  it('no policy in the stack allows a wildcard action', () => {
    const all = resourcesOf(template, 'AWS::IAM::Policy').flatMap(([, r]) => (r.Properties.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement);
    expect(all.length).toBeGreaterThan(0);
    for (const s of all) for (const action of asList(s.Action)) expect(action).not.toMatch(/\*/);
    for (const [, r] of resourcesOf(template, 'AWS::IAM::Role')) expect(r.Properties.Policies).toBeUndefined();
  });

  it('the instance role has exactly the expected statements, all Allow', () => {
    expect(statements.map((s) => s.Sid).sort()).toEqual(['CodeDeployAgentAndRevisions', 'EcrLogin', 'EcrPull', 'KmsDecryptAppSecrets', 'LogsWrite', 'MetricsPut', 'SsmReadAppConfig']);
    for (const s of statements) expect(s.Effect).toBe('Allow');
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: `agent-orchestrator-${env}-instance`,
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })] },
    });
    const role = template.findResources('AWS::IAM::Role')[instanceRoleId];
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('Resource "*" only where IAM has no resource-level permissions, and PutMetricData limited by namespace', () => {
    const wildcard = statements.filter((s) => asList(s.Resource as string | string[]).includes('*'));
    expect(wildcard.map((s) => s.Sid).sort()).toEqual(['EcrLogin', 'MetricsPut']);
    expect(bySid('EcrLogin').Action).toBe('ecr:GetAuthorizationToken');
    expect(bySid('MetricsPut')).toMatchObject({ Action: 'cloudwatch:PutMetricData', Condition: { StringEquals: { 'cloudwatch:namespace': ['AgentOrchestrator', 'CWAgent'] } } });
  });

  it('ECR: pull only, only from the two app repositories', () => {
    const s = bySid('EcrPull');
    expect(asList(s.Action).sort()).toEqual(['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']);
    expect(s.Resource).toEqual(repoIds.map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] })));
  });

  it(`SSM: read only, only under /agent-orchestrator-api/${env}`, () => {
    const s = bySid('SsmReadAppConfig');
    expect(asList(s.Action).sort()).toEqual(['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath']);
    const resources = asList(s.Resource).map(text);
    expect(resources).toHaveLength(2);
    expect(resources[0]).toContain(`:parameter/agent-orchestrator-api/${env}"`);
    expect(resources[1]).toContain(`:parameter/agent-orchestrator-api/${env}/*"`);
  });

  it('KMS: decrypt only, only the SSM key, only through SSM', () => {
    const s = bySid('KmsDecryptAppSecrets');
    expect(s.Action).toBe('kms:Decrypt');
    expect(s.Resource).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(stack.parameters.key.node.defaultChild as never), 'Arn'] });
    expect(text(s.Condition)).toContain('kms:ViaService');
  });

  it('Logs: write streams only, only to the app and deploy log groups', () => {
    const s = bySid('LogsWrite');
    expect(asList(s.Action).sort()).toEqual(['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents']);
    const ids = [stack.logGroups.api, stack.logGroups.worker, stack.logGroups.deploy].map((g) => stack.getLogicalId(g.node.defaultChild as never));
    expect(s.Resource).toEqual(ids.map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] })));
  });

  it('S3: read objects of the CodeDeploy agent bucket and the revisions bucket only', () => {
    const s = bySid('CodeDeployAgentAndRevisions');
    expect(asList(s.Action).sort()).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
    const resources = asList(s.Resource).map(text);
    expect(resources[0]).toContain('s3:::aws-codedeploy-');
    expect(resources[0]).toMatch(/\/\*"\]\]\}$/);
    expect(resources[1]).toContain(stack.getLogicalId(stack.artifacts.bucket.node.defaultChild as never));
  });

  it('CodeDeploy service roles may pass only the instance role, only to EC2', () => {
    for (const group of [stack.deployment.groups.api, stack.deployment.groups.worker]) {
      const roleId = stack.getLogicalId(group.role!.node.defaultChild as never);
      const pass = statementsOfRole(template, roleId).find((x) => x.Sid === 'PassInstanceRole')!;
      expect(pass).toMatchObject({ Action: 'iam:PassRole', Resource: { 'Fn::GetAtt': [instanceRoleId, 'Arn'] }, Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } } });
    }
  });
});
