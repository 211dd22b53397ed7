import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AgentOrchestratorStack } from '../agent-orchestrator-stack';
import { resolveEnvironmentConfig, type ConfigOverrides, type EnvironmentName } from '../config/environment-config';

/** The admin network the tests deploy with (RFC 5737 TEST-NET-3). */
export const TEST_ADMIN_CIDR = '203.0.113.7/32';
export const TEST_GITHUB_REPOSITORY = 'example-org/agent-orchestrator';
export const TEST_ALARM_EMAIL = 'oncall@example.com';
export const TEST_CERTIFICATE_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-4a5b-8c7d-0123456789ab';

/** dev: minimal overrides (certificate ARN from SSM at deploy time); prod: certificate ARN, alarm e-mail, key pair and the GitHub deploy role too. */
export const TEST_OVERRIDES: Record<EnvironmentName, ConfigOverrides> = {
  dev: { adminCidr: TEST_ADMIN_CIDR },
  prod: { adminCidr: TEST_ADMIN_CIDR, certificateArn: TEST_CERTIFICATE_ARN, alarmEmail: TEST_ALARM_EMAIL, keyPairName: 'agent-orchestrator-prod', githubRepository: TEST_GITHUB_REPOSITORY },
};

export interface Synthesized {
  stack: AgentOrchestratorStack;
  template: Template;
}

const cache = new Map<EnvironmentName, Synthesized>();

/** Synthesizes (once per test file) the stack of `env` with the test overrides. */
export function synth(env: EnvironmentName): Synthesized {
  let found = cache.get(env);
  if (!found) {
    const app = new App();
    const config = resolveEnvironmentConfig(env, TEST_OVERRIDES[env]);
    const stack = new AgentOrchestratorStack(app, config.stackName, { config });
    found = { stack, template: Template.fromStack(stack) };
    cache.set(env, found);
  }
  return found;
}

type Json = unknown;

/** The resources of one type, as [logicalId, resource] pairs. */
export function resourcesOf(template: Template, type: string): [string, { Properties: Record<string, Json> }][] {
  return Object.entries(template.findResources(type)) as [string, { Properties: Record<string, Json> }][];
}

/** The single resource of `type` (fails when there are several). */
export function onlyResource(template: Template, type: string): { id: string; props: Record<string, Json> } {
  const all = resourcesOf(template, type);
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return { id: all[0][0], props: all[0][1].Properties };
}

/**
 * Renders a CloudFormation value to text: strings as-is, Fn::Join joined, Fn::Base64 unwrapped,
 * Ref / Fn::GetAtt and other intrinsics as `${…}` placeholders. For asserting on user data.
 */
export function renderText(value: Json): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(renderText).join('');
  if (value && typeof value === 'object') {
    const o = value as Record<string, Json>;
    if ('Fn::Base64' in o) return renderText(o['Fn::Base64']);
    if ('Fn::Join' in o) {
      const [sep, parts] = o['Fn::Join'] as [string, Json[]];
      return parts.map(renderText).join(sep);
    }
    if ('Ref' in o) return `\${${String(o.Ref)}}`;
    if ('Fn::GetAtt' in o) return `\${${(o['Fn::GetAtt'] as string[]).join('.')}}`;
    return `\${${Object.keys(o)[0]}}`;
  }
  return '';
}

export interface PolicyStatementJson {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: Json;
  Condition?: Record<string, Record<string, Json>>;
  Principal?: Json;
}

/** All statements of the AWS::IAM::Policy resources attached to a role (by logical id). */
export function statementsOfRole(template: Template, roleLogicalId: string): PolicyStatementJson[] {
  return resourcesOf(template, 'AWS::IAM::Policy')
    .filter(([, r]) => ((r.Properties.Roles as Json[]) ?? []).some((ref) => (ref as { Ref?: string }).Ref === roleLogicalId))
    .flatMap(([, r]) => (r.Properties.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement);
}

export function asList<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

export function logicalIdOf(stack: AgentOrchestratorStack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}
