import {
  invokeStructured,
  recentHistory,
  type Agent,
  type AgentContext,
  type AgentDeps,
  type AgentInput,
  type AgentLogger,
  type AgentRunResult,
  type LlmProvider,
} from '@agent-orchestrator/agents-core';
import { LlmError, languageFromFences, normalizeLanguage } from '@agent-orchestrator/domain';
import { TEST_ANSWER_SCHEMA_NAME, buildTestMessages, testAnswerSchema, type TestAnswer } from './test.prompt';
import { parseTestAgentSettings, type TestAgentSettings } from './test.settings';
import { TEST_AGENT_NAME, agentVersion } from './version';

const MAX_SUMMARY_CHARS = 300;

function summaryOf(answer: TestAnswer, language: string | null): string {
  const s = answer.summary.replace(/\s+/g, ' ').trim();
  if (s) return s.length > MAX_SUMMARY_CHARS ? `${s.slice(0, MAX_SUMMARY_CHARS - 1)}…` : s;
  const framework = answer.framework.trim();
  if (language && framework) return `Unit tests for ${language} code with ${framework}.`;
  return language ? `Unit tests for ${language} code.` : 'Unit tests.';
}

/**
 * Writes unit tests for code the user gives or describes, in the code's language and its usual
 * framework, with one structured LLM call. It only ever produces text: the tests are never run.
 */
export class TestAgent implements Agent {
  readonly name = TEST_AGENT_NAME;
  readonly version: string;
  private readonly settings: TestAgentSettings;
  private readonly llm: LlmProvider;
  private readonly logger: AgentLogger;

  /** Throws ConfigError when a setting is invalid. */
  constructor(deps: AgentDeps) {
    this.settings = parseTestAgentSettings(deps.settings);
    this.version = agentVersion();
    this.llm = deps.llm;
    this.logger = deps.logger;
  }

  async run(input: AgentInput, ctx: AgentContext = {}): Promise<AgentRunResult> {
    const logger = ctx.logger ?? this.logger;
    const chat = this.llm.chatModel({ model: this.settings.model });
    const { value, usage, model } = await invokeStructured(chat, testAnswerSchema, buildTestMessages(input.task, recentHistory(input.history)), {
      name: TEST_ANSWER_SCHEMA_NAME,
      prices: this.llm.prices,
      signal: ctx.signal,
    });
    const content = value.content.trim();
    if (!content) throw new LlmError(`Model ${model} returned an empty answer.`, { retryable: true });
    // The language of the code under test, as the model names it; else the test file's fence tag.
    const code_language = normalizeLanguage(value.language) ?? languageFromFences(content);
    logger.info('tests written', { task_id: input.task_id, code_language, framework: value.framework });
    return {
      output: { agent_name: this.name, content, code_language, citations: [], summary: summaryOf(value, code_language) },
      usage: [usage],
      model,
    };
  }
}
