import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { createContentParser } from '@langchain/core/language_models/structured_output';
import { toJsonSchema } from '@langchain/core/utils/json_schema';
import { getSchemaDescription } from '@langchain/core/utils/types';
import { AIMessage, HumanMessage, type AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import type { ModelUsage, PriceTable, StructuredOutputMethod } from '@agent-orchestrator/domain';
import { BudgetExceededError, LlmError, addCost, priceOf } from '@agent-orchestrator/domain';
import type { z } from 'zod';
import { callPolicyOf, isOpenAiChatModel, modelNameOf, structuredMethodOf, textOf, toLlmError, usageOf, withMaxTokens } from './llm';
import { reportLlmCall } from './observe';
import { JsonStringFieldReader } from './json-field-stream';
import { callWithRetry } from './retry';
import { currentUsageMeter } from './usage-meter';

/** Under a task budget (see usage-meter.ts): refuses a call when nothing is left and caps its completion to what remains. */
function budgeted(chat: BaseChatModel, model: string, prices: PriceTable): BaseChatModel {
  const meter = currentUsageMeter();
  // A cost budget cannot be kept on a model without a price (its calls would count $0): refuse the call.
  // The api refuses such budgets at submission; this holds when the worker's prices differ from the api's.
  if (meter?.budget?.max_cost_usd != null && priceOf(model, prices) === undefined) {
    throw new BudgetExceededError(`The task's budget of $${meter.budget.max_cost_usd} cannot be enforced: model ${model} has no price (LLM_PRICES); the call was not made.`);
  }
  const cap = meter?.beforeCall(model);
  return cap === undefined ? chat : withMaxTokens(chat, cap);
}

type StructuredRunnable = ReturnType<BaseChatModel['withStructuredOutput']>;
/** Structured runnables by chat model, schema and `name method`: making one converts the schema to JSON Schema, so it is done once. */
const structuredRunnables = new WeakMap<BaseChatModel, WeakMap<object, Map<string, StructuredRunnable>>>();

function structuredRunnable(chat: BaseChatModel, schema: z.ZodObject, name: string, method: StructuredOutputMethod): StructuredRunnable {
  let bySchema = structuredRunnables.get(chat);
  if (!bySchema) structuredRunnables.set(chat, (bySchema = new WeakMap()));
  let byName = bySchema.get(schema);
  if (!byName) bySchema.set(schema, (byName = new Map()));
  const key = `${name} ${method}`;
  let runnable = byName.get(key);
  if (!runnable) byName.set(key, (runnable = chat.withStructuredOutput(schema, { name, includeRaw: true, method })));
  return runnable;
}

/**
 * A JSON-schema call of a ChatOpenAI, made without LangChain's structured-output pipeline: the request
 * carries the same `response_format` ChatOpenAI's `withStructuredOutput(schema, { method: 'jsonSchema' })`
 * sends (converted from the zod schema once, not at every call as ChatOpenAI does for a zod schema), and
 * the answer's text is read by the same content parser, here rather than in the pipeline's four nested
 * runnables (a sequence, a map, a passthrough with a fallback), each of which costs LangChain a callback
 * manager and a run tree per call. Measured: ~4 ms of CPU per call through the pipeline, ~1.5 ms so.
 */
interface DirectJsonSchema {
  /** What ChatOpenAI's `_getResponseFormat` makes of the zod schema (auto-parseable by the OpenAI SDK, strict). */
  responseFormat: unknown;
  /** LangChain's content parser for the schema (fenced or bare JSON, validated), as the pipeline uses it. */
  parser: { parse(text: string): Promise<unknown> };
}
const directFormats = new WeakMap<object, Map<string, DirectJsonSchema>>();

/** The direct call of `schema` named `name` on `chat`, or undefined when `chat` is not a ChatOpenAI this lib made (fakes, other providers). */
function directJsonSchema(chat: BaseChatModel, schema: z.ZodObject, name: string): DirectJsonSchema | undefined {
  const convert = (chat as unknown as { _getResponseFormat?: (format: unknown) => unknown })._getResponseFormat;
  if (!isOpenAiChatModel(chat) || typeof convert !== 'function') return undefined;
  let byName = directFormats.get(schema);
  if (!byName) directFormats.set(schema, (byName = new Map()));
  let direct = byName.get(name);
  if (!direct) {
    // As withStructuredOutput builds it: name, the schema's description, the zod schema (made strict JSON schema by ChatOpenAI).
    const description = getSchemaDescription(toJsonSchema(schema));
    direct = {
      responseFormat: convert.call(chat, { type: 'json_schema', json_schema: { name, description, schema } }),
      parser: createContentParser(schema) as unknown as DirectJsonSchema['parser'],
    };
    byName.set(name, direct);
  }
  return direct;
}

/** One direct JSON-schema call: the answer and its parsed value, or the parser's error (as the pipeline's `includeRaw` gives them). */
async function invokeDirect<T>(chat: BaseChatModel, direct: DirectJsonSchema, prompt: BaseMessage[], options: { signal: AbortSignal; callbacks?: BaseCallbackHandler[] }): Promise<StructuredAnswer<T>> {
  const raw = await chat.invoke(prompt, { signal: options.signal, ...(options.callbacks ? { callbacks: options.callbacks } : {}), outputVersion: 'v0', response_format: direct.responseFormat } as Parameters<BaseChatModel['invoke']>[1]);
  try {
    return { raw, parsed: (await direct.parser.parse(textOf(raw))) as T };
  } catch (parsingError) {
    return { raw, parsed: null, parsingError };
  }
}

export interface LlmCallResult<T> {
  value: T;
  usage: ModelUsage;
  model: string;
}

export type { StructuredOutputMethod };

type Checked<T> = { success: true; data: T; error?: undefined } | { success: false; data?: undefined; error: { message: string } };
type StructuredAnswer<T> = { raw: BaseMessage; parsed: T | null; parsingError?: unknown };

/** The two usages of a call and its re-ask, as one (same model). */
function addUsage(a: ModelUsage, b: ModelUsage): ModelUsage {
  return { model: a.model, prompt_tokens: a.prompt_tokens + b.prompt_tokens, completion_tokens: a.completion_tokens + b.completion_tokens, total_tokens: a.total_tokens + b.total_tokens, cost_usd: addCost(a.cost_usd, b.cost_usd) };
}

/** The arguments of the answer's call of tool `name` (LangChain's parsed tool_calls), if any. */
function toolCallArgs(raw: BaseMessage, name: string): unknown {
  return (raw as { tool_calls?: Array<{ name?: string; args?: unknown }> }).tool_calls?.find((c) => c.name === name)?.args;
}

/** What the model answered, as text, to show it back when re-asking. */
function answerText(raw: BaseMessage): string {
  const calls = (raw as { tool_calls?: Array<{ args?: unknown }> }).tool_calls;
  if (calls?.length) return JSON.stringify(calls[0]?.args ?? {});
  return textOf(raw);
}

type UsageMetadata = { input_tokens?: number; output_tokens?: number; total_tokens?: number };

/**
 * Token counts of a streamed answer, from its chunks: the input counts added up, the output count
 * the largest one seen. Anthropic's `message_delta` carries the *cumulative* output count after
 * `message_start` already counted the first token, and LangChain adds the chunks' counts when it
 * joins them (one token too many per call); OpenAI sends one usage chunk, where both rules agree.
 */
class StreamedTokens {
  private input = 0;
  private output = 0;
  private seen = false;

  add(meta: UsageMetadata | undefined): void {
    if (!meta) return;
    this.seen = true;
    this.input += meta.input_tokens ?? 0;
    this.output = Math.max(this.output, meta.output_tokens ?? 0);
  }

  /** `message` with these counts as its usage (unchanged when no chunk carried any). */
  applyTo<M extends BaseMessage>(message: M): M {
    if (this.seen) Object.assign(message, { usage_metadata: { ...(message as { usage_metadata?: UsageMetadata }).usage_metadata, input_tokens: this.input, output_tokens: this.output, total_tokens: this.input + this.output } });
    return message;
  }
}

/** One string field of a structured answer, handed to `onDelta` as the model writes it. */
export interface StreamField<S extends z.ZodObject> {
  field: keyof z.infer<S> & string;
  onDelta: (text: string) => void;
}

/**
 * A LangChain callback that makes the chat model stream inside `invoke` (`lc_prefer_streaming`) and
 * feeds each chunk of the answer (its text, or a tool call's arguments) to a reader of the field.
 */
function streamingHandler(stream: { field: string; onDelta: (text: string) => void }, tokens: StreamedTokens): BaseCallbackHandler {
  const reader = new JsonStringFieldReader(stream.field, stream.onDelta);
  const handler = BaseCallbackHandler.fromMethods({
    handleLLMNewToken(token, _idx, _runId, _parentRunId, _tags, fields) {
      const message = (fields?.chunk as { message?: { tool_call_chunks?: Array<{ args?: string }>; usage_metadata?: UsageMetadata } } | undefined)?.message;
      tokens.add(message?.usage_metadata);
      // A tool call's JSON is in its chunks' args. OpenAI's token is then empty, but Anthropic's
      // (@langchain/anthropic) repeats the same `input_json_delta`: read the args alone, not both.
      const calls = message?.tool_call_chunks ?? [];
      reader.push(calls.length > 0 ? calls.map((c) => c.args ?? '').join('') : token);
    },
  });
  // Tokens in order, before invoke returns.
  return Object.assign(handler, { lc_prefer_streaming: true, awaitHandlers: true });
}

/**
 * One chat call whose answer must match `schema`. Uses the structured-output
 * method the provider was configured with (JSON schema for OpenAI, tool calling
 * for Anthropic, `LLM_STRUCTURED_OUTPUT` / `LLM_<ROLE>_STRUCTURED_OUTPUT` to
 * override), else `options.method`, else JSON schema. An answer that does not
 * parse or match is re-asked once, with the parse error, before the call fails
 * with LLM_ERROR. Records token usage (both calls) and maps failures to typed errors. With
 * `stream`, the answer is streamed and the text of one of its string fields (a CodeAgent's
 * `content`) is handed to `stream.onDelta` as it is written.
 */
export async function invokeStructured<S extends z.ZodObject>(
  chat: BaseChatModel,
  schema: S,
  messages: BaseMessage[],
  options: { name: string; prices: PriceTable; signal?: AbortSignal; method?: StructuredOutputMethod; stream?: StreamField<S> },
): Promise<LlmCallResult<z.infer<S>>> {
  const model = modelNameOf(chat);
  const method = structuredMethodOf(chat) ?? options.method ?? 'jsonSchema';
  const startedAt = performance.now();
  let usage: ModelUsage | undefined;
  const ask = async (prompt: BaseMessage[], stream?: StreamField<S>): Promise<{ raw: BaseMessage; result: Checked<z.infer<S>>; parsingError?: unknown }> => {
    const call = budgeted(chat, model, options.prices);
    const direct = method === 'jsonSchema' ? directJsonSchema(call, schema, options.name) : undefined;
    const runnable = direct ? undefined : structuredRunnable(call, schema, options.name, method);
    let tokens = new StreamedTokens();
    const out = await callWithRetry(
      `LLM call to ${model}`,
      async (signal) => {
        tokens = new StreamedTokens(); // a retried attempt counts afresh
        const callbacks = stream ? [streamingHandler(stream, tokens)] : undefined;
        if (direct) return invokeDirect<z.infer<S>>(call, direct, prompt, { signal, ...(callbacks ? { callbacks } : {}) });
        return (await (runnable as StructuredRunnable).invoke(prompt, { signal, ...(callbacks ? { callbacks } : {}) })) as StructuredAnswer<z.infer<S>>;
      },
      (err) => toLlmError(err, model),
      callPolicyOf(chat),
      options.signal,
    );
    const spent = usageOf(tokens.applyTo(out.raw), model, options.prices);
    usage = usage ? addUsage(usage, spent) : spent;
    currentUsageMeter()?.record(spent);
    // A streamed forced tool call (Anthropic) leaves @langchain/anthropic's parser an empty `input`
    // on the content block, though the message's tool_calls hold the joined arguments: read those.
    const fallback = out.parsed == null ? toolCallArgs(out.raw, options.name) : undefined;
    return { raw: out.raw, result: schema.safeParse(out.parsed ?? fallback) as Checked<z.infer<S>>, parsingError: fallback === undefined ? out.parsingError : undefined };
  };
  const problem = (answer: { result: Checked<unknown>; parsingError?: unknown }): string =>
    answer.parsingError instanceof Error ? answer.parsingError.message : (answer.result.error?.message ?? 'unreadable answer');
  try {
    // Only the first answer streams: a re-ask would send the field's text a second time.
    let answer = await ask(messages, options.stream);
    if (!answer.result.success) {
      // Like a person would: show the model its answer and what is wrong with it, once.
      const why = problem(answer);
      answer = await ask([
        ...messages,
        new AIMessage(answerText(answer.raw)),
        new HumanMessage(`That answer could not be used: ${why.slice(0, 2000)}\nAnswer again with only the ${options.name} output, matching its schema exactly.`),
      ]);
    }
    if (!answer.result.success) {
      throw new LlmError(`Model ${model} returned output that does not match the ${options.name} schema, twice: ${problem(answer)}`);
    }
    const spent = usage ?? usageOf(answer.raw, model, options.prices);
    reportLlmCall(chat, { model, startedAt, usage: spent });
    return { value: answer.result.data, usage: spent, model };
  } catch (err) {
    // An answer that fails the schema still cost its tokens: they are reported with the failure.
    reportLlmCall(chat, { model, startedAt, usage, error: err });
    throw err;
  }
}

/**
 * The answer of one streamed call, chunk by chunk: each chunk's text goes to `onDelta` as it
 * arrives, and the chunks are joined into one message (its usage from the chunks that carry one:
 * OpenAI's last, asked for with `stream_options.include_usage`; Anthropic's message_start and
 * message_delta, see StreamedTokens).
 */
async function streamed(chat: BaseChatModel, messages: BaseMessage[], signal: AbortSignal, onDelta: (text: string) => void): Promise<BaseMessage> {
  let whole: AIMessageChunk | undefined;
  const tokens = new StreamedTokens();
  for await (const chunk of await chat.stream(messages, { signal })) {
    const text = textOf(chunk);
    if (text) onDelta(text);
    tokens.add(chunk.usage_metadata);
    whole = whole ? whole.concat(chunk) : chunk;
  }
  if (!whole) throw new LlmError('The LLM stream ended without an answer.', { retryable: true });
  return tokens.applyTo(whole);
}

/**
 * One plain chat call; returns the text and its usage. With `onDelta` the answer is streamed and
 * each piece of text is passed to it as it is written (a retried attempt streams again from its start).
 */
export async function invokeText(
  chat: BaseChatModel,
  messages: BaseMessage[],
  options: { prices: PriceTable; signal?: AbortSignal; onDelta?: (text: string) => void },
): Promise<LlmCallResult<string>> {
  const model = modelNameOf(chat);
  const startedAt = performance.now();
  let usage: ModelUsage | undefined;
  const { onDelta } = options;
  try {
    const call = budgeted(chat, model, options.prices);
    const raw = await callWithRetry(
      `LLM call to ${model}`,
      (signal) => (onDelta ? streamed(call, messages, signal, onDelta) : call.invoke(messages, { signal })),
      (err) => toLlmError(err, model),
      callPolicyOf(chat),
      options.signal,
    );
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
