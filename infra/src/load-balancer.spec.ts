import { RegionInfo } from 'aws-cdk-lib/region-info';
import { METRICS_BLOCKED_BODY } from './constructs/load-balancer';
import { TEST_CERTIFICATE_ARN, onlyResource, resourcesOf, synth } from './testing/stacks';

describe.each(['dev', 'prod'] as const)('load balancer (%s)', (env) => {
  const { template, stack } = synth(env);
  const idOf = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
  const albId = idOf(stack.loadBalancer.alb);
  const tgId = idOf(stack.loadBalancer.targetGroup);
  const listeners = resourcesOf(template, 'AWS::ElasticLoadBalancingV2::Listener').map(([, r]) => r.Properties);
  const https = listeners.find((l) => l.Port === 443)!;
  const http = listeners.find((l) => l.Port === 80)!;

  it('one internet-facing ALB in both public subnets behind its own security group, invalid headers dropped, access logs on', () => {
    const alb = onlyResource(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(alb.props).toMatchObject({
      Name: `agent-orchestrator-${env}`,
      Scheme: 'internet-facing',
      Type: 'application',
      SecurityGroups: [{ 'Fn::GetAtt': [idOf(stack.securityGroups.alb), 'GroupId'] }],
    });
    const subnets = alb.props.Subnets as { Ref: string }[];
    expect(subnets).toHaveLength(2);
    for (const s of subnets) expect(s.Ref).toMatch(/publicSubnet/);
    const attributes = Object.fromEntries((alb.props.LoadBalancerAttributes as { Key: string; Value: unknown }[]).map((a) => [a.Key, a.Value]));
    expect(attributes).toMatchObject({
      'routing.http.drop_invalid_header_fields.enabled': 'true',
      'idle_timeout.timeout_seconds': '120',
      'access_logs.s3.enabled': 'true',
      'access_logs.s3.bucket': { Ref: idOf(stack.loadBalancer.accessLogs) },
      'access_logs.s3.prefix': 'alb',
      'deletion_protection.enabled': env === 'prod' ? 'true' : 'false',
    });
  });

  it('exactly two listeners: HTTPS 443 with a TLS 1.2+ policy, HTTP 80 that only redirects to HTTPS', () => {
    expect(listeners).toHaveLength(2);
    expect(https).toMatchObject({ Protocol: 'HTTPS', SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06', DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: tgId } }], LoadBalancerArn: { Ref: albId } });
    expect(http).toMatchObject({ Protocol: 'HTTP', DefaultActions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }], LoadBalancerArn: { Ref: albId } });
    expect(http.Certificates).toBeUndefined();
  });

  if (env === 'prod') {
    it('the HTTPS certificate is the ARN given at synth (certificateArn context / AO_CERTIFICATE_ARN)', () => {
      expect(https.Certificates).toEqual([{ CertificateArn: TEST_CERTIFICATE_ARN }]);
      expect(Object.keys(template.toJSON().Parameters ?? {}).some((p) => p.includes('albcertificatearn'))).toBe(false);
    });
  } else {
    it('without a certificate ARN at synth, the HTTPS certificate is read from SSM /agent-orchestrator/dev/alb-certificate-arn at deploy time', () => {
      const params = template.toJSON().Parameters as Record<string, { Type: string; Default: string }>;
      const [name, param] = Object.entries(params).find(([, p]) => p.Default === '/agent-orchestrator/dev/alb-certificate-arn')!;
      expect(param.Type).toBe('AWS::SSM::Parameter::Value<String>');
      expect(https.Certificates).toEqual([{ CertificateArn: { Ref: name } }]);
    });
  }

  it('/metrics never leaves the VPC through it: a rule answers 404 (JSON error shape) before the api sees the request', () => {
    const rule = onlyResource(template, 'AWS::ElasticLoadBalancingV2::ListenerRule');
    expect(rule.props).toMatchObject({
      ListenerArn: { Ref: expect.stringMatching(/Https/) },
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/metrics', '/metrics/*'] } }],
      Actions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', ContentType: 'application/json', MessageBody: METRICS_BLOCKED_BODY } }],
    });
    expect(JSON.parse(METRICS_BLOCKED_BODY)).toMatchObject({ error: { type: 'NOT_FOUND', message: expect.any(String) } });
    expect(METRICS_BLOCKED_BODY.length).toBeLessThanOrEqual(1024);
  });

  it('target group: HTTP to the api instances on port 80 inside the VPC, health check GET /readyz expecting 200', () => {
    const tg = onlyResource(template, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    expect(tg.props).toMatchObject({
      Protocol: 'HTTP',
      Port: 80,
      TargetType: 'instance',
      HealthCheckPath: '/readyz',
      HealthCheckProtocol: 'HTTP',
      Matcher: { HttpCode: '200' },
      HealthCheckIntervalSeconds: 15,
      HealthyThresholdCount: 2,
      UnhealthyThresholdCount: 3,
      TargetGroupAttributes: expect.arrayContaining([{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }]),
    });
  });

  it('access logs: a private, versioned, SSE-S3, retained bucket, TLS only, writable by ELB log delivery under alb/AWSLogs/<account>/ only', () => {
    const bucketId = idOf(stack.loadBalancer.accessLogs);
    const bucket = template.findResources('AWS::S3::Bucket')[bucketId];
    expect(bucket).toMatchObject({ DeletionPolicy: 'Retain' });
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LifecycleConfiguration: { Rules: [expect.objectContaining({ ExpirationInDays: env === 'prod' ? 90 : 30, Status: 'Enabled' })] },
    });
    const policy = resourcesOf(template, 'AWS::S3::BucketPolicy').find(([, r]) => JSON.stringify(r.Properties.Bucket) === JSON.stringify({ Ref: bucketId }))!;
    const statements = (policy[1].Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
    expect(statements[0]).toMatchObject({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    expect(statements[1]).toMatchObject({ Effect: 'Allow', Action: 's3:PutObject', Principal: { Service: 'logdelivery.elasticloadbalancing.amazonaws.com' } });
    expect(JSON.stringify(statements[1].Resource)).toContain('/alb/AWSLogs/');
    // In Regions older than August 2022 the Region's ELB account writes instead: a statement kept only there.
    const legacy = statements[2] as { 'Fn::If': [string, Record<string, unknown>, unknown] };
    expect(legacy['Fn::If'][0]).toMatch(/LegacyElbAccountRegion/);
    expect(legacy['Fn::If'][1]).toMatchObject({ Effect: 'Allow', Action: 's3:PutObject' });
    expect(legacy['Fn::If'][2]).toEqual({ Ref: 'AWS::NoValue' });
    // The ALB is created only once the policy lets it write.
    expect(template.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer')[albId].DependsOn).toContain(policy[0]);
  });

  it("the ELB account mapping matches aws-cdk-lib's Region facts", () => {
    const mappings = template.toJSON().Mappings as Record<string, Record<string, { account: string }>>;
    const [mapping] = Object.values(mappings).filter((m) => 'us-east-1' in m);
    expect(mapping['us-east-1'].account).toBe(RegionInfo.get('us-east-1').elbv2Account);
    expect(mapping['eu-west-1'].account).toBe(RegionInfo.get('eu-west-1').elbv2Account);
    const newer = RegionInfo.regions.find((r) => !r.elbv2Account)!;
    expect(mapping[newer.name].account).toBe('none');
  });
});
