export { agentDescriptor } from './content-agent.descriptor';
export { ContentAgent } from './content.agent';
export { parseContentSettings } from './content.settings';
export type { ContentSettings, TavilySettings } from './content.settings';
