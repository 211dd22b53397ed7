import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError as ClassValidationError } from 'class-validator';
import { ValidationError, type ErrorDetail } from '@agent-orchestrator/domain';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function firstMessage(error: ClassValidationError): string {
  return Object.values(error.constraints ?? {})[0] ?? `${error.property} is invalid`;
}

/**
 * Turns a parsed JSON body into a validated DTO instance, or throws a
 * VALIDATION_ERROR naming each bad field. No implicit type conversion: a
 * number is not a string. Unknown properties are errors, not silently dropped.
 */
export async function validateBody<T extends object>(dto: new () => T, body: unknown): Promise<T> {
  if (!isPlainObject(body)) {
    throw new ValidationError('The request body must be a JSON object.', [{ field: 'body', message: 'body must be a JSON object' }]);
  }
  const instance = plainToInstance(dto, body, { enableImplicitConversion: false, exposeDefaultValues: false });
  const errors = await validate(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
  });
  const details: ErrorDetail[] = errors.map((e) => ({ field: e.property, message: firstMessage(e) }));
  // class-transformer skips `__proto__` and `constructor`, so class-validator never sees them.
  for (const key of Object.keys(body)) {
    if (!Object.prototype.hasOwnProperty.call(instance, key) && !details.some((d) => d.field === key)) {
      details.push({ field: key, message: `property ${key} should not exist` });
    }
  }
  if (details.length > 0) throw new ValidationError('The request body is invalid.', details);
  return instance;
}
