import { BASE_CONFIGS, InfraConfigError, LOCAL_ONLY_PARAMETERS, certificateParameterName, OUT_OF_BAND_SECURE_PARAMETERS, isDocumentationCidr, resolveEnvironmentConfig, ssmPath, validateEnvironmentConfig, type EnvironmentConfig } from './environment-config';

const ADMIN = '203.0.113.7/32';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof InfraConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected an InfraConfigError');
}

function valid(env: 'dev' | 'prod' = 'dev'): EnvironmentConfig {
  return resolveEnvironmentConfig(env, { adminCidr: ADMIN });
}

describe('resolveEnvironmentConfig', () => {
  it('builds dev and prod from the committed config plus the admin CIDR', () => {
    const dev = valid('dev');
    const prod = valid('prod');
    expect(dev).toMatchObject({ envName: 'dev', stackName: 'AgentOrchestrator-dev', adminCidr: ADMIN, adminCidrIsPlaceholder: false, nat: 'none', maxAzs: 2 });
    expect(prod).toMatchObject({ envName: 'prod', stackName: 'AgentOrchestrator-prod', nat: 'single', maxAzs: 2 });
    expect(prod.cache.nodes).toBeGreaterThanOrEqual(2);
    expect(dev.github).toBeUndefined();
  });

  it('fails with a clear message when the admin CIDR is missing, naming both ways to give it', () => {
    expect(() => resolveEnvironmentConfig('dev', {})).toThrow(InfraConfigError);
    const [problem] = problemsOf(() => resolveEnvironmentConfig('prod', {}));
    expect(problem).toMatch(/adminCidr is required/);
    expect(problem).toMatch(/-c adminCidr=/);
    expect(problem).toMatch(/AO_ADMIN_CIDR/);
    expect(problem).toMatch(/no default/i);
    expect(() => resolveEnvironmentConfig('dev', { adminCidr: '   ' })).toThrow(/adminCidr is required/);
  });

  it('rejects 0.0.0.0/0 and other internet-wide admin ranges', () => {
    expect(problemsOf(() => resolveEnvironmentConfig('dev', { adminCidr: '0.0.0.0/0' }))[0]).toMatch(/whole internet/);
    expect(problemsOf(() => resolveEnvironmentConfig('prod', { adminCidr: '0.0.0.0/0' }))[0]).toMatch(/whole internet/);
    expect(problemsOf(() => resolveEnvironmentConfig('dev', { adminCidr: '10.0.0.0/8' }))[0]).toMatch(/too wide/);
    expect(resolveEnvironmentConfig('dev', { adminCidr: '10.20.0.0/16' }).adminCidr).toBe('10.20.0.0/16');
  });

  it('rejects malformed admin CIDRs and host bits', () => {
    expect(problemsOf(() => resolveEnvironmentConfig('dev', { adminCidr: '203.0.113.7' }))[0]).toMatch(/must be an IPv4 CIDR/);
    expect(problemsOf(() => resolveEnvironmentConfig('dev', { adminCidr: '300.0.113.7/32' }))[0]).toMatch(/must be an IPv4 CIDR/);
    expect(problemsOf(() => resolveEnvironmentConfig('dev', { adminCidr: '::/0' }))[0]).toMatch(/must be an IPv4 CIDR/);
    expect(problemsOf(() => resolveEnvironmentConfig('dev', { adminCidr: '203.0.113.7/24' }))[0]).toMatch(/host bits/);
  });

  it('uses the placeholder only when no admin CIDR is given, and only an unroutable documentation range', () => {
    const placeholder = resolveEnvironmentConfig('dev', { placeholderAdminCidr: '192.0.2.1/32' });
    expect(placeholder).toMatchObject({ adminCidr: '192.0.2.1/32', adminCidrIsPlaceholder: true });
    expect(resolveEnvironmentConfig('dev', { adminCidr: ADMIN, placeholderAdminCidr: '192.0.2.1/32' })).toMatchObject({ adminCidr: ADMIN, adminCidrIsPlaceholder: false });
    expect(problemsOf(() => resolveEnvironmentConfig('dev', { placeholderAdminCidr: '0.0.0.0/0' }))[0]).toMatch(/RFC 5737/);
    expect(problemsOf(() => resolveEnvironmentConfig('dev', { placeholderAdminCidr: '10.1.2.3/32' }))[0]).toMatch(/RFC 5737/);
    expect(isDocumentationCidr('198.51.100.0/24')).toBe(true);
    expect(isDocumentationCidr('198.51.0.0/16')).toBe(false);
  });

  it('rejects unknown environments', () => {
    expect(() => resolveEnvironmentConfig('staging', { adminCidr: ADMIN })).toThrow(/unknown environment "staging"/);
  });

  it('takes the optional overrides', () => {
    const c = resolveEnvironmentConfig('prod', {
      adminCidr: ADMIN,
      allowedHttpCidrs: ['198.51.100.0/24'],
      alarmEmail: 'ops@example.com',
      keyPairName: 'ops',
      githubRepository: 'org/repo',
      account: '123456789012',
      region: 'eu-west-1',
    });
    expect(c).toMatchObject({ allowedHttpCidrs: ['198.51.100.0/24'], alarmEmail: 'ops@example.com', compute: { keyPairName: 'ops' }, github: { repository: 'org/repo' }, account: '123456789012', region: 'eu-west-1' });
    expect(problemsOf(() => resolveEnvironmentConfig('dev', { adminCidr: ADMIN, alarmEmail: 'not-an-email' }))[0]).toMatch(/alarmEmail/);
    expect(problemsOf(() => resolveEnvironmentConfig('dev', { adminCidr: ADMIN, githubRepository: 'no-slash' }))[0]).toMatch(/owner\/name/);
    expect(problemsOf(() => resolveEnvironmentConfig('dev', { adminCidr: ADMIN, allowedHttpCidrs: ['1.2.3.4/33'] }))[0]).toMatch(/allowedHttpCidrs\[0\]/);
  });
});

describe('validateEnvironmentConfig', () => {
  it('never accepts secrets as parameter values: they are out-of-band SecureStrings', () => {
    for (const name of [...OUT_OF_BAND_SECURE_PARAMETERS, 'API_KEYS', 'SESSION_SECRET', 'DB_PASSWORD', 'GITHUB_TOKEN']) {
      const problems = problemsOf(() => validateEnvironmentConfig({ ...valid(), parameters: { [name]: 'x' } }));
      expect(problems).toEqual([expect.stringMatching(new RegExp(`parameters\\.${name} looks like a secret: create it as a SecureString out of band`))]);
    }
  });

  it('keeps the webhook signing secret out of band and the development-only webhook switches off', () => {
    expect(OUT_OF_BAND_SECURE_PARAMETERS).toContain('WEBHOOK_SECRET');
    for (const env of ['dev', 'prod'] as const) {
      expect(BASE_CONFIGS[env].parameters).toMatchObject({ WEBHOOK_CONNECT_TIMEOUT_MS: '5000', WEBHOOK_TIMEOUT_MS: '10000', WEBHOOK_MAX_AGE_MS: '86400000' });
      for (const name of LOCAL_ONLY_PARAMETERS) expect(BASE_CONFIGS[env].parameters[name]).toBeUndefined();
    }
    for (const name of LOCAL_ONLY_PARAMETERS) {
      expect(problemsOf(() => validateEnvironmentConfig({ ...valid(), parameters: { [name]: 'true' } }))).toEqual([expect.stringMatching(new RegExp(`parameters\\.${name} must not be on in a deployed environment`))]);
      expect(() => validateEnvironmentConfig({ ...valid(), parameters: { [name]: 'false' } })).not.toThrow();
    }
  });

  it('rejects parameters the stack derives, empty values and non-env-var names', () => {
    const problems = problemsOf(() => validateEnvironmentConfig({ ...valid(), parameters: { REDIS_URL: 'redis://x', APP_ENV: 'dev', CORS_ORIGINS: '', 'log-level': 'info' } }));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/REDIS_URL is set by the stack/),
        expect.stringMatching(/APP_ENV is set by the stack/),
        expect.stringMatching(/CORS_ORIGINS is empty/),
        expect.stringMatching(/log-level: names are environment variable names/),
      ]),
    );
  });

  it('collects every problem in one error', () => {
    const base = valid('prod');
    const err = (() => {
      try {
        validateEnvironmentConfig({
          ...base,
          maxAzs: 3,
          vpcCidr: '10.0.0.0/24',
          compute: { ...base.compute, worker: { ...base.compute.worker, minInstances: 5, maxInstances: 2 } },
          cache: { ...base.cache, nodes: 0, nodeType: 't3.micro' },
          logRetentionDays: 10,
          alarms: { ...base.alarms, cpuHighPercent: 120, cpuEvaluationMinutes: 7, queueBacklogMinutes: 0 },
        });
      } catch (e) {
        return e as InfraConfigError;
      }
      throw new Error('expected an error');
    })();
    expect(err.message).toMatch(/^Invalid infra configuration for environment "prod":/);
    expect(err.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/maxAzs must be 2/),
        expect.stringMatching(/vpcCidr must be a \/16 to \/20/),
        expect.stringMatching(/compute.worker.minInstances \(5\) must not exceed/),
        expect.stringMatching(/cache.nodes must be 1-6/),
        expect.stringMatching(/cache.nodeType must look like/),
        expect.stringMatching(/logRetentionDays must be one of/),
        expect.stringMatching(/cpuHighPercent must be at most 100/),
        expect.stringMatching(/cpuEvaluationMinutes must be a multiple of 5/),
        expect.stringMatching(/queueBacklogMinutes must be a positive integer/),
      ]),
    );
  });

  it('takes the HTTPS certificate ARN as given, or leaves it to the SSM parameter read at deploy time; refuses anything but an ACM ARN', () => {
    const arn = 'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-4a5b-8c7d-0123456789ab';
    expect(resolveEnvironmentConfig('prod', { adminCidr: ADMIN, certificateArn: arn }).loadBalancer.certificateArn).toBe(arn);
    expect(valid('prod').loadBalancer.certificateArn).toBeUndefined();
    expect(certificateParameterName('prod')).toBe('/agent-orchestrator/prod/alb-certificate-arn');
    expect(certificateParameterName('dev').startsWith(`${ssmPath('dev')}/`)).toBe(false);
    for (const bad of ['arn:aws:iam::123456789012:server-certificate/x', 'my-cert', 'arn:aws:acm:eu-west-1:123:certificate/x']) {
      expect(problemsOf(() => resolveEnvironmentConfig('dev', { adminCidr: ADMIN, certificateArn: bad }))[0]).toMatch(/certificateArn must be an ACM certificate ARN/);
    }
  });

  it('checks each fleet and the scaling targets', () => {
    const base = valid('dev');
    const problems = problemsOf(() =>
      validateEnvironmentConfig({
        ...base,
        compute: { ...base.compute, api: { instanceType: 'big', minInstances: 0, maxInstances: 1 } },
        scaling: { apiCpuTargetPercent: 95, apiRequestsPerTargetPerMinute: 0, workerBacklogPerInstance: -1, instanceWarmupSeconds: 300 },
        loadBalancer: { ...base.loadBalancer, idleTimeoutSeconds: 0 },
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/compute.api.instanceType must look like t3.small/),
        expect.stringMatching(/compute.api.minInstances must be a positive integer/),
        expect.stringMatching(/scaling.apiCpuTargetPercent must be 10-90/),
        expect.stringMatching(/scaling.apiRequestsPerTargetPerMinute must be a positive integer/),
        expect.stringMatching(/scaling.workerBacklogPerInstance must be a positive integer/),
        expect.stringMatching(/loadBalancer.idleTimeoutSeconds must be 1-4000/),
      ]),
    );
  });

  it('accepts the committed configs as they are', () => {
    for (const env of ['dev', 'prod'] as const) {
      expect(() => validateEnvironmentConfig({ ...BASE_CONFIGS[env], adminCidr: ADMIN, adminCidrIsPlaceholder: false })).not.toThrow();
    }
    expect(BASE_CONFIGS.dev.nat).toBe('none');
    expect(BASE_CONFIGS.prod.nat).not.toBe('none');
    expect(ssmPath('prod')).toBe('/agent-orchestrator-api/prod');
  });
});
