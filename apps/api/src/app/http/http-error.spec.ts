import {
  ConfigError,
  ErrorType,
  LlmError,
  NotFoundError,
  OrchestratorError,
  ValidationError,
} from '@agent-orchestrator/domain';
import { DatabaseUnavailableError } from '@agent-orchestrator/persistence';
import { QueueUnavailableError } from '@agent-orchestrator/messaging';
import { ApiError, errorBody, statusForErrorType, toHttpError } from './http-error';

/** Like the errors body-parser raises (http-errors with a `type`). */
function bodyParserError(type: string, status: number): Error {
  return Object.assign(new Error(`raw ${type} message`), { type, status, statusCode: status, expose: true });
}

describe('statusForErrorType', () => {
  it.each([
    [ErrorType.VALIDATION_ERROR, 400],
    [ErrorType.UNAUTHORIZED, 401],
    [ErrorType.NOT_FOUND, 404],
    [ErrorType.METHOD_NOT_ALLOWED, 405],
    [ErrorType.PAYLOAD_TOO_LARGE, 413],
    [ErrorType.UNSUPPORTED_MEDIA_TYPE, 415],
    [ErrorType.RATE_LIMITED, 429],
    [ErrorType.SERVICE_UNAVAILABLE, 503],
    [ErrorType.INTERNAL_ERROR, 500],
    [ErrorType.LLM_ERROR, 500],
    [ErrorType.CONFIG_ERROR, 500],
  ])('%s → %i', (type, status) => {
    expect(statusForErrorType(type)).toBe(status);
  });
});

describe('toHttpError', () => {
  it('keeps the message and details of client errors', () => {
    const err = new ValidationError('The request body is invalid.', [{ field: 'task', message: 'task must be a string' }]);
    expect(toHttpError(err)).toEqual({
      status: 400,
      type: 'VALIDATION_ERROR',
      message: 'The request body is invalid.',
      details: [{ field: 'task', message: 'task must be a string' }],
    });
  });

  it('omits empty details', () => {
    expect(toHttpError(new ValidationError('bad'))).toEqual({ status: 400, type: 'VALIDATION_ERROR', message: 'bad' });
  });

  it.each([
    [new NotFoundError('No task with id x.'), 404, 'NOT_FOUND'],
    [new OrchestratorError(ErrorType.RATE_LIMITED, 'slow down'), 429, 'RATE_LIMITED'],
    [new OrchestratorError(ErrorType.UNSUPPORTED_MEDIA_TYPE, 'json please'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    [new OrchestratorError(ErrorType.PAYLOAD_TOO_LARGE, 'too big'), 413, 'PAYLOAD_TOO_LARGE'],
  ])('maps %p', (err, status, type) => {
    expect(toHttpError(err)).toMatchObject({ status, type, message: err.message });
  });

  it('hides the message of a 503 raised by a dependency (it may name hosts)', () => {
    const mongo = new DatabaseUnavailableError('db.internal:27017', 5000, 'connection refused');
    expect(toHttpError(mongo)).toEqual({
      status: 503,
      type: 'SERVICE_UNAVAILABLE',
      message: 'A service the API depends on is unavailable. Try again shortly.',
    });
    expect(toHttpError(new QueueUnavailableError('Redis at 10.0.0.5 is down'))).toMatchObject({ status: 503, type: 'SERVICE_UNAVAILABLE' });
    expect(JSON.stringify(toHttpError(mongo))).not.toContain('db.internal');
  });

  it('keeps the headers an ApiError carries apart from the body', () => {
    const err = new ApiError(ErrorType.METHOD_NOT_ALLOWED, 'PUT is not allowed.', { headers: { Allow: 'GET, HEAD, OPTIONS' } });
    expect(err.headers).toEqual({ Allow: 'GET, HEAD, OPTIONS' });
    expect(toHttpError(err)).toEqual({ status: 405, type: 'METHOD_NOT_ALLOWED', message: 'PUT is not allowed.' });
    expect(new ApiError(ErrorType.UNAUTHORIZED, 'no key').headers).toEqual({});
  });

  it('keeps the message of a 503 the API wrote for clients', () => {
    const err = new ApiError(ErrorType.SERVICE_UNAVAILABLE, 'The task could not be queued.');
    expect(toHttpError(err)).toEqual({ status: 503, type: 'SERVICE_UNAVAILABLE', message: 'The task could not be queued.' });
  });

  it.each([
    ['a plain Error', new Error('secret internals at /srv/app.js:12')],
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['a thrown string', 'boom'],
    ['null', null],
    ['an unexpected domain error', new LlmError('upstream said no')],
    ['a config error', new ConfigError('MONGO_URI is required')],
  ])('turns %s into an opaque INTERNAL_ERROR', (_name, err) => {
    expect(toHttpError(err)).toEqual({ status: 500, type: 'INTERNAL_ERROR', message: 'An unexpected error occurred.' });
  });

  it.each([
    ['entity.parse.failed', 400, 400, 'VALIDATION_ERROR'],
    ['entity.too.large', 413, 413, 'PAYLOAD_TOO_LARGE'],
    ['charset.unsupported', 415, 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['encoding.unsupported', 415, 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['request.aborted', 400, 400, 'VALIDATION_ERROR'],
    ['request.size.invalid', 400, 400, 'VALIDATION_ERROR'],
  ])('maps the body-parser error %s', (type, rawStatus, status, errorType) => {
    const mapped = toHttpError(bodyParserError(type, rawStatus));
    expect(mapped).toMatchObject({ status, type: errorType });
    expect(mapped.message).not.toContain('raw');
  });

  it('maps other 4xx errors from Express by status, without their message', () => {
    const uriError = Object.assign(new URIError('Failed to decode param %E0%A4%A'), { status: 400 });
    expect(toHttpError(uriError)).toEqual({ status: 400, type: 'VALIDATION_ERROR', message: 'The request could not be processed.' });
    expect(toHttpError(Object.assign(new Error('x'), { status: 404 }))).toMatchObject({ status: 404, type: 'NOT_FOUND' });
    expect(toHttpError(Object.assign(new Error('x'), { status: 418 }))).toMatchObject({ status: 400, type: 'VALIDATION_ERROR' });
  });

  it('treats 5xx http errors as internal', () => {
    expect(toHttpError(Object.assign(new Error('stream.not.readable'), { status: 500, type: 'stream.not.readable' }))).toMatchObject({
      status: 500,
      type: 'INTERNAL_ERROR',
    });
  });
});

describe('errorBody', () => {
  it('has the one error shape', () => {
    expect(errorBody({ type: 'NOT_FOUND', message: 'No task.' }, 'req-1')).toEqual({
      error: { type: 'NOT_FOUND', message: 'No task.', request_id: 'req-1' },
      api_version: 'v1',
    });
  });

  it('includes details when there are some, with field only when known', () => {
    const body = errorBody(
      { type: 'VALIDATION_ERROR', message: 'bad', details: [{ field: 'task', message: 'm1' }, { message: 'm2' }] },
      'req-2',
    );
    expect(body.error.details).toEqual([{ field: 'task', message: 'm1' }, { message: 'm2' }]);
    expect(Object.keys(body.error)).toEqual(['type', 'message', 'details', 'request_id']);
  });
});
