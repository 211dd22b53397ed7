import { Transform } from 'class-transformer';
import { IsInt, IsNotEmpty, IsNumber, IsString, Matches, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { MAX_BUDGET_COST_USD, MAX_BUDGET_TOKENS, SESSION_ID_PATTERN } from '@agent-orchestrator/api-contract';
import { CALLBACK_URL_MAX_LENGTH } from '@agent-orchestrator/domain';

/** The validated body of `POST /v1/agent/execute`; `task` is already trimmed. */
export interface ExecuteTaskInput {
  task: string;
  session_id?: string;
  /** Token budget of the whole task (router and agent calls together). */
  max_tokens?: number;
  /** Cost budget of the whole task, in estimated US dollars. */
  max_cost_usd?: number;
  /** Where the final task is POSTed when it ends (its scheme, credentials and secret are checked by the use case). */
  callback_url?: string;
}

export type ExecuteTaskDtoClass = new () => ExecuteTaskInput;

/**
 * Well-formed UTF-16 without NUL: every surrogate paired. A lone surrogate
 * cannot be encoded as UTF-8 (drivers would silently store U+FFFD instead), and
 * NUL truncates the text in C-string based tools downstream. No `u` flag, so
 * the surrogates are matched as code units.
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this pattern excludes
export const TASK_TEXT_PATTERN = /^(?:[^\u0000\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/;

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

/**
 * The request DTO. It is built per app because the maximum task length comes
 * from configuration and decorator arguments are fixed when the class is
 * declared. Length is counted in characters (code points), not UTF-16 units.
 */
export function createExecuteTaskDto(options: { taskMaxLength: number }): ExecuteTaskDtoClass {
  const max = options.taskMaxLength;

  class ExecuteTaskDto implements ExecuteTaskInput {
    // Property decorators apply bottom-up and only the first failing check is
    // reported, so the type check sits closest to the property.
    @Transform(trim)
    @Matches(TASK_TEXT_PATTERN, { message: 'task must be valid Unicode text without NUL characters' })
    @MaxLength(max, { message: `task must be at most ${max} characters long` })
    @IsNotEmpty({ message: 'task must not be empty or only whitespace' })
    @IsString({ message: 'task must be a string' })
    task!: string;

    // Absent is fine; present means a valid id (null is not accepted as "absent").
    @Matches(SESSION_ID_PATTERN, { message: 'session_id must be 1 to 128 characters from A-Z, a-z, 0-9, "_" and "-"' })
    @IsString({ message: 'session_id must be a string' })
    @ValidateIf((_object: unknown, value: unknown) => value !== undefined)
    session_id?: string;

    @Max(MAX_BUDGET_TOKENS, { message: `max_tokens must be at most ${MAX_BUDGET_TOKENS}` })
    @Min(1, { message: 'max_tokens must be a positive integer' })
    @IsInt({ message: 'max_tokens must be a positive integer' })
    @ValidateIf((_object: unknown, value: unknown) => value !== undefined)
    max_tokens?: number;

    @Max(MAX_BUDGET_COST_USD, { message: `max_cost_usd must be at most ${MAX_BUDGET_COST_USD}` })
    // Min(MIN_VALUE): anything above zero, since a zero budget could never run a single call.
    @Min(Number.MIN_VALUE, { message: 'max_cost_usd must be a positive number' })
    @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'max_cost_usd must be a positive number' })
    @ValidateIf((_object: unknown, value: unknown) => value !== undefined)
    max_cost_usd?: number;

    // The rest of the URL rules (https, no credentials, no fragment, a signing secret) are CallbackPolicy's.
    @MaxLength(CALLBACK_URL_MAX_LENGTH, { message: `callback_url must be at most ${CALLBACK_URL_MAX_LENGTH} characters long` })
    @IsString({ message: 'callback_url must be a string' })
    @ValidateIf((_object: unknown, value: unknown) => value !== undefined)
    callback_url?: string;
  }

  return ExecuteTaskDto;
}
