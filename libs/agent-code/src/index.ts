export { agentDescriptor } from './code-agent.descriptor';
export { CodeAgent } from './code.agent';
export { parseCodeSettings } from './code.settings';
export type { CodeSettings } from './code.settings';
