import { JsonStringFieldReader } from './json-field-stream';

function read(field: string, pieces: string[]): string[] {
  const out: string[] = [];
  const reader = new JsonStringFieldReader(field, (t) => out.push(t));
  for (const p of pieces) reader.push(p);
  return out;
}

/** A JSON text cut into pieces of `size` characters. */
const cut = (text: string, size: number): string[] => Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size));

describe('JsonStringFieldReader', () => {
  const answer = { language: 'python', mode: 'generate', content: '```python\ndef greet(name):\n    return f"Hé {name} \\o/ 😀"\n```', summary: 'A "greeting".' };
  const json = JSON.stringify(answer);

  it.each([1, 2, 3, 7, 64, json.length])('hands on exactly the field, decoded, whatever the pieces (%i characters)', (size) => {
    expect(read('content', cut(json, size)).join('')).toBe(answer.content);
  });

  it('hands text on as it arrives, not only at the end', () => {
    const out = read('content', cut(json, 10));
    expect(out.length).toBeGreaterThan(3);
  });

  it('decodes \\u escapes, surrogate pairs included, even cut in the middle', () => {
    const text = JSON.stringify({ content: 'é😀' }).replace('é', '\\u00e9').replace('😀', '\\ud83d\\ude00');
    expect(read('content', cut(text, 1)).join('')).toBe('é😀');
  });

  it('ignores other fields, a value that is not a string, and everything after the field', () => {
    expect(read('content', [JSON.stringify({ summary: 'x', other: { content: 1 } })])).toEqual([]);
    expect(read('content', ['{"content": "ab", "content2": "cd"}']).join('')).toBe('ab');
  });
});
