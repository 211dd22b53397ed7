import { ConflictError, newTask, type Task } from '@agent-orchestrator/domain';
import { InMemoryStore } from '@agent-orchestrator/persistence/testing';
import { recordingLogger } from '../testing';
import { IdempotentSubmission, bodyHash, canonicalJson, idempotencyKeyHash } from './idempotent-submission';

const NOW = new Date('2030-01-02T03:04:05.678Z');

function setup(options: { waitForTaskMs?: number; staleAfterMs?: number } = {}) {
  const store = new InMemoryStore();
  let clock = NOW.getTime();
  let n = 0;
  const submission = new IdempotentSubmission({
    keys: store.repositories.idempotencyKeys,
    tasks: store.repositories.tasks,
    ttlMs: 3_600_000,
    now: () => new Date(clock),
    newId: () => `task-${++n}`,
    waitForTaskMs: options.waitForTaskMs ?? 100,
    staleAfterMs: options.staleAfterMs ?? 60_000,
  });
  const create = async (taskId: string): Promise<Task> => {
    const task = newTask({ task_id: taskId, session_id: 's', task: 'x', metadata: { ip: null, user_agent: null, request_id: 'r', environment: 'test' }, now: new Date(clock) });
    return store.repositories.tasks.create(task);
  };
  const { logger, records } = recordingLogger();
  return { store, submission, create, logger, records, advance: (ms: number) => (clock += ms) };
}

const request = { keyHash: idempotencyKeyHash('k-1', 'default'), bodyHash: bodyHash({ task: 'x' }) };

describe('IdempotentSubmission', () => {
  it('creates once per key and replays the same task for the same body', async () => {
    const { submission, create, logger, store } = setup();
    const first = await submission.submit(request, create, logger);
    const again = await submission.submit(request, create, logger);
    expect(first).toMatchObject({ replayed: false, task: { task_id: 'task-1' } });
    expect(again).toMatchObject({ replayed: true, task: { task_id: 'task-1' } });
    expect(store.tasks.size).toBe(1);
  });

  it('refuses the same key with another body', async () => {
    const { submission, create, logger } = setup();
    await submission.submit(request, create, logger);
    await expect(submission.submit({ ...request, bodyHash: bodyHash({ task: 'y' }) }, create, logger)).rejects.toEqual(
      new ConflictError('This Idempotency-Key was already used with a different request body. Use a new key for a new task.'),
    );
  });

  it('frees the key when creating fails, so the retry can create', async () => {
    const { submission, create, logger } = setup();
    await expect(submission.submit(request, () => Promise.reject(new Error('down')), logger)).rejects.toThrow('down');
    await expect(submission.submit(request, create, logger)).resolves.toMatchObject({ replayed: false });
  });

  it('answers a conflict while the first request is still creating, and takes over a stale reservation', async () => {
    const { submission, create, logger, store, advance } = setup({ waitForTaskMs: 20, staleAfterMs: 1000 });
    await store.repositories.idempotencyKeys.reserve({ ...{ key_hash: request.keyHash, body_hash: request.bodyHash }, task_id: 'crashed', created_at: NOW, expires_at: new Date(NOW.getTime() + 3_600_000) }, NOW);
    await expect(submission.submit(request, create, logger)).rejects.toMatchObject({ type: 'CONFLICT', message: expect.stringContaining('still being processed') });
    advance(1000);
    await expect(submission.submit(request, create, logger)).resolves.toMatchObject({ replayed: false });
  });

  it('scopes keys by API key and hashes bodies whatever their key order', () => {
    expect(idempotencyKeyHash('k', 'a')).not.toBe(idempotencyKeyHash('k', 'b'));
    expect(idempotencyKeyHash('k', 'default')).not.toBe(idempotencyKeyHash('k', 'global'));
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: undefined } })).toBe('{"a":{"d":[1,{"e":3,"f":2}]},"b":1}');
    expect(bodyHash({ task: 'x', session_id: 's' })).toBe(bodyHash({ session_id: 's', task: 'x' }));
  });

  it('answers SERVICE_UNAVAILABLE when the key cannot be checked', async () => {
    const { submission, create, logger, store } = setup();
    store.down = true;
    await expect(submission.submit(request, create, logger)).rejects.toMatchObject({
      type: 'SERVICE_UNAVAILABLE',
      message: 'The Idempotency-Key could not be checked because the database is unavailable. Try again shortly.',
    });
  });
});
