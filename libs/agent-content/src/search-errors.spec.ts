import { SearchError } from '@agent-orchestrator/domain';
import { toSearchError } from './search-errors';

// Messages exactly as @tavily/core 0.7 words them (see the module comment).
describe('toSearchError', () => {
  it.each([
    ['Unauthorized: missing or invalid API key.', false, /rejected the API key; check TAVILY_API_KEY/],
    ['Your request has been blocked due to excessive requests. Please reduce rate of requests.', true, /rate limit/],
    ["This request exceeds your plan's set usage limit. Please upgrade your plan or contact support@tavily.com", false, /usage limit reached/],
    ['This request exceeds the pay-as-you-go limit. You can increase your limit on the Tavily dashboard', false, /usage limit reached/],
    ['Internal Server Error', true, /unavailable/],
    ['Request timed out after 15 seconds.', true, /timed out/],
    ['502 Error: "<html>Bad Gateway</html>"', true, /unavailable \(HTTP 502\)/],
    ['429 Error: {"message":"slow down"}', true, /rate limit hit \(HTTP 429\)/],
    ['401 Error: {"message":"nope"}', false, /rejected the API key \(HTTP 401\)/],
    ['400 Error: {"message":"bad"}', false, /rejected the search request \(HTTP 400\)/],
    ['An unexpected error occurred while making the request. Error: AxiosError: connect ECONNREFUSED 127.0.0.1:1', true, /Could not reach Tavily/],
    ['An unexpected error occurred while making the request. Error: AxiosError: socket hang up', true, /Could not reach Tavily/],
    [
      "An unexpected error occurred while making the request. Error: TypeError: Cannot read properties of undefined (reading 'map')",
      false,
      /unexpected response/,
    ],
    ['Invalid topic', false, /Tavily search failed: Invalid topic/],
  ])('%s -> retryable=%s', (message, retryable, pattern) => {
    const e = toSearchError(new Error(message));
    expect(e).toBeInstanceOf(SearchError);
    expect(e.type).toBe('SEARCH_ERROR');
    expect(e.retryable).toBe(retryable);
    expect(e.message).toMatch(pattern);
  });

  it('maps the keyless limit error as not retryable', () => {
    const err = Object.assign(new Error('hourly cap reached'), { name: 'TavilyKeylessLimitError' });
    expect(toSearchError(err)).toMatchObject({ type: 'SEARCH_ERROR', retryable: false });
  });

  it('scrubs the API key from the message and the cause', () => {
    const e = toSearchError(new Error('401 Error: {"detail":"bad key tvly-secret-123"}'), 'tvly-secret-123');
    expect(e.message).not.toContain('tvly-secret-123');
    expect((e.cause as Error).message).not.toContain('tvly-secret-123');
  });

  it('passes a SearchError through and copes with non-errors', () => {
    const original = new SearchError('x', { retryable: true });
    expect(toSearchError(original)).toBe(original);
    expect(toSearchError('boom').message).toMatch(/boom/);
    expect(toSearchError(undefined).type).toBe('SEARCH_ERROR');
  });
});
