import baseConfig, { agentConfig } from '../../eslint.config.mjs';

export default [...baseConfig, ...agentConfig];
