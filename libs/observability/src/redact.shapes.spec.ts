/**
 * Every shape a secret can reach a log field in: by field name (headers, env
 * names, config keys), by value shape (provider keys, bearer tokens, URIs with
 * passwords), nested in objects and arrays, inside Error objects, and through
 * the logger itself. The secrets below are fake.
 */
import { Writable } from 'node:stream';
import winston from 'winston';
import { createLogger } from './logger';
import { REDACTED, redact, redactField, redactText } from './redact';

const OPENAI = 'sk-proj-AbCdEf0123456789xyz';
const TAVILY = 'tvly-dev-0123456789abcdef';
const API_KEY = 'b3f1c0ffee0123456789abcdef';
const MONGO = 'mongodb://orchestrator:Pa55w0rd!@db.internal:27017/agent_orchestrator?authSource=admin';
const MONGO_SRV = 'mongodb+srv://svc:s3cr3t@cluster0.example.net/db';
const SECRETS = [OPENAI, TAVILY, API_KEY, 'Pa55w0rd!', 's3cr3t', 'tok.en-value'];

function leaks(value: unknown): string[] {
  const text = JSON.stringify(value);
  return SECRETS.filter((s) => text.includes(s));
}

describe('redaction: field names', () => {
  it.each([
    'x-api-key',
    'X-API-Key',
    'api_key',
    'apiKey',
    'API_KEYS',
    'authorization',
    'Authorization',
    'proxy-authorization',
    'OPENAI_API_KEY',
    'TAVILY_API_KEY',
    'openai_api_key',
    'password',
    'MONGO_PASSWORD',
    'client_secret',
    'access_token',
    'refresh_token',
    'cookie',
    'set-cookie',
    'aws_secret_access_key',
    'credentials',
    'private_key',
  ])('hides a string under %s', (key) => {
    expect(redactField(key, 'anything-at-all')).toBe(REDACTED);
  });

  it('keeps ids and token counts, which name or measure secrets without being one', () => {
    expect(redact({ api_key_id: 'dashboard', apiKeyId: 'ci', total_tokens: 120, prompt_tokens: 100, completion_tokens: 20, max_tokens: 500 })).toEqual({
      api_key_id: 'dashboard',
      apiKeyId: 'ci',
      total_tokens: 120,
      prompt_tokens: 100,
      completion_tokens: 20,
      max_tokens: 500,
    });
  });

  it('hides a token count field when it holds a string (it may be a real token)', () => {
    expect(redactField('tokens', 'tok.en-value')).toBe(REDACTED);
  });
});

describe('redaction: value shapes in any field', () => {
  it.each([
    ['an OpenAI key', `calling with ${OPENAI}`, `calling with ${REDACTED}`],
    ['a Tavily key', `search key ${TAVILY} rejected`, `search key ${REDACTED} rejected`],
    ['a bearer token', `Authorization: Bearer ${API_KEY}`, `Authorization: Bearer ${REDACTED}`],
    ['an X-API-Key header line', `X-API-Key: ${API_KEY}`, `X-API-Key: ${REDACTED}`],
    ['a MongoDB URI with a password', `connect ${MONGO} failed`, `connect mongodb://${REDACTED}@db.internal:27017/agent_orchestrator?authSource=admin failed`],
    ['a mongodb+srv URI', MONGO_SRV, `mongodb+srv://${REDACTED}@cluster0.example.net/db`],
    ['a Redis URL with a password', 'redis://default:s3cr3t@cache:6379', `redis://${REDACTED}@cache:6379`],
  ])('hides %s', (_what, input, expected) => {
    expect(redactText(input)).toBe(expected);
    expect(redact({ message: input })).toEqual({ message: expected });
  });
});

describe('redaction: nesting and errors', () => {
  it('reaches into nested objects and arrays', () => {
    const out = redact({
      request: { headers: { 'x-api-key': API_KEY, authorization: `Bearer ${API_KEY}`, accept: 'application/json' } },
      env: [{ name: 'OPENAI_API_KEY', value: OPENAI }, { OPENAI_API_KEY: OPENAI }],
      retries: [[{ error: `429 from api.openai.com with key ${OPENAI}` }]],
      mongo: { uri: MONGO },
    });
    expect(leaks(out)).toEqual([]);
    expect(out).toMatchObject({
      request: { headers: { accept: 'application/json' } },
      env: [{ name: 'OPENAI_API_KEY', value: REDACTED }, { OPENAI_API_KEY: REDACTED }],
    });
  });

  it('turns Error objects into name and redacted message, also nested', () => {
    const err = new Error(`MongoServerError: auth failed for ${MONGO} using ${TAVILY}`);
    expect(redact(err)).toEqual({
      name: 'Error',
      message: `MongoServerError: auth failed for mongodb://${REDACTED}@db.internal:27017/agent_orchestrator?authSource=admin using ${REDACTED}`,
    });
    expect(leaks(redact({ cause: { errors: [err] } }))).toEqual([]);
  });

  it('keeps dates, numbers, booleans and null as they are', () => {
    const at = new Date(0);
    expect(redact({ at, n: 1, ok: true, none: null })).toEqual({ at, n: 1, ok: true, none: null });
  });
});

describe('redaction through the logger', () => {
  it('writes no secret from the message, the fields, nested fields or an error', () => {
    const lines: string[] = [];
    const logger = createLogger({ service: 'test', level: 'debug' });
    logger.clear().add(new winston.transports.Stream({ stream: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) }));
    logger.warn(`provider call failed with ${OPENAI}`, {
      headers: { 'x-api-key': API_KEY, Authorization: `Bearer ${API_KEY}` },
      TAVILY_API_KEY: TAVILY,
      mongo_uri: MONGO,
      err: new Error(`bad ${MONGO_SRV}`),
      total_tokens: 42,
      api_key_id: 'dashboard',
    });
    expect(lines).toHaveLength(1);
    expect(SECRETS.filter((s) => lines[0]!.includes(s))).toEqual([]);
    expect(JSON.parse(lines[0]!)).toMatchObject({ total_tokens: 42, api_key_id: 'dashboard', TAVILY_API_KEY: REDACTED });
  });
});
