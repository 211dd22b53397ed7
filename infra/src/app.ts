import type { App } from 'aws-cdk-lib';
import { ENVIRONMENT_NAMES, resolveEnvironmentConfig, type ConfigOverrides, type EnvironmentName } from './config/environment-config';
import { AgentOrchestratorStack } from './agent-orchestrator-stack';

/** Where a setting can come from, in order: CDK context (`-c name=value`), then the environment variable. */
export const SETTINGS = {
  env: { context: 'env', variable: 'AO_ENV' },
  adminCidr: { context: 'adminCidr', variable: 'AO_ADMIN_CIDR' },
  placeholderAdminCidr: { context: 'placeholderAdminCidr', variable: 'AO_PLACEHOLDER_ADMIN_CIDR' },
  allowedHttpCidrs: { context: 'allowedHttpCidrs', variable: 'AO_ALLOWED_HTTP_CIDRS' },
  certificateArn: { context: 'certificateArn', variable: 'AO_CERTIFICATE_ARN' },
  alarmEmail: { context: 'alarmEmail', variable: 'AO_ALARM_EMAIL' },
  keyPairName: { context: 'keyPairName', variable: 'AO_KEY_PAIR_NAME' },
  githubRepository: { context: 'githubRepository', variable: 'AO_GITHUB_REPOSITORY' },
  githubOidcProviderArn: { context: 'githubOidcProviderArn', variable: 'AO_GITHUB_OIDC_PROVIDER_ARN' },
} as const;

type Env = Readonly<Record<string, string | undefined>>;

function setting(app: App, env: Env, key: keyof typeof SETTINGS): string | undefined {
  const { context, variable } = SETTINGS[key];
  const fromContext: unknown = app.node.tryGetContext(context);
  const value = fromContext === undefined || fromContext === null ? env[variable] : String(fromContext);
  const trimmed = value?.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** Which environments to synthesize: `env` context / AO_ENV (`dev`, `prod`, `all`); default all. */
export function selectedEnvironments(app: App, env: Env = process.env): EnvironmentName[] {
  const chosen = setting(app, env, 'env') ?? 'all';
  if (chosen === 'all') return [...ENVIRONMENT_NAMES];
  const names = chosen.split(',').map((s) => s.trim());
  for (const name of names) {
    if (!(ENVIRONMENT_NAMES as readonly string[]).includes(name)) throw new Error(`Unknown environment "${name}" (env context / AO_ENV): use ${ENVIRONMENT_NAMES.join(', ')} or all`);
  }
  return names as EnvironmentName[];
}

export function readOverrides(app: App, env: Env = process.env): ConfigOverrides {
  const http = setting(app, env, 'allowedHttpCidrs');
  return {
    adminCidr: setting(app, env, 'adminCidr'),
    placeholderAdminCidr: setting(app, env, 'placeholderAdminCidr'),
    allowedHttpCidrs: http ? http.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
    certificateArn: setting(app, env, 'certificateArn'),
    alarmEmail: setting(app, env, 'alarmEmail'),
    keyPairName: setting(app, env, 'keyPairName'),
    githubRepository: setting(app, env, 'githubRepository'),
    githubOidcProviderArn: setting(app, env, 'githubOidcProviderArn'),
    account: env.CDK_DEFAULT_ACCOUNT,
    region: env.CDK_DEFAULT_REGION,
  };
}

/** Adds one stack per selected environment to `app`. */
export function buildApp(app: App, env: Env = process.env): AgentOrchestratorStack[] {
  const overrides = readOverrides(app, env);
  return selectedEnvironments(app, env).map((name) => {
    const config = resolveEnvironmentConfig(name, overrides);
    return new AgentOrchestratorStack(app, config.stackName, { config });
  });
}
