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
  const ec2SgId = stack.getLogicalId(stack.securityGroups.ec2.node.defaultChild as never);
  const redisSgId = stack.getLogicalId(stack.securityGroups.redis.node.defaultChild as never);
  const groups = template.findResources('AWS::EC2::SecurityGroup');

  it('creates exactly the EC2 and Redis groups', () => {
    template.resourceCountIs('AWS::EC2::SecurityGroup', 2);
    expect(groups[ec2SgId].Properties.GroupName).toBe(`agent-orchestrator-ec2-${env}`);
    expect(groups[redisSgId].Properties.GroupName).toBe(`agent-orchestrator-redis-${env}`);
  });

  it('EC2 group: SSH 22 from the admin CIDR only, HTTP 80 and HTTPS 443 from the allowed sources, nothing else', () => {
    const ingress = groups[ec2SgId].Properties.SecurityGroupIngress as Record<string, unknown>[];
    const rules = ingress.map((r) => ({ IpProtocol: r.IpProtocol, FromPort: r.FromPort, ToPort: r.ToPort, CidrIp: r.CidrIp }));
    expect(rules).toEqual(
      expect.arrayContaining([
        { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: TEST_ADMIN_CIDR },
        { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, CidrIp: '0.0.0.0/0' },
        { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' },
      ]),
    );
    expect(rules).toHaveLength(3);
    const ssh = rules.filter((r) => (r.FromPort as number) <= 22 && (r.ToPort as number) >= 22);
    expect(ssh).toEqual([{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: TEST_ADMIN_CIDR }]);
    // No rule anywhere opens 22 (or all ports) to another source.
    for (const [, r] of resourcesOf(template, 'AWS::EC2::SecurityGroupIngress')) expect(r.Properties.FromPort).not.toBe(22);
    expect(groups[ec2SgId].Properties.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: '-1' })]);
  });

  it('Redis group: TCP 6379 only from the EC2 group, no CIDR source, no open egress', () => {
    expect(groups[redisSgId].Properties.SecurityGroupIngress).toBeUndefined();
    const ingress = resourcesOf(template, 'AWS::EC2::SecurityGroupIngress');
    expect(ingress).toHaveLength(1);
    expect(ingress[0][1].Properties).toEqual({
      IpProtocol: 'tcp',
      FromPort: 6379,
      ToPort: 6379,
      GroupId: { 'Fn::GetAtt': [redisSgId, 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [ec2SgId, 'GroupId'] },
      Description: expect.any(String),
    });
    expect(ingress[0][1].Properties.CidrIp).toBeUndefined();
    template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
    const egress = groups[redisSgId].Properties.SecurityGroupEgress as Record<string, unknown>[];
    // CDK's "allow nothing" marker rule: ICMP type 252 code 86 to 255.255.255.255/32.
    expect(egress).toEqual([expect.objectContaining({ CidrIp: '255.255.255.255/32', IpProtocol: 'icmp' })]);
  });
});
