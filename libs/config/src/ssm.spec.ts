import { GetParametersByPathCommand, type GetParametersByPathCommandInput, type GetParametersByPathCommandOutput } from '@aws-sdk/client-ssm';
import { ConfigError } from '@agent-orchestrator/domain';
import { awsErrorCode, loadSsmParameters, normaliseSsmPath, type MutableEnv, type SsmClientLike } from './ssm';

const PATH = '/agent-orchestrator-api/prod';

type Step = 'hang' | Error;

/**
 * A stand-in for SSMClient that serves GetParametersByPath the way AWS does: `pageSize`
 * parameters a page, a NextToken while more remain. `steps` are consumed one per call first:
 * an Error is thrown, 'hang' never answers (but honours the abort signal).
 */
function fakeSsm(parameters: Record<string, string>, options: { pageSize?: number; steps?: Step[] } = {}) {
  const entries = Object.entries(parameters).map(([Name, Value]) => ({ Name, Value, Type: 'SecureString' as const }));
  const pageSize = options.pageSize ?? 2;
  const steps = [...(options.steps ?? [])];
  const calls: GetParametersByPathCommandInput[] = [];
  const aborted: boolean[] = [];
  const client: SsmClientLike = {
    async send(command: GetParametersByPathCommand, sendOptions?: { abortSignal?: AbortSignal }): Promise<GetParametersByPathCommandOutput> {
      expect(command).toBeInstanceOf(GetParametersByPathCommand);
      calls.push(command.input);
      const step = steps.shift();
      if (step === 'hang') {
        return new Promise((_, reject) => {
          sendOptions?.abortSignal?.addEventListener('abort', () => {
            aborted.push(true);
            reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' }));
          });
        });
      }
      if (step) throw step;
      const start = command.input.NextToken ? Number(command.input.NextToken) : 0;
      const inPath = entries.filter((p) => p.Name.startsWith(`${command.input.Path}/`));
      const page = inPath.slice(start, start + pageSize);
      const next = start + pageSize < inPath.length ? String(start + pageSize) : undefined;
      return { Parameters: page, NextToken: next, $metadata: { httpStatusCode: 200 } };
    },
  };
  return { client, calls, aborted };
}

function awsError(name: string, message: string, status: number): Error {
  return Object.assign(new Error(message), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
}

async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

describe('loadSsmParameters', () => {
  it('reads every page recursively with decryption and maps last path segments to variables', async () => {
    const ssm = fakeSsm({
      [`${PATH}/MONGO_URI`]: 'mongodb+srv://user:pw@cluster.example/db',
      [`${PATH}/OPENAI_API_KEY`]: 'sk-test-0123456789',
      [`${PATH}/LOG_LEVEL`]: 'info',
      [`${PATH}/worker/WORKER_CONCURRENCY`]: '4',
      [`${PATH}/REDIS_URL`]: 'rediss://cache.example:6379',
      '/agent-orchestrator-api/dev/LOG_LEVEL': 'debug',
    });
    const env: MutableEnv = {};
    const result = await loadSsmParameters({ path: `${PATH}/`, env, client: ssm.client });

    expect(ssm.calls).toHaveLength(3);
    for (const input of ssm.calls) {
      expect(input).toMatchObject({ Path: PATH, Recursive: true, WithDecryption: true });
    }
    expect(ssm.calls.map((c) => c.NextToken)).toEqual([undefined, '2', '4']);
    expect(env).toEqual({
      MONGO_URI: 'mongodb+srv://user:pw@cluster.example/db',
      OPENAI_API_KEY: 'sk-test-0123456789',
      LOG_LEVEL: 'info',
      WORKER_CONCURRENCY: '4',
      REDIS_URL: 'rediss://cache.example:6379',
    });
    expect(result).toEqual({
      path: PATH,
      loaded: ['LOG_LEVEL', 'MONGO_URI', 'OPENAI_API_KEY', 'REDIS_URL', 'WORKER_CONCURRENCY'],
      overridden: [],
      ignored: [],
    });
    expect(JSON.stringify(result)).not.toContain('sk-test');
  });

  it('keeps variables already set in the environment (the environment wins); empty counts as unset', async () => {
    const ssm = fakeSsm({ [`${PATH}/LOG_LEVEL`]: 'info', [`${PATH}/OPENAI_API_KEY`]: 'sk-from-ssm-0123456789', [`${PATH}/MONGO_DB_NAME`]: 'prod_db' });
    const env: MutableEnv = { LOG_LEVEL: 'debug', OPENAI_API_KEY: '  ', UNRELATED: 'x' };
    const result = await loadSsmParameters({ path: PATH, env, client: ssm.client });
    expect(env).toEqual({ LOG_LEVEL: 'debug', OPENAI_API_KEY: 'sk-from-ssm-0123456789', MONGO_DB_NAME: 'prod_db', UNRELATED: 'x' });
    expect(result.loaded).toEqual(['MONGO_DB_NAME', 'OPENAI_API_KEY']);
    expect(result.overridden).toEqual(['LOG_LEVEL']);
  });

  it('skips parameters whose name is not an environment variable name, or is reserved, and reports their names', async () => {
    const ssm = fakeSsm({
      [`${PATH}/openai-api-key`]: 'sk-lower-0123456789',
      [`${PATH}/LLM.MODEL`]: 'x',
      [`${PATH}/9LIVES`]: 'x',
      [`${PATH}/AWS_SECRET_ACCESS_KEY`]: 'nope',
      [`${PATH}/SSM_PARAMETER_PATH`]: '/elsewhere',
      [`${PATH}/TAVILY_API_KEY`]: 'tvly-0123456789',
    });
    const env: MutableEnv = {};
    const result = await loadSsmParameters({ path: PATH, env, client: ssm.client });
    expect(env).toEqual({ TAVILY_API_KEY: 'tvly-0123456789' });
    expect(result.ignored).toEqual([`${PATH}/9LIVES`, `${PATH}/AWS_SECRET_ACCESS_KEY`, `${PATH}/LLM.MODEL`, `${PATH}/SSM_PARAMETER_PATH`, `${PATH}/openai-api-key`]);
    expect(JSON.stringify(result)).not.toContain('sk-lower');
  });

  it('refuses two parameters that map to the same variable, writing nothing', async () => {
    const ssm = fakeSsm({ [`${PATH}/LOG_LEVEL`]: 'info', [`${PATH}/api/LOG_LEVEL`]: 'debug' });
    const env: MutableEnv = {};
    const err = await configError(loadSsmParameters({ path: PATH, env, client: ssm.client }));
    expect(err.message).toContain(`${PATH}/LOG_LEVEL and ${PATH}/api/LOG_LEVEL both map to LOG_LEVEL`);
    expect(env).toEqual({});
  });

  it('fails with a ConfigError naming the path and the AWS error code when access is denied, without retrying', async () => {
    const denied = awsError(
      'AccessDeniedException',
      `User: arn:aws:sts::123456789012:assumed-role/agent-orchestrator-prod-instance/i-0abc is not authorized to perform: ssm:GetParametersByPath on resource: arn:aws:ssm:eu-west-1:123456789012:parameter${PATH}`,
      400,
    );
    const ssm = fakeSsm({ [`${PATH}/OPENAI_API_KEY`]: 'sk-secret-0123456789' }, { steps: [denied] });
    const env: MutableEnv = {};
    const err = await configError(loadSsmParameters({ path: PATH, env, client: ssm.client, retryDelayMs: 1 }));
    expect(ssm.calls).toHaveLength(1);
    expect(err.message).toContain(`SSM_PARAMETER_PATH=${PATH}`);
    expect(err.message).toContain('AccessDeniedException after 1 attempt');
    expect(err.message).toContain('ssm:GetParametersByPath');
    expect(err.message).toContain('kms:Decrypt');
    expect(err.details).toEqual([{ field: 'SSM_PARAMETER_PATH', message: err.message }]);
    expect(err.message).not.toContain('sk-secret');
    expect(env).toEqual({});
  });

  it('writes nothing when a later page fails', async () => {
    const params = Object.fromEntries(['A', 'B', 'C'].map((n) => [`${PATH}/${n}`, n]));
    const ssm = fakeSsm(params, { pageSize: 2 });
    const original = ssm.client.send.bind(ssm.client);
    let call = 0;
    const client: SsmClientLike = {
      send: (command, options) => (++call === 2 ? Promise.reject(awsError('ValidationException', 'bad token', 400)) : original(command, options)),
    };
    const env: MutableEnv = {};
    const err = await configError(loadSsmParameters({ path: PATH, env, client }));
    expect(err.message).toContain('ValidationException');
    expect(env).toEqual({});
  });

  it('times out each call, aborts it, retries a bounded number of times, then fails clearly', async () => {
    const ssm = fakeSsm({}, { steps: ['hang', 'hang', 'hang', 'hang'] });
    const started = Date.now();
    const err = await configError(loadSsmParameters({ path: PATH, env: {}, client: ssm.client, timeoutMs: 30, maxAttempts: 3, retryDelayMs: 1 }));
    expect(ssm.calls).toHaveLength(3);
    expect(ssm.aborted).toEqual([true, true, true]);
    expect(err.message).toContain('TimeoutError after 3 attempts');
    expect(err.message).toContain('no answer within 30 ms');
    expect(err.message).toContain(PATH);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('retries network errors, throttling and 5xx, then succeeds', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' });
    const ssm = fakeSsm({ [`${PATH}/LOG_LEVEL`]: 'warn' }, { steps: [refused, awsError('ThrottlingException', 'Rate exceeded', 400)] });
    const env: MutableEnv = {};
    await loadSsmParameters({ path: PATH, env, client: ssm.client, retryDelayMs: 1 });
    expect(ssm.calls).toHaveLength(3);
    expect(env).toEqual({ LOG_LEVEL: 'warn' });

    const flaky = fakeSsm({ [`${PATH}/LOG_LEVEL`]: 'warn' }, { steps: [awsError('InternalServerError', 'oops', 500), awsError('InternalServerError', 'oops', 500)] });
    const err = await configError(loadSsmParameters({ path: PATH, env: {}, client: flaky.client, maxAttempts: 2, retryDelayMs: 1 }));
    expect(flaky.calls).toHaveLength(2);
    expect(err.message).toContain('InternalServerError after 2 attempts');
  });

  it('explains missing credentials', async () => {
    const noCredentials = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    const ssm = fakeSsm({}, { steps: [noCredentials] });
    const err = await configError(loadSsmParameters({ path: PATH, env: {}, client: ssm.client }));
    expect(ssm.calls).toHaveLength(1);
    expect(err.message).toContain('CredentialsProviderError');
    expect(err.message).toContain('instance profile');
  });

  it('refuses a path that does not start with "/"', async () => {
    const ssm = fakeSsm({});
    const err = await configError(loadSsmParameters({ path: 'agent-orchestrator-api/prod', env: {}, client: ssm.client }));
    expect(err.message).toContain('SSM_PARAMETER_PATH must be a parameter path');
    expect(ssm.calls).toHaveLength(0);
  });
});

describe('helpers', () => {
  it('normalises paths', () => {
    expect(normaliseSsmPath(' /a/b/ ')).toBe('/a/b');
    expect(normaliseSsmPath('/a/b')).toBe('/a/b');
    expect(normaliseSsmPath('/')).toBe('/');
  });

  it('finds the AWS error code', () => {
    expect(awsErrorCode(awsError('AccessDeniedException', 'x', 400))).toBe('AccessDeniedException');
    expect(awsErrorCode(Object.assign(new Error('x'), { code: 'ENOTFOUND' }))).toBe('ENOTFOUND');
    expect(awsErrorCode(new Error('x'))).toBe('UnknownError');
    expect(awsErrorCode('weird')).toBe('UnknownError');
  });
});
