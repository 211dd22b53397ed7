export { ScriptedChatModel, scriptedLlmProvider } from './scripted-chat-model';
export type { ChatScript } from './scripted-chat-model';
export { startOpenAiStub } from './openai-stub';
export type { OpenAiStub, StubChatRequest, StubHandler, StubReply } from './openai-stub';
export { describeAgentConformance } from './conformance';
export type { ConformanceOptions } from './conformance';
