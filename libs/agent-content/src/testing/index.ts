export { defaultTavilyHandler, defaultTavilyResults, startTavilyStub } from './tavily-stub';
export type { TavilyStub, TavilyStubHandler, TavilyStubReply, TavilyStubRequest, TavilyStubResult } from './tavily-stub';
