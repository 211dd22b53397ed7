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

/** Deeper than any body this API takes (its DTOs are flat); past it the value is refused before anything recurses into it. */
export const MAX_BODY_DEPTH = 32;

/** Whether `value` nests objects or arrays deeper than `max`; iterative, so no depth can overflow the stack. */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [v, depth] = item;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(v as Record<string, unknown>)) stack.push([child, depth + 1]);
  }
  return false;
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
  // class-transformer and class-validator recurse: a 10k-deep value would overflow the stack (a 500).
  const tooDeep = Object.entries(body)
    .filter(([, value]) => nestedDeeperThan(value, MAX_BODY_DEPTH))
    .map(([field]) => ({ field, message: `${field} is nested more than ${MAX_BODY_DEPTH} levels deep` }));
  if (tooDeep.length > 0) throw new ValidationError('The request body is invalid.', tooDeep);
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
