import { GetParametersByPathCommand, SSMClient, type GetParametersByPathCommandOutput } from '@aws-sdk/client-ssm';
import { ConfigError } from '@agent-orchestrator/domain';
import { redactText } from '@agent-orchestrator/observability';

/** The part of the SDK's SSMClient the loader uses; tests pass a fake. */
export interface SsmClientLike {
  send(command: GetParametersByPathCommand, options?: { abortSignal?: AbortSignal }): Promise<GetParametersByPathCommandOutput>;
}

/** An environment the loader may write into (`process.env` in the apps). */
export type MutableEnv = Record<string, string | undefined>;

export interface LoadSsmParametersOptions {
  /** Parameter path, e.g. `/agent-orchestrator-api/prod` (a trailing `/` is fine). */
  path: string;
  /** Where the values go. Variables already set (non-empty) there are kept: the environment wins. */
  env: MutableEnv;
  /** Default: an SSMClient for `region`. */
  client?: SsmClientLike;
  /** Default: AWS_REGION, then AWS_DEFAULT_REGION from `env`, then the SDK's own resolution. */
  region?: string;
  /** Bound on each AWS call (one page, one attempt). Default 5000. */
  timeoutMs?: number;
  /** Attempts per page for network errors, timeouts, throttling and 5xx. Default 3. */
  maxAttempts?: number;
  /** First backoff between attempts, doubled each time. Default 250. */
  retryDelayMs?: number;
}

export interface SsmLoadResult {
  /** The normalised path that was read. */
  path: string;
  /** Variables set from SSM, sorted. */
  loaded: string[];
  /** Variables found in SSM but already set in the environment, which won. */
  overridden: string[];
  /** Full names of parameters skipped: their last segment is not an env var name, or it is reserved. */
  ignored: string[];
}

/** What a parameter's last path segment must look like to become an environment variable. */
export const SSM_ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
/** Never taken from SSM: they configure the SDK and the loader themselves, or Node. */
const RESERVED = /^(AWS_.*|SSM_PARAMETER_PATH|NODE_OPTIONS)$/;
const MAX_PAGES = 200;
const RETRYABLE_CODES = new Set([
  'TimeoutError',
  'AbortError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ThrottlingException',
  'TooManyRequestsException',
  'InternalServerError',
  'InternalServerErrorException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

class SsmTimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** The AWS error code (`AccessDeniedException`), Node's (`ECONNREFUSED`), or the error's name. */
export function awsErrorCode(err: unknown): string {
  const e = err as { Code?: unknown; code?: unknown; name?: unknown } | null;
  if (typeof e?.Code === 'string' && e.Code) return e.Code;
  if (typeof e?.code === 'string' && e.code) return e.code;
  if (typeof e?.name === 'string' && e.name && e.name !== 'Error') return e.name;
  return 'UnknownError';
}

function retryable(err: unknown): boolean {
  const e = err as { $retryable?: unknown; $metadata?: { httpStatusCode?: number } } | null;
  const status = e?.$metadata?.httpStatusCode;
  return RETRYABLE_CODES.has(awsErrorCode(err)) || Boolean(e?.$retryable) || status === 429 || (status !== undefined && status >= 500);
}

function hint(code: string, message: string): string {
  if (/AccessDenied|UnrecognizedClient|InvalidSignature|ExpiredToken|KMS|Forbidden/i.test(code)) {
    return 'Check that the role the app runs with may call ssm:GetParametersByPath on this path and kms:Decrypt with the key of its SecureStrings.';
  }
  if (/Credential/i.test(code) || /credential/i.test(message)) {
    return 'No AWS credentials were found: on EC2 check the instance profile; locally set AWS_PROFILE, or unset SSM_PARAMETER_PATH to use .env only.';
  }
  if (/region/i.test(message)) return 'Set AWS_REGION.';
  if (code === 'ValidationException') return 'Check the value of SSM_PARAMETER_PATH.';
  return 'Check AWS_REGION, the network route to the SSM endpoint (NAT gateway or VPC endpoint) and the instance credentials.';
}

function failure(path: string, err: unknown, attempts: number): ConfigError {
  const code = awsErrorCode(err);
  // AWS messages name principals, actions and resources, never parameter values; still redacted and cut short.
  const raw = err instanceof Error ? err.message : String(err);
  const detail = redactText(raw).replace(/\s+/g, ' ').slice(0, 300);
  const message = `Could not load settings from AWS SSM Parameter Store under SSM_PARAMETER_PATH=${path}: ${code} after ${attempts} attempt${attempts === 1 ? '' : 's'} (${detail}). ${hint(code, raw)}`;
  return new ConfigError(message, [{ field: 'SSM_PARAMETER_PATH', message }]);
}

/** `/a/b/` and `/a/b` both become `/a/b`; anything not starting with `/` is refused. */
export function normaliseSsmPath(path: string): string {
  const p = path.trim();
  if (!p.startsWith('/') || /\s/.test(p)) {
    const message = `SSM_PARAMETER_PATH must be a parameter path starting with "/", e.g. /agent-orchestrator-api/prod (got "${p}")`;
    throw new ConfigError(message, [{ field: 'SSM_PARAMETER_PATH', message }]);
  }
  return p.replace(/\/+$/, '') || '/';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function sendWithTimeout(client: SsmClientLike, command: GetParametersByPathCommand, timeoutMs: number): Promise<GetParametersByPathCommandOutput> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new SsmTimeoutError(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([client.send(command, { abortSignal: controller.signal }), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** One page, each attempt bounded by `timeoutMs`; transient failures retried with exponential backoff. */
async function fetchPage(
  client: SsmClientLike,
  command: GetParametersByPathCommand,
  path: string,
  { timeoutMs, maxAttempts, retryDelayMs }: { timeoutMs: number; maxAttempts: number; retryDelayMs: number },
): Promise<GetParametersByPathCommandOutput> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await sendWithTimeout(client, command, timeoutMs);
    } catch (err) {
      if (attempt >= maxAttempts || !retryable(err)) throw failure(path, err, attempt);
      await sleep(retryDelayMs * 2 ** (attempt - 1));
    }
  }
}

/**
 * Reads every parameter under `path` (recursively, SecureStrings decrypted, all pages) and sets
 * each as an environment variable named after the parameter's last path segment
 * (`/agent-orchestrator-api/prod/OPENAI_API_KEY` → `OPENAI_API_KEY`).
 *
 * - Precedence: a variable already set (non-empty) in `env` is kept; SSM fills in the rest.
 * - All or nothing: `env` is only written once every page has been read.
 * - Names that are not `^[A-Z][A-Z0-9_]*$`, and reserved ones (`AWS_*`, `SSM_PARAMETER_PATH`,
 *   `NODE_OPTIONS`), are skipped and reported in `ignored`; two parameters with the same last
 *   segment are an error.
 * - AWS unreachable, timing out, or denying access: a ConfigError naming the path and the AWS
 *   error code. Values never appear in errors or in the result.
 */
export async function loadSsmParameters(options: LoadSsmParametersOptions): Promise<SsmLoadResult> {
  const path = normaliseSsmPath(options.path);
  const { env } = options;
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 3);
  const retryDelayMs = options.retryDelayMs ?? 250;
  const region = options.region ?? (env['AWS_REGION']?.trim() || env['AWS_DEFAULT_REGION']?.trim() || undefined);
  // The loader retries and bounds each call itself; the SDK's own retries would multiply the wait.
  let owned: SSMClient | undefined;
  let client = options.client;
  if (!client) {
    const sdk = new SSMClient({ ...(region ? { region } : {}), maxAttempts: 1, requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs, throwOnRequestTimeout: true } });
    owned = sdk;
    client = { send: (command, sendOptions) => sdk.send(command, sendOptions) };
  }

  const found = new Map<string, { name: string; value: string }>();
  const ignored: string[] = [];
  try {
    let nextToken: string | undefined;
    let pages = 0;
    do {
      if (++pages > MAX_PAGES) {
        const message = `More than ${MAX_PAGES * 10} parameters under SSM_PARAMETER_PATH=${path}: point it at the app's own hierarchy`;
        throw new ConfigError(message, [{ field: 'SSM_PARAMETER_PATH', message }]);
      }
      const command = new GetParametersByPathCommand({ Path: path, Recursive: true, WithDecryption: true, MaxResults: 10, NextToken: nextToken });
      const page = await fetchPage(client, command, path, { timeoutMs, maxAttempts, retryDelayMs });
      for (const parameter of page.Parameters ?? []) {
        const name = parameter.Name ?? '';
        const envName = name.slice(name.lastIndexOf('/') + 1);
        if (!SSM_ENV_NAME.test(envName) || RESERVED.test(envName) || parameter.Value === undefined) {
          ignored.push(name);
          continue;
        }
        const seen = found.get(envName);
        if (seen) {
          const message = `SSM parameters ${seen.name} and ${name} both map to ${envName}: keep one of them`;
          throw new ConfigError(message, [{ field: 'SSM_PARAMETER_PATH', message }]);
        }
        found.set(envName, { name, value: parameter.Value });
      }
      nextToken = page.NextToken || undefined;
    } while (nextToken);
  } finally {
    owned?.destroy();
  }

  const loaded: string[] = [];
  const overridden: string[] = [];
  for (const [envName, { value }] of found) {
    if (env[envName]?.trim()) {
      overridden.push(envName);
    } else {
      env[envName] = value;
      loaded.push(envName);
    }
  }
  return { path, loaded: loaded.sort(), overridden: overridden.sort(), ignored: ignored.sort() };
}
