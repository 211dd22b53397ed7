/** A random UUID v4 for `Idempotency-Key`: crypto.randomUUID where it exists (Node, secure browser contexts), else from getRandomValues. */
/** The slice of Web Crypto used (typed here, so the file compiles with DOM or Node types alike). */
interface WebCrypto {
  randomUUID?: () => string;
  getRandomValues<T extends Uint8Array>(array: T): T;
}

export function newIdempotencyKey(): string {
  const c = (globalThis as { crypto?: WebCrypto }).crypto;
  if (!c) throw new TypeError('No Web Crypto: pass an idempotencyKey.');
  if (typeof c.randomUUID === 'function') return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
