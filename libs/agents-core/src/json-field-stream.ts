/**
 * Reads one string field of a JSON object while the object is still being written (a structured
 * answer streamed token by token), and hands on the field's decoded characters as they arrive:
 * `{"language":"python","content":"def f():\n` gives `def f():` and a newline, then the rest as it
 * comes. Only the first `"<field>":` key is followed, and only a string value; escapes (`\n`, `\"`,
 * `\u00e9`, surrogate pairs) are decoded, an escape cut between two pieces waits for the next.
 */
export class JsonStringFieldReader {
  private text = '';
  /** Where the field's value starts in `text` (after its opening quote); -1 until the key is seen. */
  private start = -1;
  private pos = 0;
  private done = false;
  private readonly key: RegExp;

  constructor(
    field: string,
    private readonly onText: (text: string) => void,
  ) {
    this.key = new RegExp(`"${field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"\\s*:\\s*"`);
  }

  push(piece: string): void {
    if (this.done || piece.length === 0) return;
    this.text += piece;
    if (this.start < 0) {
      const match = this.key.exec(this.text);
      if (!match) return;
      this.start = match.index + match[0].length;
      this.pos = this.start;
    }
    let out = '';
    while (this.pos < this.text.length) {
      const c = this.text.charAt(this.pos);
      if (c === '"') {
        this.done = true;
        break;
      }
      if (c !== '\\') {
        out += c;
        this.pos += 1;
        continue;
      }
      const decoded = this.escape();
      if (decoded === null) break;
      out += decoded;
    }
    if (out) this.onText(out);
  }

  /** The escape at `pos`, decoded (moving past it), or null when it is not complete yet. */
  private escape(): string | null {
    const next = this.text[this.pos + 1];
    if (next === undefined) return null;
    if (next !== 'u') {
      this.pos += 2;
      return ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' } as Record<string, string>)[next] ?? next;
    }
    const hex = this.text.slice(this.pos + 2, this.pos + 6);
    if (hex.length < 4) return null;
    const code = parseInt(hex, 16);
    // A high surrogate needs its low half (the next \uXXXX) before it can be handed on.
    if (code >= 0xd800 && code <= 0xdbff) {
      const low = this.text.slice(this.pos + 6, this.pos + 12);
      if (low.length < 6) return null;
      this.pos += 12;
      return String.fromCharCode(code, parseInt(low.slice(2), 16));
    }
    this.pos += 6;
    return Number.isNaN(code) ? '' : String.fromCharCode(code);
  }
}
