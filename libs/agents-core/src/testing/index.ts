export { ScriptedChatModel, scriptedLlmProvider } from './scripted-chat-model';
export type { ChatScript } from './scripted-chat-model';
export { startOpenAiStub } from './openai-stub';
export type { OpenAiStub, StubChatRequest, StubHandler, StubReply } from './openai-stub';
export { MAX_DESCRIPTION_LENGTH, MIN_DESCRIPTION_LENGTH, agentConformanceCases, agentOutputProblems, describeAgentConformance } from './conformance';
export type { ConformanceCase, ConformanceCaseId, ConformanceOptions } from './conformance';
export { startAnthropicStub } from './anthropic-stub';
export type { AnthropicStub } from './anthropic-stub';
