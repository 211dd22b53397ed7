import {
  invokeStructured,
  type Agent,
  type AgentContext,
  type AgentDeps,
  type AgentInput,
  type AgentLogger,
  type AgentRunResult,
  type LlmProvider,
  recentHistory,
} from '@agent-orchestrator/agents-core';
import { LlmError, languageFromFences, normalizeLanguage } from '@agent-orchestrator/domain';
import { CODE_ANSWER_SCHEMA_NAME, buildCodeMessages, codeAnswerSchema, type CodeAnswer } from './code.prompt';
import { parseCodeSettings, type CodeSettings } from './code.settings';
import { CODE_AGENT_NAME, codeAgentVersion } from './version';

const MAX_SUMMARY_CHARS = 300;

function summaryOf(answer: CodeAnswer, language: string | null): string {
  const s = answer.summary.replace(/\s+/g, ' ').trim();
  if (s) return s.length > MAX_SUMMARY_CHARS ? `${s.slice(0, MAX_SUMMARY_CHARS - 1)}…` : s;
  const what = {
    generate: 'Generated',
    explain: 'Explained',
    refactor: 'Refactored',
    review: 'Reviewed',
    fix: 'Fixed',
  }[answer.mode];
  return language ? `${what} ${language} code.` : `${what} code.`;
}

/**
 * Generates, explains, refactors, reviews or fixes code with one structured
 * LLM call. It only ever produces text: nothing is executed, compiled or evaluated.
 */
export class CodeAgent implements Agent {
  readonly name = CODE_AGENT_NAME;
  readonly version: string;
  private readonly settings: CodeSettings;
  private readonly llm: LlmProvider;
  private readonly logger: AgentLogger;

  /** Throws ConfigError when a setting is invalid. */
  constructor(deps: AgentDeps) {
    this.settings = parseCodeSettings(deps.settings);
    this.version = codeAgentVersion();
    this.llm = deps.llm;
    this.logger = deps.logger;
  }

  async run(input: AgentInput, ctx: AgentContext = {}): Promise<AgentRunResult> {
    const logger = ctx.logger ?? this.logger;
    const chat = this.llm.chatModel({ model: this.settings.model });
    const { value, usage, model } = await invokeStructured(chat, codeAnswerSchema, buildCodeMessages(input.task, recentHistory(input.history)), {
      name: CODE_ANSWER_SCHEMA_NAME,
      prices: this.llm.prices,
      signal: ctx.signal,
      ...(ctx.onDelta ? { stream: { field: 'content' as const, onDelta: ctx.onDelta } } : {}),
    });
    const content = value.content.trim();
    if (!content)
      throw new LlmError(`Model ${model} returned an empty answer.`, {
        retryable: true,
      });
    // The model's own label first; the first tagged code block when it gave none.
    const code_language = normalizeLanguage(value.language) ?? languageFromFences(content);
    logger.info('code answer written', {
      task_id: input.task_id,
      mode: value.mode,
      code_language,
    });
    return {
      output: {
        agent_name: this.name,
        content,
        code_language,
        citations: [],
        summary: summaryOf(value, code_language),
      },
      usage: [usage],
      model,
    };
  }
}
