export { agentDescriptor } from './test-agent.descriptor';
export { TestAgent } from './test.agent';
export { parseTestAgentSettings } from './test.settings';
export type { TestAgentSettings } from './test.settings';
