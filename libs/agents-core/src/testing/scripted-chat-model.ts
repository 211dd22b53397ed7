import { BaseChatModel, type BaseChatModelCallOptions } from '@langchain/core/language_models/chat_models';
import { AIMessage, type BaseMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import { OutputParserException } from '@langchain/core/output_parsers';
import { RunnableLambda } from '@langchain/core/runnables';
import { DEFAULT_PRICE_TABLE, type PriceTable } from '@agent-orchestrator/domain';
import type { ChatModelOptions, LlmProvider } from '../agent';
import { textOf } from '../llm';

/** Returns the reply text, or throws to simulate a provider failure. */
export type ChatScript = (messages: BaseMessage[], model: string) => string | Promise<string>;

/**
 * A LangChain chat model whose answers come from a function: for unit tests of
 * agents and the router. Reports token usage like a real provider (about four
 * characters a token) and honours abort signals.
 */
export class ScriptedChatModel extends BaseChatModel {
  readonly calls: BaseMessage[][] = [];

  constructor(
    private readonly script: ChatScript,
    readonly model = 'fake-model',
    private readonly delayMs = 0,
  ) {
    super({});
  }

  _llmType(): string {
    return 'scripted';
  }

  async _generate(messages: BaseMessage[], options: this['ParsedCallOptions']): Promise<ChatResult> {
    this.calls.push(messages);
    const signal = (options as BaseChatModelCallOptions).signal;
    if (this.delayMs > 0) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, this.delayMs);
        signal?.addEventListener('abort', () => {
          clearTimeout(t);
          reject(Object.assign(new Error('Aborted'), { name: 'AbortError' }));
        });
      });
    }
    if (signal?.aborted) throw Object.assign(new Error('Aborted'), { name: 'AbortError' });
    const text = await this.script(messages, this.model);
    const prompt = messages.reduce((n, m) => n + textOf(m).length, 0);
    const usage = { input_tokens: Math.ceil(prompt / 4), output_tokens: Math.ceil(text.length / 4), total_tokens: 0 };
    usage.total_tokens = usage.input_tokens + usage.output_tokens;
    const message = new AIMessage({ content: text, usage_metadata: usage });
    return { generations: [{ text, message }] };
  }

  // Structured output for the fake, as LangChain does it: the script's text is parsed as JSON and
  // checked against the schema; with `includeRaw` a bad answer gives `parsed: null` and the
  // `parsingError` (the caller decides whether to re-ask), without it the call throws.
  override withStructuredOutput(schema: unknown, config?: { includeRaw?: boolean }): never {
    return RunnableLambda.from(async (input: BaseMessage[], runConfig) => {
      const raw = await this.invoke(input, runConfig);
      let parsed: unknown;
      let parsingError: Error | undefined;
      try {
        parsed = JSON.parse(textOf(raw));
        const check = (schema as { safeParse?: (v: unknown) => { success: boolean; data?: unknown; error?: { message: string } } }).safeParse?.(parsed);
        if (check && !check.success) throw new Error(`Failed to parse. Text: "${textOf(raw)}". Error: ${check.error?.message}`);
        if (check) parsed = check.data;
      } catch (err) {
        parsingError = err instanceof SyntaxError ? new Error(`Failed to parse. Text: "${textOf(raw)}". Error: ${err.message}`) : (err as Error);
      }
      if (!config?.includeRaw) {
        if (parsingError) throw new OutputParserException(parsingError.message, textOf(raw));
        return parsed;
      }
      return parsingError ? { raw, parsed: null, parsingError } : { raw, parsed };
    }) as never;
  }
}

/** An LlmProvider whose models all answer through `script`. */
export function scriptedLlmProvider(script: ChatScript, options: { prices?: PriceTable; delayMs?: number } = {}): LlmProvider & { models: ScriptedChatModel[] } {
  const models: ScriptedChatModel[] = [];
  return {
    configured: true,
    prices: options.prices ?? DEFAULT_PRICE_TABLE,
    models,
    chatModel({ model }: ChatModelOptions) {
      const chat = new ScriptedChatModel(script, model, options.delayMs);
      models.push(chat);
      return chat;
    },
  };
}
