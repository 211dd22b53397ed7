import { resourcesOf, synth } from './testing/stacks';

describe.each(['dev', 'prod'] as const)('scaling (%s)', (env) => {
  const { template, stack } = synth(env);
  const idOf = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
  const asgRef = (app: 'api' | 'worker') => ({ Ref: idOf(stack.compute.autoScalingGroups[app]) });
  const policies = resourcesOf(template, 'AWS::AutoScaling::ScalingPolicy').map(([, r]) => r.Properties);
  const of = (app: 'api' | 'worker') => policies.filter((p) => JSON.stringify(p.AutoScalingGroupName) === JSON.stringify(asgRef(app)));
  const s = stack.config.scaling;

  it('three target-tracking policies: two on the api group, one on the worker group', () => {
    expect(policies).toHaveLength(3);
    for (const p of policies) expect(p).toMatchObject({ PolicyType: 'TargetTrackingScaling', EstimatedInstanceWarmup: 300 });
    expect(of('api')).toHaveLength(2);
    expect(of('worker')).toHaveLength(1);
  });

  it('api: average CPU of its group and ALB requests per target, on its own target group', () => {
    const configs = of('api').map((p) => p.TargetTrackingConfiguration as Record<string, { PredefinedMetricType?: string; ResourceLabel?: unknown }>);
    const cpu = configs.find((c) => c.PredefinedMetricSpecification?.PredefinedMetricType === 'ASGAverageCPUUtilization')!;
    expect(cpu).toMatchObject({ TargetValue: s.apiCpuTargetPercent });
    const requests = configs.find((c) => c.PredefinedMetricSpecification?.PredefinedMetricType === 'ALBRequestCountPerTarget')!;
    expect(requests).toMatchObject({ TargetValue: env === 'prod' ? 1200 : 600 });
    expect(JSON.stringify(requests.PredefinedMetricSpecification.ResourceLabel)).toContain(idOf(stack.loadBalancer.targetGroup));
  });

  it('worker: backlog per instance = QueueWaiting (Maximum, this environment) / in-service instances of the worker group', () => {
    const [policy] = of('worker');
    const config = policy.TargetTrackingConfiguration as { TargetValue: number; CustomizedMetricSpecification: { Metrics: Record<string, unknown>[] } };
    expect(config.TargetValue).toBe(env === 'prod' ? 20 : 10);
    const metrics = config.CustomizedMetricSpecification.Metrics;
    expect(metrics).toEqual([
      {
        Id: 'waiting',
        Label: expect.any(String),
        MetricStat: { Metric: { Namespace: 'AgentOrchestrator', MetricName: 'QueueWaiting', Dimensions: [{ Name: 'Environment', Value: env }] }, Stat: 'Maximum' },
        ReturnData: false,
      },
      {
        Id: 'instances',
        Label: expect.any(String),
        MetricStat: { Metric: { Namespace: 'AWS/AutoScaling', MetricName: 'GroupInServiceInstances', Dimensions: [{ Name: 'AutoScalingGroupName', Value: asgRef('worker') }] }, Stat: 'Average' },
        ReturnData: false,
      },
      { Id: 'backlog', Label: expect.any(String), Expression: 'waiting / instances', ReturnData: true },
    ]);
  });

  it('the queue metric the worker policy reads is the one the worker log filter publishes, and group metrics are on', () => {
    const filter = resourcesOf(template, 'AWS::Logs::MetricFilter').find(([, r]) => JSON.stringify(r.Properties).includes('"QueueWaiting"'))!;
    expect(filter[1].Properties.MetricTransformations).toEqual([expect.objectContaining({ MetricNamespace: 'AgentOrchestrator', MetricName: 'QueueWaiting', Dimensions: [{ Key: 'Environment', Value: '$.environment' }] })]);
    for (const app of ['api', 'worker'] as const) {
      const group = template.findResources('AWS::AutoScaling::AutoScalingGroup')[idOf(stack.compute.autoScalingGroups[app])];
      expect(group.Properties.MetricsCollection).toEqual([{ Granularity: '1Minute' }]);
    }
  });
});
