import { Match } from 'aws-cdk-lib/assertions';
import { TEST_ALARM_EMAIL, onlyResource, renderText, resourcesOf, synth } from './testing/stacks';

describe.each(['dev', 'prod'] as const)('log groups (%s)', (env) => {
  const { template, stack } = synth(env);

  it('the api, worker, deploy and flow-log groups with the configured retention, KMS-encrypted', () => {
    template.resourceCountIs('AWS::Logs::LogGroup', 4);
    const keyArn = { 'Fn::GetAtt': [stack.getLogicalId(stack.logGroups.key.node.defaultChild as never), 'Arn'] };
    for (const name of ['/agent-orchestrator/api', '/agent-orchestrator/worker', '/agent-orchestrator/deploy', `/agent-orchestrator/vpc-flow-logs/${env}`]) {
      template.hasResource('AWS::Logs::LogGroup', {
        Properties: { LogGroupName: name, RetentionInDays: env === 'dev' ? 14 : 90, KmsKeyId: keyArn },
        DeletionPolicy: env === 'prod' ? 'Retain' : 'Delete',
      });
    }
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'AllowCloudWatchLogsForThisAccountsLogGroups', Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } })]) },
    });
  });
});

describe.each(['dev', 'prod'] as const)('metrics from the JSON logs (%s)', (env) => {
  const { template, stack } = synth(env);
  const apiGroup = { Ref: stack.getLogicalId(stack.logGroups.api.node.defaultChild as never) };
  const workerGroup = { Ref: stack.getLogicalId(stack.logGroups.worker.node.defaultChild as never) };
  const filter = (metricName: string) => {
    const found = resourcesOf(template, 'AWS::Logs::MetricFilter').filter(([, r]) => (r.Properties.MetricTransformations as { MetricName: string }[])[0].MetricName === metricName);
    expect(found).toHaveLength(1);
    const p = found[0][1].Properties;
    return { ...p, transformation: (p.MetricTransformations as Record<string, unknown>[])[0] };
  };

  it('API requests, 5xx and latency from the request log line (status_code, duration_ms)', () => {
    const requests = filter('ApiRequests');
    expect(requests).toMatchObject({ LogGroupName: apiGroup, FilterPattern: '{ ($.service = "api") && ($.status_code >= 100) }' });
    expect(requests.transformation).toMatchObject({ MetricNamespace: 'AgentOrchestrator', MetricValue: '1', DefaultValue: 0, Unit: 'Count' });
    const errors = filter('Api5xxErrors');
    expect(errors).toMatchObject({ LogGroupName: apiGroup, FilterPattern: '{ ($.service = "api") && ($.status_code >= 500) }' });
    expect(errors.transformation).toMatchObject({ MetricValue: '1', DefaultValue: 0 });
    const latency = filter('ApiLatencyMs');
    expect(latency).toMatchObject({ LogGroupName: apiGroup, FilterPattern: '{ ($.service = "api") && ($.status_code >= 100) && ($.duration_ms >= 0) }' });
    expect(latency.transformation).toMatchObject({ MetricValue: '$.duration_ms', Unit: 'Milliseconds' });
  });

  it('task latency and outcomes from the worker "task completed" / "task failed" lines', () => {
    const latency = filter('TaskLatencyMs');
    expect(latency).toMatchObject({ LogGroupName: workerGroup, FilterPattern: '{ ($.service = "worker") && ($.message = "task completed") && ($.latency_ms >= 0) }' });
    expect(latency.transformation).toMatchObject({ MetricNamespace: 'AgentOrchestrator', MetricValue: '$.latency_ms', Unit: 'Milliseconds' });
    expect(latency.transformation.DefaultValue).toBeUndefined();
    expect(filter('TasksCompleted')).toMatchObject({ LogGroupName: workerGroup, FilterPattern: '{ ($.service = "worker") && ($.message = "task completed") }' });
    expect(filter('TasksFailed')).toMatchObject({ LogGroupName: workerGroup, FilterPattern: '{ ($.service = "worker") && ($.message = "task failed") }' });
  });

  it('QueueWaiting from the worker "queue depth" line (queue_waiting), with the Environment dimension the alarm reads', () => {
    const waiting = filter('QueueWaiting');
    expect(waiting).toMatchObject({ LogGroupName: workerGroup, FilterPattern: '{ ($.service = "worker") && ($.message = "queue depth") && ($.queue_waiting >= 0) }' });
    expect(waiting.transformation).toMatchObject({ MetricNamespace: 'AgentOrchestrator', MetricValue: '$.queue_waiting', Unit: 'Count', Dimensions: [{ Key: 'Environment', Value: '$.environment' }] });
    // CloudWatch refuses a default value on a filter with dimensions.
    expect(waiting.transformation.DefaultValue).toBeUndefined();
  });
});

describe.each(['dev', 'prod'] as const)('alarms and notifications (%s)', (env) => {
  const { template, stack } = synth(env);
  const topicRef = { Ref: stack.getLogicalId(stack.monitoring.topic.node.defaultChild as never) };
  const t = stack.config.alarms;
  const alarm = (name: string) => {
    const found = resourcesOf(template, 'AWS::CloudWatch::Alarm').find(([, r]) => r.Properties.AlarmName === `AgentOrchestrator-${env}-${name}`);
    if (!found) throw new Error(`no alarm ${name}`);
    return found[1].Properties;
  };

  it('four alarms, each notifying the topic on ALARM and OK', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    for (const [, r] of resourcesOf(template, 'AWS::CloudWatch::Alarm')) {
      expect(r.Properties.AlarmActions).toEqual([topicRef]);
      expect(r.Properties.OKActions).toEqual([topicRef]);
      expect(r.Properties.AlarmDescription).toMatch(/Runbook: docs\/operational-runbook\.md#alarm-/);
    }
  });

  it('EC2 CPU high: the busier of the api and worker groups (average CPU of each)', () => {
    const a = alarm('ec2-cpu-high');
    const queries = a.Metrics as { Id: string; Expression?: string; ReturnData?: boolean; MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: unknown[] }; Stat: string; Period: number } }[];
    expect(queries.find((q) => q.Expression)).toMatchObject({ Expression: 'MAX([apiCpu, workerCpu])' });
    for (const app of ['api', 'worker'] as const) {
      expect(queries.find((q) => q.Id === `${app}Cpu`)!.MetricStat).toEqual({
        Metric: { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'AutoScalingGroupName', Value: { Ref: stack.getLogicalId(stack.compute.autoScalingGroups[app].node.defaultChild as never) } }] },
        Stat: 'Average',
        Period: 300,
      });
    }
    expect(a).toMatchObject({
      Threshold: t.cpuHighPercent,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
    });
  });

  it('API 5xx error rate: 100 * Api5xxErrors / ApiRequests over 5 minutes, ignoring quiet periods', () => {
    const a = alarm('api-5xx-rate');
    expect(a).toMatchObject({ Threshold: t.api5xxRatePercent, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 2, DatapointsToAlarm: 2, TreatMissingData: 'notBreaching' });
    const metrics = a.Metrics as { Id: string; Expression?: string; ReturnData?: boolean; MetricStat?: { Metric: { Namespace: string; MetricName: string }; Stat: string; Period: number } }[];
    const expr = metrics.find((m) => m.Expression)!;
    expect(expr.Expression).toBe(`IF(requests >= ${t.api5xxMinRequests}, 100 * errors / requests, 0)`);
    expect(metrics.filter((m) => m.MetricStat).map((m) => ({ id: m.Id, name: m.MetricStat!.Metric.MetricName, ns: m.MetricStat!.Metric.Namespace, stat: m.MetricStat!.Stat, period: m.MetricStat!.Period }))).toEqual(
      expect.arrayContaining([
        { id: 'requests', name: 'ApiRequests', ns: 'AgentOrchestrator', stat: 'Sum', period: 300 },
        { id: 'errors', name: 'Api5xxErrors', ns: 'AgentOrchestrator', stat: 'Sum', period: 300 },
      ]),
    );
  });

  it('task p95 latency: TaskLatencyMs p95 over three 5-minute periods', () => {
    expect(alarm('task-latency-p95')).toMatchObject({
      Namespace: 'AgentOrchestrator',
      MetricName: 'TaskLatencyMs',
      ExtendedStatistic: 'p95',
      Period: 300,
      Threshold: t.taskLatencyP95Ms,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
    });
  });

  it('queue backlog: QueueWaiting above N for M consecutive minutes', () => {
    expect(alarm('queue-backlog')).toMatchObject({
      Namespace: 'AgentOrchestrator',
      MetricName: 'QueueWaiting',
      Dimensions: [{ Name: 'Environment', Value: env }],
      Statistic: 'Maximum',
      Period: 60,
      Threshold: t.queueBacklogThreshold,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: t.queueBacklogMinutes,
      DatapointsToAlarm: t.queueBacklogMinutes,
    });
  });

  it('an encrypted, TLS-only SNS topic CloudWatch can publish to', () => {
    const topic = onlyResource(template, 'AWS::SNS::Topic');
    const keyId = stack.getLogicalId(stack.monitoring.topicKey.node.defaultChild as never);
    expect(topic.props).toMatchObject({ TopicName: `agent-orchestrator-${env}-alarms`, KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    const key = template.findResources('AWS::KMS::Key')[keyId].Properties;
    expect(key.EnableKeyRotation).toBe(true);
    expect(JSON.stringify(key.KeyPolicy)).toContain('cloudwatch.amazonaws.com');
    if (env === 'prod') template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: TEST_ALARM_EMAIL, TopicArn: topicRef });
    else template.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

describe.each(['dev', 'prod'] as const)('dashboard and outputs (%s)', (env) => {
  const { template } = synth(env);

  it(`dashboard AgentOrchestrator-${env} with EC2, API, task, queue and Valkey widgets`, () => {
    const dashboard = onlyResource(template, 'AWS::CloudWatch::Dashboard');
    expect(dashboard.props.DashboardName).toBe(`AgentOrchestrator-${env}`);
    const body = renderText(dashboard.props.DashboardBody);
    for (const title of ['Alarms', 'EC2 CPU by group (%)', 'Load balancer requests and errors', 'api targets: healthy / unhealthy, response time (s)', 'Worker backlog per instance (scaling metric)', 'EC2 network (bytes)', 'EC2 memory and disk (%)', 'API requests and 5xx', 'API latency (ms)', 'Queue waiting (agent_tasks)', 'Tasks completed / failed', 'Task latency (ms)', 'Valkey engine CPU (%)', 'Valkey memory used (%)']) {
      expect(body).toContain(`"title":"${title}"`);
    }
    for (const metric of ['HealthyHostCount', 'UnHealthyHostCount', 'TargetResponseTime', 'HTTPCode_Target_5XX_Count', 'RequestCount', 'GroupInServiceInstances', 'CPUUtilization', 'ApiRequests', 'Api5xxErrors', 'ApiLatencyMs', 'TaskLatencyMs', 'QueueWaiting', 'EngineCPUUtilization', 'DatabaseMemoryUsagePercentage']) expect(body).toContain(`"${metric}"`);
    expect(body).toContain(`"CacheClusterId","agent-orchestrator-${env}-001"`);
    if (env === 'prod') expect(body).toContain('"CacheClusterId","agent-orchestrator-prod-002"');
  });

  it('outputs the repository URIs, Redis endpoint, SSM path, CodeDeploy names and dashboard name', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown; Export: { Name: string } }>;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['ApiRepositoryUri', 'WorkerRepositoryUri', 'RedisEndpoint', 'SsmParameterPath', 'SsmKmsKeyAlias', 'CodeDeployApplication', 'ApiDeploymentGroup', 'WorkerDeploymentGroup', 'DashboardName', 'DeploymentBucketName', 'AlarmTopicArn', 'LoadBalancerDnsName', 'ApiAutoScalingGroupName', 'WorkerAutoScalingGroupName', 'MetricsScraperSecurityGroupId']),
    );
    expect(outputs.SsmParameterPath.Value).toBe(`/agent-orchestrator-api/${env}`);
    expect(outputs.DashboardName.Value).toBe(`AgentOrchestrator-${env}`);
    expect(outputs.AutoScalingGroupName).toBeUndefined();
    expect(outputs.LoadBalancerDnsName.Value).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^LoadBalancerAlb/), 'DNSName'] });
    expect(renderText(outputs.ApiRepositoryUri.Value)).toMatch(/\.dkr\.ecr\./);
    expect(renderText(outputs.RedisEndpoint.Value)).toMatch(/PrimaryEndPoint\.Address\}:\$\{\w+\.PrimaryEndPoint\.Port\}$/);
    expect(outputs.ApiRepositoryUri.Export.Name).toBe(`AgentOrchestrator-${env}-ApiRepositoryUri`);
    if (env === 'prod') expect(Object.keys(outputs)).toContain('GithubDeployRoleArn');
  });
});
