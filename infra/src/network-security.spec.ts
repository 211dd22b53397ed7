import { Match } from 'aws-cdk-lib/assertions';
import { TEST_ADMIN_CIDR, onlyResource, resourcesOf, synth } from './testing/stacks';

describe.each(['dev', 'prod'] as const)('network (%s)', (env) => {
  const { template } = synth(env);
  const natOn = env === 'prod';

  it('creates one VPC with DNS, in two AZs with a public and a private /24 each', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.hasResourceProperties('AWS::EC2::VPC', {
      CidrBlock: env === 'dev' ? '10.0.0.0/16' : '10.1.0.0/16',
      EnableDnsHostnames: true,
      EnableDnsSupport: true,
      Tags: Match.arrayWith([{ Key: 'Name', Value: `agent-orchestrator-vpc-${env}` }]),
    });
    const subnets = resourcesOf(template, 'AWS::EC2::Subnet').map(([, r]) => r.Properties);
    expect(subnets).toHaveLength(4);
    const az = (s: Record<string, unknown>) => JSON.stringify(s.AvailabilityZone);
    const isPublic = (s: Record<string, unknown>) => s.MapPublicIpOnLaunch === true;
    const publicSubnets = subnets.filter(isPublic);
    const privateSubnets = subnets.filter((s) => !isPublic(s));
    expect(publicSubnets).toHaveLength(2);
    expect(privateSubnets).toHaveLength(2);
    expect(new Set(publicSubnets.map(az)).size).toBe(2);
    expect(new Set(privateSubnets.map(az)).size).toBe(2);
    for (const s of subnets) expect(s.CidrBlock).toMatch(/\/24$/);
  });

  it('attaches an internet gateway and routes the public route tables to it', () => {
    template.resourceCountIs('AWS::EC2::InternetGateway', 1);
    template.resourceCountIs('AWS::EC2::VPCGatewayAttachment', 1);
    template.resourceCountIs('AWS::EC2::RouteTable', 4);
    template.resourceCountIs('AWS::EC2::SubnetRouteTableAssociation', 4);
    const igwRoutes = resourcesOf(template, 'AWS::EC2::Route').filter(([, r]) => r.Properties.GatewayId !== undefined);
    expect(igwRoutes).toHaveLength(2);
    for (const [, r] of igwRoutes) expect(r.Properties).toMatchObject({ DestinationCidrBlock: '0.0.0.0/0', GatewayId: { Ref: expect.stringMatching(/IGW/) } });
  });

  it(`${natOn ? 'routes the private subnets through one NAT gateway' : 'has no NAT gateway and isolated private subnets'}`, () => {
    template.resourceCountIs('AWS::EC2::NatGateway', natOn ? 1 : 0);
    template.resourceCountIs('AWS::EC2::EIP', natOn ? 1 : 0);
    const natRoutes = resourcesOf(template, 'AWS::EC2::Route').filter(([, r]) => r.Properties.NatGatewayId !== undefined);
    expect(natRoutes).toHaveLength(natOn ? 2 : 0);
    for (const [, r] of natRoutes) expect(r.Properties.DestinationCidrBlock).toBe('0.0.0.0/0');
    if (natOn) {
      // The NAT gateway sits in a public subnet.
      const nat = onlyResource(template, 'AWS::EC2::NatGateway');
      expect(JSON.stringify(nat.props.SubnetId)).toMatch(/publicSubnet/);
    }
  });

  it('logs VPC flows to CloudWatch Logs', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: env === 'prod' ? 'ALL' : 'REJECT', LogDestinationType: 'cloud-watch-logs' });
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: `/agent-orchestrator/vpc-flow-logs/${env}` });
  });
});

describe.each(['dev', 'prod'] as const)('security groups (%s)', (env) => {
  const { template, stack } = synth(env);
  const idOf = (g: { node: { defaultChild?: unknown } }) => stack.getLogicalId(g.node.defaultChild as never);
  const sg = stack.securityGroups;
  const ids = { alb: idOf(sg.alb), api: idOf(sg.api), worker: idOf(sg.worker), scraper: idOf(sg.metricsScraper), redis: idOf(sg.redis) };
  const groups = template.findResources('AWS::EC2::SecurityGroup');
  const gid = (id: string) => ({ 'Fn::GetAtt': [id, 'GroupId'] });
  type Rule = { IpProtocol: unknown; FromPort: unknown; ToPort: unknown; CidrIp?: unknown; Source?: unknown };
  const inlineIngress = (id: string): Rule[] =>
    ((groups[id].Properties.SecurityGroupIngress as Record<string, unknown>[] | undefined) ?? []).map((r) => ({ IpProtocol: r.IpProtocol, FromPort: r.FromPort, ToPort: r.ToPort, CidrIp: r.CidrIp }));
  /** Group-to-group rules (separate resources), as { to, from, port }. */
  const crossIngress = resourcesOf(template, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => r.Properties);
  const crossEgress = resourcesOf(template, 'AWS::EC2::SecurityGroupEgress').map(([, r]) => r.Properties);
  const ingressInto = (id: string) => crossIngress.filter((p) => JSON.stringify(p.GroupId) === JSON.stringify(gid(id)));

  it('creates exactly the load balancer, api, worker, metrics-scraper and Redis groups', () => {
    template.resourceCountIs('AWS::EC2::SecurityGroup', 5);
    expect(groups[ids.alb].Properties.GroupName).toBe(`agent-orchestrator-alb-${env}`);
    expect(groups[ids.api].Properties.GroupName).toBe(`agent-orchestrator-api-${env}`);
    expect(groups[ids.worker].Properties.GroupName).toBe(`agent-orchestrator-worker-${env}`);
    expect(groups[ids.scraper].Properties.GroupName).toBe(`agent-orchestrator-metrics-scraper-${env}`);
    expect(groups[ids.redis].Properties.GroupName).toBe(`agent-orchestrator-redis-${env}`);
  });

  it('load balancer: HTTPS 443 and HTTP 80 from the allowed sources only; out only to the api port of the api group', () => {
    expect(inlineIngress(ids.alb)).toEqual(
      expect.arrayContaining([
        { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' },
        { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, CidrIp: '0.0.0.0/0' },
      ]),
    );
    expect(inlineIngress(ids.alb)).toHaveLength(2);
    expect(ingressInto(ids.alb)).toEqual([]);
    // No inline egress: CloudFormation drops the default allow-all rule once a group has an egress rule of its own, here
    // the separate rule to the api instances (CDK removes its "no traffic" marker for the same reason).
    expect(groups[ids.alb].Properties.SecurityGroupEgress).toBeUndefined();
    expect(crossEgress.filter((p) => JSON.stringify(p.GroupId) === JSON.stringify(gid(ids.alb)))).toEqual([
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, DestinationSecurityGroupId: gid(ids.api) }),
    ]);
  });

  it('api instances: port 80 only from the load balancer and the metrics scraper, SSH only from the admin CIDR, nothing from the internet', () => {
    expect(inlineIngress(ids.api)).toEqual([{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: TEST_ADMIN_CIDR }]);
    const sources = ingressInto(ids.api).map((p) => ({ port: p.FromPort, to: p.ToPort, from: p.SourceSecurityGroupId, cidr: p.CidrIp }));
    expect(sources).toEqual(
      expect.arrayContaining([
        { port: 80, to: 80, from: gid(ids.alb), cidr: undefined },
        { port: 80, to: 80, from: gid(ids.scraper), cidr: undefined },
      ]),
    );
    expect(sources).toHaveLength(2);
    expect(groups[ids.api].Properties.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: '-1' })]);
  });

  it('worker instances: no HTTP at all; the metrics port 9464 only from the metrics scraper; SSH only from the admin CIDR', () => {
    expect(inlineIngress(ids.worker)).toEqual([{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: TEST_ADMIN_CIDR }]);
    expect(ingressInto(ids.worker).map((p) => ({ port: p.FromPort, to: p.ToPort, from: p.SourceSecurityGroupId }))).toEqual([{ port: 9464, to: 9464, from: gid(ids.scraper) }]);
  });

  it('metrics scraper: nothing in; out only to the api port and the worker metrics port', () => {
    expect(groups[ids.scraper].Properties.SecurityGroupIngress).toBeUndefined();
    expect(groups[ids.scraper].Properties.SecurityGroupEgress).toBeUndefined();
    expect(ingressInto(ids.scraper)).toEqual([]);
    const out = crossEgress.filter((p) => JSON.stringify(p.GroupId) === JSON.stringify(gid(ids.scraper))).map((p) => ({ port: p.FromPort, to: p.DestinationSecurityGroupId }));
    expect(out).toEqual(expect.arrayContaining([{ port: 80, to: gid(ids.api) }, { port: 9464, to: gid(ids.worker) }]));
    expect(out).toHaveLength(2);
  });

  it('no rule anywhere opens SSH to anything but the admin CIDR, and only the load balancer takes traffic from a CIDR besides SSH', () => {
    for (const [id, group] of Object.entries(groups)) {
      for (const r of (group.Properties.SecurityGroupIngress as Record<string, unknown>[] | undefined) ?? []) {
        if (r.FromPort === 22) expect(r.CidrIp).toBe(TEST_ADMIN_CIDR);
        else expect(id).toBe(ids.alb);
      }
    }
    for (const p of crossIngress) {
      expect(p.FromPort).not.toBe(22);
      expect(p.CidrIp).toBeUndefined();
    }
  });

  it('Redis group: TCP 6379 only from the api and worker groups, no CIDR source, no open egress', () => {
    expect(groups[ids.redis].Properties.SecurityGroupIngress).toBeUndefined();
    const ingress = ingressInto(ids.redis);
    expect(ingress).toHaveLength(2);
    for (const [i, from] of [ids.api, ids.worker].entries()) {
      expect(ingress[i]).toEqual({ IpProtocol: 'tcp', FromPort: 6379, ToPort: 6379, GroupId: gid(ids.redis), SourceSecurityGroupId: gid(from), Description: expect.any(String) });
    }
    const egress = groups[ids.redis].Properties.SecurityGroupEgress as Record<string, unknown>[];
    // CDK's "allow nothing" marker rule: ICMP type 252 code 86 to 255.255.255.255/32.
    expect(egress).toEqual([expect.objectContaining({ CidrIp: '255.255.255.255/32', IpProtocol: 'icmp' })]);
  });
});
