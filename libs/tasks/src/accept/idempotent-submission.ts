/**
 * `Idempotency-Key` on a task submission: the same key with the same body gives the same task for
 * the key's TTL, the same key with another body a conflict. Keys are scoped to the tenant of the
 * API key the request authenticated with, and only a hash of tenant and key is stored.
 *
 * The key is reserved (an insert on a unique index) before the task is created, so of concurrent
 * requests with one key exactly one creates a task; the others wait briefly for it and replay it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { ConflictError, DEFAULT_TENANT, IDEMPOTENCY_KEY_HEADER, type Task } from '@agent-orchestrator/domain';
import type { IdempotencyKeyRepository, IdempotencyRecord, TaskRepository } from '@agent-orchestrator/persistence';
import type { Logger } from '../ports/logger.port';
import { storeError } from '../support/store-error';

const NOT_STORED = 'The Idempotency-Key could not be checked because the database is unavailable. Try again shortly.';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * The stored form of a key: tenant and key hashed together, so keys of different tenants never meet
 * (and every key of one tenant shares them). The default tenant keeps the scope keys had before
 * tenants (`global`), so its keys stored then still answer.
 */
export function idempotencyKeyHash(key: string, tenantId: string): string {
  const scope = tenantId === DEFAULT_TENANT ? 'global' : `tenant:${tenantId}`;
  return sha256(`${scope.length}:${scope}:${key}`);
}

/** JSON with object keys sorted at every level, so equal bodies hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function bodyHash(input: object): string {
  return sha256(canonicalJson(input));
}

export interface IdempotencyDeps {
  keys: IdempotencyKeyRepository;
  tasks: Pick<TaskRepository, 'findById'>;
  ttlMs: number;
  now: () => Date;
  newId?: () => string;
  /** How long a request that lost the race waits for the winner's task to appear. Default 5000 ms. */
  waitForTaskMs?: number;
  /** A reservation whose task never appeared after this long is from a crashed request and is taken over. Default 60 s. */
  staleAfterMs?: number;
}

export interface IdempotentOutcome {
  task: Task;
  replayed: boolean;
}

const POLL_MS = 50;
const MAX_ROUNDS = 3;

/** The use case of a submission that carries an Idempotency-Key. */
export class IdempotentSubmission {
  private readonly newId: () => string;
  private readonly waitForTaskMs: number;
  private readonly staleAfterMs: number;

  constructor(private readonly deps: IdempotencyDeps) {
    this.newId = deps.newId ?? randomUUID;
    this.waitForTaskMs = deps.waitForTaskMs ?? 5000;
    this.staleAfterMs = deps.staleAfterMs ?? 60_000;
  }

  /**
   * Creates the task with `create(taskId)` once per key: the first request
   * reserves the key and creates; later ones (same body) get that task back.
   * @throws ConflictError (409) for the same key with another body.
   */
  async submit(request: { keyHash: string; bodyHash: string }, create: (taskId: string) => Promise<Task>, log: Logger): Promise<IdempotentOutcome> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const now = this.deps.now();
      const record: IdempotencyRecord = {
        key_hash: request.keyHash,
        body_hash: request.bodyHash,
        task_id: this.newId(),
        created_at: now,
        expires_at: new Date(now.getTime() + this.deps.ttlMs),
      };
      let reservation;
      try {
        reservation = await this.deps.keys.reserve(record, now);
      } catch (err) {
        throw storeError(err, NOT_STORED);
      }
      if (reservation.reserved) return { task: await this.createOrRelease(record, create, log), replayed: false };

      const existing = reservation.existing;
      if (existing.body_hash !== request.bodyHash) {
        throw new ConflictError(`This ${IDEMPOTENCY_KEY_HEADER} was already used with a different request body. Use a new key for a new task.`);
      }
      const task = await this.waitForTask(existing.task_id);
      if (task) return { task, replayed: true };
      // No task behind the key: either its request failed and released it (try again), or it crashed
      // before it could (take it over once it is clearly stale), or it is still creating (409, retry).
      if (this.deps.now().getTime() - existing.created_at.getTime() >= this.staleAfterMs) {
        await this.deps.keys.release(existing.key_hash, existing.task_id).catch((err: unknown) => {
          throw storeError(err, NOT_STORED);
        });
        continue;
      }
      const still = await this.deps.keys.find(request.keyHash, this.deps.now()).catch((err: unknown) => {
        throw storeError(err, NOT_STORED);
      });
      if (still === null || still.task_id !== existing.task_id) continue;
      throw new ConflictError(`A request with this ${IDEMPOTENCY_KEY_HEADER} is still being processed. Retry shortly.`);
    }
    throw new ConflictError(`A request with this ${IDEMPOTENCY_KEY_HEADER} is still being processed. Retry shortly.`);
  }

  /** When creating fails, the key is freed so the client's retry can succeed. */
  private async createOrRelease(record: IdempotencyRecord, create: (taskId: string) => Promise<Task>, log: Logger): Promise<Task> {
    try {
      return await create(record.task_id);
    } catch (err) {
      try {
        await this.deps.keys.release(record.key_hash, record.task_id);
      } catch (releaseErr) {
        // Taken over once stale (staleAfterMs): the key is not lost for good.
        log.warn('idempotency key could not be released after a failed submission', { err: releaseErr, task_id: record.task_id });
      }
      throw err;
    }
  }

  private async waitForTask(taskId: string): Promise<Task | null> {
    const deadline = Date.now() + this.waitForTaskMs;
    for (;;) {
      let task: Task | null;
      try {
        task = await this.deps.tasks.findById(taskId);
      } catch (err) {
        throw storeError(err, NOT_STORED);
      }
      if (task || Date.now() >= deadline) return task;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
