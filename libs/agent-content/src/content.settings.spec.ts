import { ConfigError } from '@agent-orchestrator/domain';
import { parseContentSettings } from './content.settings';

describe('parseContentSettings', () => {
  it('applies defaults and reports search as not configured without TAVILY_API_KEY or TAVILY_BASE_URL', () => {
    expect(parseContentSettings({})).toEqual({ model: 'gpt-4o-mini', search: null });
    expect(parseContentSettings({ TAVILY_API_KEY: '  ' }).search).toBeNull();
  });

  it('configures search with a key', () => {
    expect(parseContentSettings({ TAVILY_API_KEY: 'tvly-abc', LLM_CONTENT_MODEL: 'gpt-4.1-mini', TAVILY_MAX_RESULTS: '8', TAVILY_TIMEOUT_MS: '2000' })).toEqual({
      model: 'gpt-4.1-mini',
      search: { apiKey: 'tvly-abc', baseURL: undefined, maxResults: 8, timeoutMs: 2000 },
    });
  });

  it('configures search with only a base URL, without its trailing slash', () => {
    expect(parseContentSettings({ TAVILY_BASE_URL: 'http://127.0.0.1:9999/' }).search).toEqual({
      apiKey: undefined,
      baseURL: 'http://127.0.0.1:9999',
      maxResults: 5,
      timeoutMs: 15_000,
    });
  });

  it('lists every invalid value in one ConfigError, without echoing the base URL', () => {
    let error: unknown;
    try {
      parseContentSettings({ TAVILY_MAX_RESULTS: '11', TAVILY_TIMEOUT_MS: 'soon', TAVILY_BASE_URL: 'ftp://user:secret@host', LLM_CONTENT_MODEL: 'gpt 4' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const e = error as ConfigError;
    expect(e.type).toBe('CONFIG_ERROR');
    expect(e.details?.map((d) => d.field).sort()).toEqual(['LLM_CONTENT_MODEL', 'TAVILY_BASE_URL', 'TAVILY_MAX_RESULTS', 'TAVILY_TIMEOUT_MS']);
    expect(e.message).not.toContain('secret');
  });

  it('rejects TAVILY_MAX_RESULTS below 1', () => {
    expect(() => parseContentSettings({ TAVILY_MAX_RESULTS: '0' })).toThrow(/TAVILY_MAX_RESULTS must be an integer from 1 to 10/);
  });
});
