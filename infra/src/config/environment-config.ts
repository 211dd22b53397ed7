/**
 * The typed configuration of one deployment environment (`dev`, `prod`).
 *
 * Everything that differs between environments lives here; the constructs read
 * nothing else. Values that must not be committed (the admin CIDR, the alarm
 * e-mail, the GitHub repository allowed to deploy) come from CDK context or
 * environment variables (see `resolveEnvironmentConfig`). Secrets never appear
 * here: they are SecureString parameters created out of band (infra/README.md).
 */

export const ENVIRONMENT_NAMES = ['dev', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

/** Prefix of every SSM parameter the apps read: `/agent-orchestrator-api/{env}/NAME`. */
export const SSM_ROOT = '/agent-orchestrator-api';

/** Fixed names the apps, the deploy workflows and the runbooks rely on. */
export const NAMES = {
  project: 'agent-orchestrator',
  /** Where the stack reads the HTTPS certificate ARN at deploy time when none is given at synth: `/agent-orchestrator/{env}/alb-certificate-arn`. */
  certificateParameterRoot: '/agent-orchestrator',
  ecrRepositories: { api: 'agent-orchestrator/api', worker: 'agent-orchestrator/worker' },
  logGroups: { api: '/agent-orchestrator/api', worker: '/agent-orchestrator/worker', deploy: '/agent-orchestrator/deploy' },
  metricNamespace: 'AgentOrchestrator',
} as const;

export type NatMode = 'none' | 'single' | 'per-az';
export type DeploymentConfigName = 'AllAtOnce' | 'HalfAtATime' | 'OneAtATime';

export interface AlarmThresholds {
  /** Average CPU of the Auto Scaling group, percent, over `cpuEvaluationMinutes`. */
  cpuHighPercent: number;
  cpuEvaluationMinutes: number;
  /** API 5xx responses as a percentage of all responses in 5 minutes. */
  api5xxRatePercent: number;
  /** Below this many requests in 5 minutes the error rate is not evaluated (one 500 out of 3 is not an outage). */
  api5xxMinRequests: number;
  /** p95 of `TaskLatencyMs` over 5 minutes, three periods in a row. */
  taskLatencyP95Ms: number;
  /** `QueueWaiting` (jobs waiting in `agent_tasks`) above this… */
  queueBacklogThreshold: number;
  /** …for this many consecutive minutes. */
  queueBacklogMinutes: number;
}

export interface CacheConfig {
  /** ElastiCache node type, e.g. cache.t4g.micro. */
  nodeType: string;
  /** Nodes in the replication group (1 primary + replicas). 2 or more enables Multi-AZ with automatic failover. */
  nodes: number;
  engineVersion: string;
  snapshotRetentionDays: number;
  /** TLS between the apps and Valkey; REDIS_URL becomes rediss://. */
  transitEncryption: boolean;
}

/** One Auto Scaling group: its instance type and size bounds. */
export interface FleetConfig {
  instanceType: string;
  minInstances: number;
  maxInstances: number;
}

/** The two apps run on their own Auto Scaling groups, so they deploy and scale apart. */
export interface ComputeConfig {
  api: FleetConfig;
  worker: FleetConfig;
  rootVolumeGiB: number;
  /** EC2 key pair for SSH (optional: without one, nobody can SSH in even from the admin CIDR). */
  keyPairName?: string;
}

/** Target-tracking scaling of the two Auto Scaling groups. */
export interface ScalingConfig {
  /** api: average CPU of its group, percent. */
  apiCpuTargetPercent: number;
  /** api: ALB requests per healthy target per minute (ALBRequestCountPerTarget). */
  apiRequestsPerTargetPerMinute: number;
  /** worker: jobs waiting in agent_tasks (QueueWaiting) per in-service worker instance. */
  workerBacklogPerInstance: number;
  /** Seconds a new instance needs (boot + CodeDeploy of its app) before its metrics count. */
  instanceWarmupSeconds: number;
}

/** The Application Load Balancer in front of the api. */
export interface LoadBalancerConfig {
  /**
   * ACM certificate for the HTTPS listener. Absent: read at deploy time from the SSM String parameter
   * `/agent-orchestrator/{env}/alb-certificate-arn` (see certificateParameterName).
   */
  certificateArn?: string;
  /** Seconds an idle client connection is kept (long polls and streams need more than the 60 s default). */
  idleTimeoutSeconds: number;
  /** Days ALB access logs are kept in their bucket. */
  accessLogRetentionDays: number;
}

export interface GithubDeployConfig {
  /** `owner/name` of the repository whose workflows may assume the deploy role. */
  repository: string;
  /** OIDC `sub` claims allowed to assume the role; default: main branch and the GitHub environment named like this one. */
  subjects?: string[];
  /** ARN of an existing token.actions.githubusercontent.com provider; when absent the stack creates one (one per account). */
  oidcProviderArn?: string;
}

export interface EnvironmentConfig {
  envName: EnvironmentName;
  /** CloudFormation stack name: AgentOrchestrator-{env}. */
  stackName: string;
  /** Account and region; absent = environment-agnostic template (cdk CLI fills them from the profile). */
  account?: string;
  region?: string;

  vpcCidr: string;
  maxAzs: number;
  nat: NatMode;
  /** VPC flow logs: ALL in prod, REJECT only in dev (cheaper). */
  flowLogTraffic: 'ALL' | 'REJECT';

  /** The only source allowed to reach port 22. Required; 0.0.0.0/0 and other very wide ranges are rejected. */
  adminCidr: string;
  /** True when `adminCidr` is the offline placeholder (TEST-NET, unroutable) rather than a real admin network. */
  adminCidrIsPlaceholder: boolean;
  /** Sources allowed to reach the load balancer on 443 (and 80, which only redirects to 443). The instances accept only the load balancer. */
  allowedHttpCidrs: string[];

  compute: ComputeConfig;
  scaling: ScalingConfig;
  loadBalancer: LoadBalancerConfig;
  cache: CacheConfig;
  logRetentionDays: number;
  alarms: AlarmThresholds;
  /** Optional e-mail subscribed to the alarm topic. */
  alarmEmail?: string;
  ecr: { maxImageCount: number; untaggedExpiryDays: number };
  deploymentConfig: DeploymentConfigName;
  /** Non-secret settings written as String parameters under /agent-orchestrator-api/{env}/NAME. */
  parameters: Record<string, string>;
  github?: GithubDeployConfig;
  /** Keep data-bearing resources (log groups, bucket, keys) when the stack is deleted. */
  retainData: boolean;
}

/** Values that can come from outside the committed config (CDK context, environment variables). */
export interface ConfigOverrides {
  adminCidr?: string;
  /** Used only when no admin CIDR is given: an unroutable documentation address so offline synth works. */
  placeholderAdminCidr?: string;
  allowedHttpCidrs?: string[];
  /** ACM certificate ARN of the HTTPS listener; absent: the SSM parameter is read at deploy time. */
  certificateArn?: string;
  alarmEmail?: string;
  keyPairName?: string;
  githubRepository?: string;
  githubOidcProviderArn?: string;
  account?: string;
  region?: string;
}

type BaseConfig = Omit<EnvironmentConfig, 'adminCidr' | 'adminCidrIsPlaceholder' | 'account' | 'region' | 'alarmEmail' | 'github'>;

/** Settings every environment shares; each environment overrides what differs. */
const COMMON_PARAMETERS: Record<string, string> = {
  MONGO_DB_NAME: 'agent_orchestrator',
  LLM_PEER_MODEL: 'gpt-4o-mini',
  LLM_CONTENT_MODEL: 'gpt-4o-mini',
  LLM_CODE_MODEL: 'gpt-4o-mini',
  API_RATE_LIMIT_PER_MINUTE: '60',
  // One proxy in front of the api: the load balancer. Client IPs (rate limits, logs) come from its X-Forwarded-For entry.
  TRUST_PROXY: '1',
  TASK_TIMEOUT_MS: '300000',
  // Webhooks on completion (docs/webhooks.md): the worker delivers; short timeouts, 24 h of retries.
  // The signing secrets are API_KEYS' webhook_secret and WEBHOOK_SECRET, SecureStrings both apps load.
  WEBHOOK_CONNECT_TIMEOUT_MS: '5000',
  WEBHOOK_TIMEOUT_MS: '10000',
  WEBHOOK_MAX_AGE_MS: '86400000',
};

/** Development-only webhook settings a deployed environment must never turn on (http callbacks, calls into the VPC). */
export const LOCAL_ONLY_PARAMETERS = ['WEBHOOK_ALLOW_HTTP', 'WEBHOOK_ALLOW_PRIVATE_ADDRESSES'] as const;

export const BASE_CONFIGS: Readonly<Record<EnvironmentName, BaseConfig>> = {
  dev: {
    envName: 'dev',
    stackName: 'AgentOrchestrator-dev',
    vpcCidr: '10.0.0.0/16',
    maxAzs: 2,
    nat: 'none',
    flowLogTraffic: 'REJECT',
    allowedHttpCidrs: ['0.0.0.0/0'],
    compute: {
      api: { instanceType: 't3.small', minInstances: 1, maxInstances: 2 },
      worker: { instanceType: 't3.small', minInstances: 1, maxInstances: 2 },
      rootVolumeGiB: 30,
    },
    scaling: { apiCpuTargetPercent: 60, apiRequestsPerTargetPerMinute: 600, workerBacklogPerInstance: 10, instanceWarmupSeconds: 300 },
    loadBalancer: { idleTimeoutSeconds: 120, accessLogRetentionDays: 30 },
    cache: { nodeType: 'cache.t4g.micro', nodes: 1, engineVersion: '8.0', snapshotRetentionDays: 1, transitEncryption: true },
    logRetentionDays: 14,
    alarms: {
      cpuHighPercent: 85,
      cpuEvaluationMinutes: 15,
      api5xxRatePercent: 10,
      api5xxMinRequests: 20,
      taskLatencyP95Ms: 180_000,
      queueBacklogThreshold: 50,
      queueBacklogMinutes: 15,
    },
    ecr: { maxImageCount: 30, untaggedExpiryDays: 7 },
    deploymentConfig: 'AllAtOnce',
    parameters: { ...COMMON_PARAMETERS, LOG_LEVEL: 'debug', WORKER_CONCURRENCY: '16' },
    retainData: false,
  },
  prod: {
    envName: 'prod',
    stackName: 'AgentOrchestrator-prod',
    vpcCidr: '10.1.0.0/16',
    maxAzs: 2,
    nat: 'single',
    flowLogTraffic: 'ALL',
    allowedHttpCidrs: ['0.0.0.0/0'],
    compute: {
      api: { instanceType: 't3.medium', minInstances: 2, maxInstances: 4 },
      worker: { instanceType: 't3.medium', minInstances: 2, maxInstances: 6 },
      rootVolumeGiB: 40,
    },
    scaling: { apiCpuTargetPercent: 60, apiRequestsPerTargetPerMinute: 1200, workerBacklogPerInstance: 20, instanceWarmupSeconds: 300 },
    loadBalancer: { idleTimeoutSeconds: 120, accessLogRetentionDays: 90 },
    cache: { nodeType: 'cache.t4g.small', nodes: 2, engineVersion: '8.0', snapshotRetentionDays: 7, transitEncryption: true },
    logRetentionDays: 90,
    alarms: {
      cpuHighPercent: 80,
      cpuEvaluationMinutes: 15,
      api5xxRatePercent: 5,
      api5xxMinRequests: 20,
      taskLatencyP95Ms: 120_000,
      queueBacklogThreshold: 100,
      queueBacklogMinutes: 10,
    },
    ecr: { maxImageCount: 100, untaggedExpiryDays: 7 },
    deploymentConfig: 'OneAtATime',
    parameters: { ...COMMON_PARAMETERS, LOG_LEVEL: 'info', WORKER_CONCURRENCY: '32' },
    retainData: true,
  },
};

/**
 * Parameter names that hold secrets: they are SecureStrings created out of band, never values in this repo.
 * Both apps load them (one SSM path): the worker reads API_KEYS and WEBHOOK_SECRET for the webhook signing secrets.
 */
export const OUT_OF_BAND_SECURE_PARAMETERS = ['MONGO_URI', 'OPENAI_API_KEY', 'TAVILY_API_KEY', 'API_KEYS', 'METRICS_TOKEN', 'WEBHOOK_SECRET'] as const;

/** Names set by the stack itself from the resources it creates. */
export const DERIVED_PARAMETERS = ['APP_ENV', 'REDIS_URL'] as const;

/** An ACM certificate ARN (any partition). */
const CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/;

const SECRET_NAME = /(KEY|SECRET|PASSWORD|TOKEN|CREDENTIAL)S?$|^MONGO_URI$/i;
const PARAMETER_NAME = /^[A-Z][A-Z0-9_]*$/;

export class InfraConfigError extends Error {
  constructor(
    readonly envName: string,
    readonly problems: string[],
  ) {
    super(`Invalid infra configuration for environment "${envName}":\n${problems.map((p) => `  - ${p}`).join('\n')}\nSee infra/README.md ("Environment configuration").`);
    this.name = 'InfraConfigError';
  }
}

interface Ipv4Cidr {
  address: number;
  prefix: number;
}

function parseIpv4Cidr(value: string): Ipv4Cidr | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value.trim());
  if (!m) return null;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return null;
  const address = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  return { address, prefix };
}

/** True when the address has no bits set beyond the prefix (10.0.0.0/16, not 10.0.0.1/16). */
function isNetworkAddress({ address, prefix }: Ipv4Cidr): boolean {
  const hostMask = prefix === 0 ? 0xffffffff : (2 ** (32 - prefix) - 1) >>> 0;
  return (address & hostMask) >>> 0 === 0;
}

/** The retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS: readonly number[] = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** The widest admin range accepted: a /16 (a corporate network), never the internet. */
export const ADMIN_CIDR_MIN_PREFIX = 16;

/** RFC 5737 documentation ranges: unroutable, so SSH from them is impossible. */
const DOCUMENTATION_RANGES: Ipv4Cidr[] = [
  { address: 0xc0000200, prefix: 24 }, // 192.0.2.0/24 TEST-NET-1
  { address: 0xc6336400, prefix: 24 }, // 198.51.100.0/24 TEST-NET-2
  { address: 0xcb007100, prefix: 24 }, // 203.0.113.0/24 TEST-NET-3
];

function inRange(cidr: Ipv4Cidr, range: Ipv4Cidr): boolean {
  const mask = range.prefix === 0 ? 0 : (0xffffffff << (32 - range.prefix)) >>> 0;
  return cidr.prefix >= range.prefix && (cidr.address & mask) >>> 0 === range.address;
}

export function isDocumentationCidr(value: string): boolean {
  const c = parseIpv4Cidr(value);
  return c !== null && DOCUMENTATION_RANGES.some((r) => inRange(c, r));
}

function checkAdminCidr(value: string | undefined, problems: string[], envName: string): void {
  if (value === undefined || value.trim() === '') {
    problems.push(
      `adminCidr is required: the only network allowed to SSH (port 22) into the ${envName} instances. ` +
        'Pass it as CDK context (cdk synth -c adminCidr=203.0.113.7/32) or set AO_ADMIN_CIDR. There is no default.',
    );
    return;
  }
  const c = parseIpv4Cidr(value);
  if (!c) {
    problems.push(`adminCidr must be an IPv4 CIDR like 203.0.113.7/32 (got "${value}")`);
    return;
  }
  if (c.prefix < ADMIN_CIDR_MIN_PREFIX) {
    problems.push(`adminCidr "${value}" opens SSH to ${c.prefix === 0 ? 'the whole internet' : 'too wide a range'}: use your admin network, /${ADMIN_CIDR_MIN_PREFIX} or narrower (ideally a /32)`);
    return;
  }
  if (!isNetworkAddress(c)) problems.push(`adminCidr "${value}" has host bits set beyond /${c.prefix} (did you mean a /32?)`);
}

function checkCidr(name: string, value: string, problems: string[]): void {
  const c = parseIpv4Cidr(value);
  if (!c) problems.push(`${name} must be an IPv4 CIDR like 10.0.0.0/16 (got "${value}")`);
  else if (!isNetworkAddress(c)) problems.push(`${name} "${value}" has host bits set beyond /${c.prefix}`);
}

function checkPositive(name: string, value: number, problems: string[], integer = true): void {
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) problems.push(`${name} must be a positive ${integer ? 'integer' : 'number'} (got ${value})`);
}

/** Validates a complete configuration, collecting every problem before throwing. */
export function validateEnvironmentConfig(config: EnvironmentConfig): EnvironmentConfig {
  const problems: string[] = [];
  const env = config.envName;
  if (!(ENVIRONMENT_NAMES as readonly string[]).includes(env)) problems.push(`envName must be one of ${ENVIRONMENT_NAMES.join(', ')} (got "${env}")`);

  checkAdminCidr(config.adminCidr, problems, env);
  checkCidr('vpcCidr', config.vpcCidr, problems);
  const vpc = parseIpv4Cidr(config.vpcCidr);
  if (vpc && (vpc.prefix < 16 || vpc.prefix > 20)) problems.push(`vpcCidr must be a /16 to /20 so that four /24 subnets fit (got /${vpc.prefix})`);
  if (config.allowedHttpCidrs.length === 0) problems.push('allowedHttpCidrs must list at least one CIDR (the sources allowed to reach the load balancer; 0.0.0.0/0 for a public API)');
  config.allowedHttpCidrs.forEach((c, i) => checkCidr(`allowedHttpCidrs[${i}]`, c, problems));
  if (config.maxAzs !== 2) problems.push(`maxAzs must be 2 (architecture §3.1: two AZs; got ${config.maxAzs})`);
  if (!['none', 'single', 'per-az'].includes(config.nat)) problems.push(`nat must be none, single or per-az (got "${config.nat}")`);

  const { compute, cache, alarms, scaling, loadBalancer } = config;
  for (const app of ['api', 'worker'] as const) {
    const fleet = compute[app];
    if (!/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(fleet.instanceType)) problems.push(`compute.${app}.instanceType must look like t3.small (got "${fleet.instanceType}")`);
    // At least one of each: the worker publishes the queue depth its scaling reads, and the api serves the health check.
    checkPositive(`compute.${app}.minInstances`, fleet.minInstances, problems);
    checkPositive(`compute.${app}.maxInstances`, fleet.maxInstances, problems);
    if (fleet.minInstances > fleet.maxInstances) problems.push(`compute.${app}.minInstances (${fleet.minInstances}) must not exceed compute.${app}.maxInstances (${fleet.maxInstances})`);
  }
  if (!(scaling.apiCpuTargetPercent >= 10 && scaling.apiCpuTargetPercent <= 90)) problems.push(`scaling.apiCpuTargetPercent must be 10-90 (got ${scaling.apiCpuTargetPercent})`);
  checkPositive('scaling.apiRequestsPerTargetPerMinute', scaling.apiRequestsPerTargetPerMinute, problems);
  checkPositive('scaling.workerBacklogPerInstance', scaling.workerBacklogPerInstance, problems);
  checkPositive('scaling.instanceWarmupSeconds', scaling.instanceWarmupSeconds, problems);
  if (loadBalancer.certificateArn !== undefined && !CERTIFICATE_ARN.test(loadBalancer.certificateArn)) {
    problems.push(`certificateArn must be an ACM certificate ARN like arn:aws:acm:eu-west-1:123456789012:certificate/<id> (got "${loadBalancer.certificateArn}")`);
  }
  if (!(Number.isInteger(loadBalancer.idleTimeoutSeconds) && loadBalancer.idleTimeoutSeconds >= 1 && loadBalancer.idleTimeoutSeconds <= 4000)) {
    problems.push(`loadBalancer.idleTimeoutSeconds must be 1-4000 (got ${loadBalancer.idleTimeoutSeconds})`);
  }
  checkPositive('loadBalancer.accessLogRetentionDays', loadBalancer.accessLogRetentionDays, problems);
  if (!(compute.rootVolumeGiB >= 20 && compute.rootVolumeGiB <= 500)) problems.push(`compute.rootVolumeGiB must be 20-500 (got ${compute.rootVolumeGiB})`);

  if (!/^cache\.[a-z0-9]+\.[a-z0-9]+$/.test(cache.nodeType)) problems.push(`cache.nodeType must look like cache.t4g.micro (got "${cache.nodeType}")`);
  if (!(Number.isInteger(cache.nodes) && cache.nodes >= 1 && cache.nodes <= 6)) problems.push(`cache.nodes must be 1-6 (got ${cache.nodes})`);
  if (!(Number.isInteger(cache.snapshotRetentionDays) && cache.snapshotRetentionDays >= 0 && cache.snapshotRetentionDays <= 35)) problems.push(`cache.snapshotRetentionDays must be 0-35 (got ${cache.snapshotRetentionDays})`);

  if (!LOG_RETENTION_DAYS.includes(config.logRetentionDays)) problems.push(`logRetentionDays must be one of CloudWatch's values: ${LOG_RETENTION_DAYS.join(', ')} (got ${config.logRetentionDays})`);
  checkPositive('alarms.cpuHighPercent', alarms.cpuHighPercent, problems, false);
  if (alarms.cpuHighPercent > 100) problems.push(`alarms.cpuHighPercent must be at most 100 (got ${alarms.cpuHighPercent})`);
  checkPositive('alarms.cpuEvaluationMinutes', alarms.cpuEvaluationMinutes, problems);
  if (alarms.cpuEvaluationMinutes % 5 !== 0) problems.push(`alarms.cpuEvaluationMinutes must be a multiple of 5 (got ${alarms.cpuEvaluationMinutes})`);
  checkPositive('alarms.api5xxRatePercent', alarms.api5xxRatePercent, problems, false);
  if (alarms.api5xxRatePercent > 100) problems.push(`alarms.api5xxRatePercent must be at most 100 (got ${alarms.api5xxRatePercent})`);
  checkPositive('alarms.api5xxMinRequests', alarms.api5xxMinRequests, problems);
  checkPositive('alarms.taskLatencyP95Ms', alarms.taskLatencyP95Ms, problems);
  checkPositive('alarms.queueBacklogThreshold', alarms.queueBacklogThreshold, problems);
  checkPositive('alarms.queueBacklogMinutes', alarms.queueBacklogMinutes, problems);
  checkPositive('ecr.maxImageCount', config.ecr.maxImageCount, problems);
  checkPositive('ecr.untaggedExpiryDays', config.ecr.untaggedExpiryDays, problems);
  if (config.alarmEmail !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(config.alarmEmail)) problems.push(`alarmEmail must be an e-mail address (got "${config.alarmEmail}")`);

  for (const [name, value] of Object.entries(config.parameters)) {
    if (!PARAMETER_NAME.test(name)) problems.push(`parameters.${name}: names are environment variable names (UPPER_SNAKE_CASE)`);
    if (SECRET_NAME.test(name) || (OUT_OF_BAND_SECURE_PARAMETERS as readonly string[]).includes(name)) {
      problems.push(`parameters.${name} looks like a secret: create it as a SecureString out of band (infra/README.md), never as a value in code`);
    }
    if ((DERIVED_PARAMETERS as readonly string[]).includes(name)) problems.push(`parameters.${name} is set by the stack from the resources it creates; remove it from the config`);
    if (value.trim() === '') problems.push(`parameters.${name} is empty: SSM cannot store an empty value; leave the setting out to use the app's default`);
    if ((LOCAL_ONLY_PARAMETERS as readonly string[]).includes(name) && !/^(false|0)$/i.test(value.trim())) {
      problems.push(`parameters.${name} must not be on in a deployed environment: it lets callbacks use http or reach addresses inside the VPC (docs/webhooks.md)`);
    }
  }

  if (config.github) {
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(config.github.repository)) problems.push(`github.repository must be owner/name (got "${config.github.repository}")`);
    for (const s of config.github.subjects ?? []) if (!s.startsWith(`repo:${config.github.repository}:`) || s.includes('*')) problems.push(`github.subjects entry "${s}" must be an exact sub claim of repo:${config.github.repository}:…`);
  }

  if (problems.length > 0) throw new InfraConfigError(env, problems);
  return config;
}

/** The committed base config of `envName` plus the overrides, validated. */
export function resolveEnvironmentConfig(envName: string, overrides: ConfigOverrides = {}): EnvironmentConfig {
  if (!(ENVIRONMENT_NAMES as readonly string[]).includes(envName)) {
    throw new InfraConfigError(envName, [`unknown environment "${envName}": use one of ${ENVIRONMENT_NAMES.join(', ')}`]);
  }
  const base = BASE_CONFIGS[envName as EnvironmentName];
  const explicit = overrides.adminCidr?.trim() || undefined;
  const adminCidr = explicit ?? overrides.placeholderAdminCidr?.trim() ?? '';
  const placeholder = explicit === undefined && adminCidr !== '';
  const problems: string[] = [];
  if (placeholder && !isDocumentationCidr(adminCidr)) {
    problems.push(`the placeholder admin CIDR must be an unroutable RFC 5737 documentation range (got "${adminCidr}"); set a real one with AO_ADMIN_CIDR`);
  }
  if (problems.length > 0) throw new InfraConfigError(envName, problems);

  return validateEnvironmentConfig({
    ...base,
    compute: { ...base.compute, ...(overrides.keyPairName ? { keyPairName: overrides.keyPairName } : {}) },
    allowedHttpCidrs: overrides.allowedHttpCidrs && overrides.allowedHttpCidrs.length > 0 ? overrides.allowedHttpCidrs : base.allowedHttpCidrs,
    loadBalancer: { ...base.loadBalancer, ...(overrides.certificateArn ? { certificateArn: overrides.certificateArn } : {}) },
    adminCidr,
    adminCidrIsPlaceholder: placeholder,
    account: overrides.account,
    region: overrides.region,
    alarmEmail: overrides.alarmEmail,
    github: overrides.githubRepository ? { repository: overrides.githubRepository, oidcProviderArn: overrides.githubOidcProviderArn } : undefined,
  });
}

/**
 * `/agent-orchestrator/{env}/alb-certificate-arn`: the SSM String parameter holding the HTTPS certificate ARN, read at
 * deploy time when no certificateArn is given at synth. Outside SSM_PARAMETER_PATH on purpose: the apps never load it.
 */
export function certificateParameterName(envName: EnvironmentName): string {
  return `${NAMES.certificateParameterRoot}/${envName}/alb-certificate-arn`;
}

/** `/agent-orchestrator-api/{env}`: the value apps get as SSM_PARAMETER_PATH. */
export function ssmPath(envName: EnvironmentName): string {
  return `${SSM_ROOT}/${envName}`;
}
