import { Writable } from 'node:stream';
import winston from 'winston';
import { createLogger } from './logger';
import { REDACTED, redact, redactText } from './redact';

describe('redact', () => {
  it('hides secret-named fields at any depth', () => {
    const out = redact({ api_key: 'k', nested: { Authorization: 'Bearer abc', password: 'p', ok: 'fine' }, list: [{ token: 't' }] });
    expect(out).toEqual({ api_key: REDACTED, nested: { Authorization: REDACTED, password: REDACTED, ok: 'fine' }, list: [{ token: REDACTED }] });
  });

  it('hides API keys in header-named fields, but not the ids that name them', () => {
    const out = redact({ headers: { 'x-api-key': 'k1', 'X-API-Key': 'k2', authorization: 'Bearer k3' }, api_key_id: 'dashboard', task_id: 't', apiKeyId: 'ci' });
    expect(out).toEqual({ headers: { 'x-api-key': REDACTED, 'X-API-Key': REDACTED, authorization: REDACTED }, api_key_id: 'dashboard', task_id: 't', apiKeyId: 'ci' });
  });

  it('hides an X-API-Key header written out as text', () => {
    expect(redactText('curl -H "X-API-Key: s3cr3t-value" http://x')).toBe(`curl -H "X-API-Key: ${REDACTED}" http://x`);
    expect(redactText('x-api-key=abc123;')).toBe(`x-api-key=${REDACTED};`);
  });

  it('hides credentials inside free text', () => {
    expect(redactText('mongodb://user:s3cret@db:27017/x')).toBe(`mongodb://${REDACTED}@db:27017/x`);
    expect(redactText('header Bearer abc.def-ghi')).toBe(`header Bearer ${REDACTED}`);
    expect(redactText('key sk-proj-abcdefghijkl and tvly-abcdefghijk')).toBe(`key ${REDACTED} and ${REDACTED}`);
    expect(redactText('secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw= here')).toBe(`secret ${REDACTED} here`);
  });
});

describe('redactText fast path', () => {
  it('returns strings that cannot hold a secret as they are, and still finds secrets in any case of the markers', () => {
    for (const plain of ['POST /v1/agent/execute 202', '3f2c1d8e-4b5a-4c3d-9e8f-0a1b2c3d4e5f', '127.0.0.1', 'task accepted', '']) expect(redactText(plain)).toBe(plain);
    expect(redactText('X-API-KEY: abc123')).toBe(`X-API-KEY: ${REDACTED}`);
    expect(redactText('REDIS://u:p@h:6379')).toBe(`REDIS://${REDACTED}@h:6379`);
    expect(redactText('retry with Bearer tok.en')).toBe(`retry with Bearer ${REDACTED}`);
  });
});

describe('createLogger', () => {
  it('writes JSON lines with context and without secrets', () => {
    const lines: string[] = [];
    const logger = createLogger({ service: 'test', level: 'info' });
    logger.clear().add(new winston.transports.Stream({ stream: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) }));
    logger.child({ request_id: 'r-1', task_id: 't-1' }).info('connected to mongodb://admin:hunter2@db/x', { openai_api_key: 'sk-live-123456789', duration_ms: 5 });
    expect(lines).toHaveLength(1);
    const rec = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(rec).toMatchObject({ level: 'info', service: 'test', request_id: 'r-1', task_id: 't-1', duration_ms: 5, openai_api_key: REDACTED });
    expect(typeof rec['timestamp']).toBe('string');
    expect(lines[0]).not.toContain('hunter2');
    expect(lines[0]).not.toContain('sk-live');
  });
});
