import {
  invokeText,
  recentHistory,
  type Agent,
  type AgentContext,
  type AgentDeps,
  type AgentInput,
  type AgentLogger,
  type AgentRunResult,
  type LlmProvider,
} from '@agent-orchestrator/agents-core';
import { buildTestAgentMessages } from './test.prompt';
import { parseTestAgentSettings, type TestAgentSettings } from './test.settings';
import { TEST_AGENT_NAME, agentVersion } from './version';

const MAX_SUMMARY_CHARS = 300;

/** First line of the answer, without Markdown marks, for the task list. */
function summaryOf(content: string): string {
  const line = (content.split('\n').find((l) => l.trim() !== '') ?? '').replace(/[*_`#>]/g, '').trim();
  return line.length > MAX_SUMMARY_CHARS ? `${line.slice(0, MAX_SUMMARY_CHARS - 1)}…` : line;
}

/** One LLM call (invokeText: metered, retried, abortable) with the recent session history. */
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
    const { value, usage, model } = await invokeText(chat, buildTestAgentMessages(input.task, recentHistory(input.history)), {
      prices: this.llm.prices,
      signal: ctx.signal,
    });
    logger.info('answer written', { task_id: input.task_id });
    return {
      output: { agent_name: this.name, content: value, code_language: null, citations: [], summary: summaryOf(value) },
      usage: [usage],
      model,
    };
  }
}
