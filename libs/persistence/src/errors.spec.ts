import { ErrorType, OrchestratorError, ValidationError } from '@agent-orchestrator/domain';

import mongoose from 'mongoose';

import { DatabaseUnavailableError, DuplicateKeyError, mapMongoError } from './errors';

const ctx = { host: 'db.example.com:27017', timeoutMs: 5000 };

describe('DatabaseUnavailableError', () => {
  it('is a retryable SERVICE_UNAVAILABLE OrchestratorError naming host and timeout', () => {
    const err = new DatabaseUnavailableError('db.example.com:27017', 500, 'connect ECONNREFUSED');
    expect(err).toBeInstanceOf(OrchestratorError);
    expect(err.name).toBe('DatabaseUnavailableError');
    expect(err.type).toBe(ErrorType.SERVICE_UNAVAILABLE);
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('db.example.com:27017');
    expect(err.message).toContain('500 ms');
  });

  it('redacts credentials that appear in the reason', () => {
    const err = new DatabaseUnavailableError('h:1', 500, 'bad mongodb://root:hunter2@h:1/x');
    expect(err.message).not.toContain('hunter2');
  });
});

describe('mapMongoError', () => {
  it('maps code 11000 to DuplicateKeyError with the key names', () => {
    const mapped = mapMongoError({ name: 'MongoServerError', code: 11000, keyValue: { task_id: 't1' } }, 'tasks', ctx);
    expect(mapped).toBeInstanceOf(DuplicateKeyError);
    expect((mapped as DuplicateKeyError).collection).toBe('tasks');
    expect((mapped as DuplicateKeyError).key).toEqual({ task_id: 't1' });
    expect((mapped as DuplicateKeyError).message).toContain('task_id');
  });

  it('maps 11000 without keyValue (FerretDB) too', () => {
    const mapped = mapMongoError({ code: 11000, message: 'E11000 duplicate key error collection: x.tasks' }, 'tasks', ctx);
    expect(mapped).toBeInstanceOf(DuplicateKeyError);
    expect((mapped as DuplicateKeyError).key).toBeNull();
  });

  it.each([
    'MongoServerSelectionError',
    'MongoNetworkError',
    'MongoNetworkTimeoutError',
    'MongooseServerSelectionError',
    'PoolClearedOnNetworkError',
    'MongoPoolClearedError',
    'MongoPoolClosedError',
    'MongoWaitQueueTimeoutError',
    'MongoServerClosedError',
  ])(
    'maps %s to DatabaseUnavailableError',
    (name) => {
      const mapped = mapMongoError(Object.assign(new Error('connection refused'), { name }), 'tasks', ctx);
      expect(mapped).toBeInstanceOf(DatabaseUnavailableError);
      expect((mapped as DatabaseUnavailableError).host).toBe(ctx.host);
    },
  );

  it("maps the driver's own errors of an unreachable, stopping or restarting server (real instances, so a renamed class is caught)", () => {
    // The pool errors are not exported by the driver's index; this is the copy mongoose loads.
    const cmap = require(require.resolve('mongodb/lib/cmap/errors', { paths: [require.resolve('mongoose')] })) as Record<string, new (...args: unknown[]) => Error>;
    const pool = { address: '127.0.0.1:27017', serverError: new mongoose.mongo.MongoNetworkError('connection reset') };
    const errors: Error[] = [
      new cmap['PoolClearedError']!(pool),
      new cmap['PoolClearedOnNetworkError']!(pool),
      new cmap['PoolClosedError']!(pool),
      new cmap['WaitQueueTimeoutError']!('Timed out while checking out a connection from connection pool', pool.address),
      new mongoose.mongo.MongoServerClosedError(),
      new mongoose.mongo.MongoNetworkError('connection reset'),
      new mongoose.mongo.MongoTopologyClosedError(),
      new mongoose.mongo.MongoNotConnectedError('not connected'),
    ];
    for (const err of errors) expect([err.name, mapMongoError(err, 'tasks', ctx)]).toEqual([err.name, expect.any(DatabaseUnavailableError)]);
  });

  it('maps FerretDB cancelling an operation as it shuts down ("context canceled") to DatabaseUnavailableError, and nothing else with that wording', () => {
    const message = '[msg_findandmodify.go:196 handler.(*Handler).findAndModifyDocument] [query_iterator.go:79 sqlite.(*queryIterator).Next] context canceled after delay';
    expect(mapMongoError(Object.assign(new Error(message), { name: 'MongoServerError', code: 1 }), 'tasks', ctx)).toBeInstanceOf(DatabaseUnavailableError);
    expect(mapMongoError(Object.assign(new Error('the context canceled field'), { name: 'Error' }), 'tasks', ctx)).not.toBeInstanceOf(DatabaseUnavailableError);
  });

  it.each([91, 11600, 189, 10107])('maps a server that is shutting down or stepping down (code %i) to DatabaseUnavailableError', (code) => {
    const mapped = mapMongoError(Object.assign(new Error('interrupted at shutdown'), { name: 'MongoServerError', code }), 'tasks', ctx);
    expect(mapped).toBeInstanceOf(DatabaseUnavailableError);
  });

  it('maps mongoose validation errors to the domain ValidationError with field details', () => {
    const mapped = mapMongoError(
      { name: 'ValidationError', message: 'Task validation failed', errors: { status: { message: 'not a valid enum value' } } },
      'tasks',
      ctx,
    );
    expect(mapped).toBeInstanceOf(ValidationError);
    expect((mapped as ValidationError).details).toEqual([{ field: 'status', message: 'not a valid enum value' }]);
  });

  it('passes OrchestratorErrors and unknown errors through unchanged', () => {
    const own = new ValidationError('x');
    const other = new TypeError('boom');
    expect(mapMongoError(own, 'tasks', ctx)).toBe(own);
    expect(mapMongoError(other, 'tasks', ctx)).toBe(other);
  });
});
