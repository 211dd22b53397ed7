import { languageFromFences, normalizeLanguage } from './code-language';

describe('normalizeLanguage', () => {
  it.each([
    ['Python', 'python'],
    [' TypeScript ', 'typescript'],
    ['ts', 'typescript'],
    ['JS', 'javascript'],
    ['C++', 'cpp'],
    ['C#', 'csharp'],
    ['golang', 'go'],
    ['shell', 'bash'],
    ['PostgreSQL', 'sql'],
    ['Visual Basic', 'vbnet'],
    ['regexp', 'regex'],
  ])('%s -> %s', (value, expected) => {
    expect(normalizeLanguage(value)).toBe(expected);
  });

  it.each(['', '  ', 'none', 'N/A', 'text', 'plaintext', null, undefined, '!!!', 'x'.repeat(41), 'klingon', 'brainfudge'])('%p -> null', (value) => {
    expect(normalizeLanguage(value)).toBeNull();
  });
});

describe('languageFromFences', () => {
  it('takes the first tagged block', () => {
    expect(languageFromFences('Intro\n```\nplain\n```\n\n```py\nprint(1)\n```\n```rust\nfn main(){}\n```')).toBe('python');
  });

  it('returns null without tagged blocks', () => {
    expect(languageFromFences('No code at all.')).toBeNull();
    expect(languageFromFences('```\ncode\n```')).toBeNull();
  });
});
