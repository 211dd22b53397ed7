import { HISTORY_LIMITS, historyMessages, historyTranscript, recentHistory } from './history';

describe('recentHistory', () => {
  it('keeps the most recent turns, oldest first, and drops empty ones', () => {
    const turns = Array.from({ length: 10 }, (_, i) => ({ role: (i % 2 ? 'assistant' : 'user') as 'user' | 'assistant', content: `turn ${i}` }));
    const kept = recentHistory([...turns, { role: 'user', content: '   ' }]);
    expect(kept.map((t) => t.content)).toEqual(['turn 4', 'turn 5', 'turn 6', 'turn 7', 'turn 8', 'turn 9']);
  });

  it('bounds each turn and the total number of characters', () => {
    const long = (c: string) => ({ role: 'assistant' as const, content: c.repeat(5000) });
    const kept = recentHistory([long('a'), long('b'), long('c'), long('d'), long('e')]);
    for (const t of kept) expect(t.content.length).toBeLessThanOrEqual(HISTORY_LIMITS.maxTurnChars);
    expect(kept.reduce((n, t) => n + t.content.length, 0)).toBeLessThanOrEqual(HISTORY_LIMITS.maxChars);
    expect(kept[kept.length - 1]!.content.startsWith('e')).toBe(true);
    expect(kept[0]!.content).toContain('[truncated]');
  });

  it('renders turns as chat messages or as a transcript', () => {
    const turns = [
      { role: 'user' as const, content: 'Write about bees.' },
      { role: 'assistant' as const, content: 'Bees are...' },
    ];
    expect(historyMessages(turns).map((m) => m.getType())).toEqual(['human', 'ai']);
    expect(historyTranscript(turns)).toBe('User: Write about bees.\n\nAssistant: Bees are...');
  });
});
