import { App } from 'aws-cdk-lib';
import { buildApp, readOverrides, selectedEnvironments } from './app';

const ADMIN = { AO_ADMIN_CIDR: '203.0.113.7/32' };

describe('the CDK app', () => {
  it('synthesizes both environments by default', () => {
    expect(selectedEnvironments(new App(), {})).toEqual(['dev', 'prod']);
    expect(selectedEnvironments(new App(), { AO_ENV: 'all' })).toEqual(['dev', 'prod']);
  });

  it('selects one environment from the env context or AO_ENV, context first', () => {
    expect(selectedEnvironments(new App({ context: { env: 'prod' } }), {})).toEqual(['prod']);
    expect(selectedEnvironments(new App(), { AO_ENV: 'dev' })).toEqual(['dev']);
    expect(selectedEnvironments(new App({ context: { env: 'prod' } }), { AO_ENV: 'dev' })).toEqual(['prod']);
    expect(() => selectedEnvironments(new App(), { AO_ENV: 'staging' })).toThrow(/Unknown environment "staging"/);
  });

  it('reads overrides from context before environment variables', () => {
    const app = new App({ context: { adminCidr: '198.51.100.7/32', allowedHttpCidrs: '198.51.100.0/24, 203.0.113.0/24' } });
    expect(readOverrides(app, { ...ADMIN, AO_ALARM_EMAIL: 'a@example.com', AO_CERTIFICATE_ARN: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc', CDK_DEFAULT_REGION: 'eu-west-1' })).toMatchObject({
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
      adminCidr: '198.51.100.7/32',
      allowedHttpCidrs: ['198.51.100.0/24', '203.0.113.0/24'],
      alarmEmail: 'a@example.com',
      region: 'eu-west-1',
    });
  });

  it('creates one stack per environment, named AgentOrchestrator-{env}', () => {
    const stacks = buildApp(new App(), ADMIN);
    expect(stacks.map((s) => s.stackName)).toEqual(['AgentOrchestrator-dev', 'AgentOrchestrator-prod']);
    expect(stacks.map((s) => s.terminationProtection)).toEqual([false, true]);
    expect(buildApp(new App({ context: { env: 'prod' } }), ADMIN).map((s) => s.stackName)).toEqual(['AgentOrchestrator-prod']);
  });

  it('refuses to build without an admin CIDR', () => {
    expect(() => buildApp(new App(), {})).toThrow(/adminCidr is required/);
  });
});
