import type { GetParametersByPathCommand, GetParametersByPathCommandOutput } from '@aws-sdk/client-ssm';
import { ConfigError } from '@agent-orchestrator/domain';
import { loadApiConfig } from './api.config';
import { loadWorkerConfig } from './worker.config';
import { loadEnvironment, logEnvironmentSources } from './environment';
import type { MutableEnv, SsmClientLike } from './ssm';

const PATH = '/agent-orchestrator-api/prod';
const NO_DOTENV = '/nonexistent/.env';

function ssmWith(parameters: Record<string, string>): SsmClientLike & { calls: number } {
  const fake = {
    calls: 0,
    async send(command: GetParametersByPathCommand): Promise<GetParametersByPathCommandOutput> {
      fake.calls++;
      const Parameters = Object.entries(parameters)
        .filter(([name]) => name.startsWith(`${command.input.Path}/`))
        .map(([Name, Value]) => ({ Name, Value }));
      return { Parameters, $metadata: {} };
    },
  };
  return fake;
}

describe('loadEnvironment', () => {
  it('loads SSM parameters before validation, so required settings can live only in SSM', async () => {
    const ssm = ssmWith({ [`${PATH}/MONGO_URI`]: 'mongodb://db.internal:27017', [`${PATH}/REDIS_URL`]: 'rediss://cache.internal:6379', [`${PATH}/WORKER_CONCURRENCY`]: '4' });
    const env: MutableEnv = { NODE_ENV: 'production', SSM_PARAMETER_PATH: PATH, AWS_REGION: 'eu-west-1', WORKER_CONCURRENCY: '8' };
    const { config, logger, sources } = await loadEnvironment('worker', loadWorkerConfig, { env, ssmClient: ssm, silent: true, dotEnvFile: NO_DOTENV });
    expect(config.mongo.uri).toBe('mongodb://db.internal:27017');
    expect(config.redis.url).toBe('rediss://cache.internal:6379');
    // Set explicitly on the container: wins over SSM.
    expect(config.concurrency).toBe(8);
    expect(sources).toEqual({ dotEnv: false, ssm: { path: PATH, loaded: ['MONGO_URI', 'REDIS_URL'], overridden: ['WORKER_CONCURRENCY'], ignored: [] } });
    expect(logger.level).toBe('info');
  });

  it('does not call SSM when SSM_PARAMETER_PATH is unset or empty', async () => {
    const ssm = ssmWith({});
    const env: MutableEnv = { MONGO_URI: 'mongodb://127.0.0.1:27017', REDIS_URL: 'redis://127.0.0.1:6379', SSM_PARAMETER_PATH: ' ' };
    const { config, sources } = await loadEnvironment('api', loadApiConfig, { env, ssmClient: ssm, silent: true, dotEnvFile: NO_DOTENV });
    expect(ssm.calls).toBe(0);
    expect(sources).toEqual({ dotEnv: false });
    expect(config.port).toBe(3000);
  });

  it('reports invalid settings that came from SSM through the usual ConfigError', async () => {
    const ssm = ssmWith({ [`${PATH}/MONGO_URI`]: 'mongodb://db.internal:27017', [`${PATH}/REDIS_URL`]: 'redis://r:6379', [`${PATH}/PORT`]: 'eighty' });
    const env: MutableEnv = { SSM_PARAMETER_PATH: PATH };
    await expect(loadEnvironment('api', loadApiConfig, { env, ssmClient: ssm, silent: true, dotEnvFile: NO_DOTENV })).rejects.toThrow(ConfigError);
  });

  it('stops before validation when SSM cannot be read', async () => {
    const ssm: SsmClientLike = { send: () => Promise.reject(Object.assign(new Error('denied'), { name: 'AccessDeniedException' })) };
    const load = jest.fn(loadApiConfig);
    const env: MutableEnv = { SSM_PARAMETER_PATH: PATH };
    await expect(loadEnvironment('api', load, { env, ssmClient: ssm, silent: true, dotEnvFile: NO_DOTENV })).rejects.toThrow(/AccessDeniedException/);
    expect(load).not.toHaveBeenCalled();
  });
});

describe('logEnvironmentSources', () => {
  it('logs counts at info and names at debug, never values', () => {
    const lines: Array<[string, string, unknown]> = [];
    const logger = {
      info: (message: string, meta: unknown) => lines.push(['info', message, meta]),
      debug: (message: string, meta: unknown) => lines.push(['debug', message, meta]),
      warn: (message: string, meta: unknown) => lines.push(['warn', message, meta]),
    } as unknown as Parameters<typeof logEnvironmentSources>[0];
    logEnvironmentSources(logger, { dotEnv: false, ssm: { path: PATH, loaded: ['MONGO_URI', 'OPENAI_API_KEY'], overridden: ['LOG_LEVEL'], ignored: [`${PATH}/bad-name`] } });
    expect(lines.map(([level]) => level)).toEqual(['info', 'debug', 'warn']);
    expect(lines[0][2]).toEqual({ ssm_path: PATH, count: 2, kept_from_environment: 1 });
    expect(lines[1][2]).toEqual({ ssm_path: PATH, names: ['MONGO_URI', 'OPENAI_API_KEY'], kept_from_environment: ['LOG_LEVEL'] });
    expect(lines[2][2]).toEqual({ ssm_path: PATH, parameters: [`${PATH}/bad-name`] });
  });

  it('logs nothing without SSM', () => {
    const logger = { info: jest.fn(), debug: jest.fn(), warn: jest.fn() };
    logEnvironmentSources(logger as unknown as Parameters<typeof logEnvironmentSources>[0], { dotEnv: true });
    expect(logger.info).not.toHaveBeenCalled();
  });
});
