import { ConfigError } from '@agent-orchestrator/domain';
import { parseCodeSettings } from './code.settings';

describe('parseCodeSettings', () => {
  it('defaults the model, and reads LLM_CODE_MODEL', () => {
    expect(parseCodeSettings({})).toEqual({ model: 'gpt-4o-mini' });
    expect(parseCodeSettings({ LLM_CODE_MODEL: '  ' })).toEqual({ model: 'gpt-4o-mini' });
    expect(parseCodeSettings({ LLM_CODE_MODEL: 'gpt-4.1' })).toEqual({ model: 'gpt-4.1' });
  });

  it('throws ConfigError for an invalid model name', () => {
    expect(() => parseCodeSettings({ LLM_CODE_MODEL: 'gpt 4.1' })).toThrow(ConfigError);
  });
});
