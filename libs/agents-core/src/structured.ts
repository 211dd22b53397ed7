import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { BaseMessage } from '@langchain/core/messages';
import type { ModelUsage, PriceTable } from '@agent-orchestrator/domain';
import { LlmError } from '@agent-orchestrator/domain';
import type { z } from 'zod';
import { callPolicyOf, modelNameOf, textOf, toLlmError, usageOf, withMaxTokens } from './llm';
import { reportLlmCall } from './observe';
import { callWithRetry } from './retry';
import { currentUsageMeter } from './usage-meter';

/** Under a task budget (see usage-meter.ts): refuses a call when nothing is left and caps its completion to what remains. */
function budgeted(chat: BaseChatModel, model: string): BaseChatModel {
  const cap = currentUsageMeter()?.beforeCall(model);
  return cap === undefined ? chat : withMaxTokens(chat, cap);
}

export interface LlmCallResult<T> {
  value: T;
  usage: ModelUsage;
  model: string;
}

export type StructuredOutputMethod = 'jsonSchema' | 'functionCalling' | 'jsonMode';

/**
 * One chat call whose answer must match `schema`. Uses the provider's native
 * structured output (JSON schema by default), records token usage, and maps
 * failures to typed errors.
 */
export async function invokeStructured<S extends z.ZodObject>(
  chat: BaseChatModel,
  schema: S,
  messages: BaseMessage[],
  options: { name: string; prices: PriceTable; signal?: AbortSignal; method?: StructuredOutputMethod },
): Promise<LlmCallResult<z.infer<S>>> {
  const model = modelNameOf(chat);
  const startedAt = performance.now();
  let usage: ModelUsage | undefined;
  try {
    const runnable = budgeted(chat, model).withStructuredOutput(schema, { name: options.name, includeRaw: true, method: options.method ?? 'jsonSchema' });
    const out = await callWithRetry(
      `LLM call to ${model}`,
      async (signal) => (await runnable.invoke(messages, { signal })) as { raw: BaseMessage; parsed: z.infer<S> | null },
      (err) => toLlmError(err, model),
      callPolicyOf(chat),
      options.signal,
    );
    usage = usageOf(out.raw, model, options.prices);
    currentUsageMeter()?.record(usage);
    const parsed = schema.safeParse(out.parsed);
    if (!parsed.success) {
      throw new LlmError(`Model ${model} returned output that does not match the ${options.name} schema: ${parsed.error.message}`);
    }
    reportLlmCall(chat, { model, startedAt, usage });
    return { value: parsed.data, usage, model };
  } catch (err) {
    // An answer that fails the schema still cost its tokens: they are reported with the failure.
    reportLlmCall(chat, { model, startedAt, usage, error: err });
    throw err;
  }
}

/** One plain chat call; returns the text and its usage. */
export async function invokeText(
  chat: BaseChatModel,
  messages: BaseMessage[],
  options: { prices: PriceTable; signal?: AbortSignal },
): Promise<LlmCallResult<string>> {
  const model = modelNameOf(chat);
  const startedAt = performance.now();
  let usage: ModelUsage | undefined;
  try {
    const call = budgeted(chat, model);
    const raw = await callWithRetry(`LLM call to ${model}`, (signal) => call.invoke(messages, { signal }), (err) => toLlmError(err, model), callPolicyOf(chat), options.signal);
    usage = usageOf(raw, model, options.prices);
    currentUsageMeter()?.record(usage);
    const text = textOf(raw).trim();
    if (!text) throw new LlmError(`Model ${model} returned an empty answer.`, { retryable: true });
    reportLlmCall(chat, { model, startedAt, usage });
    return { value: text, usage, model };
  } catch (err) {
    reportLlmCall(chat, { model, startedAt, usage, error: err });
    throw err;
  }
}
