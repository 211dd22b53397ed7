/** One sample of a Prometheus text exposition. */
export interface ExpositionSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * Reads the samples of a text exposition (what GET /metrics answers), for
 * tests and tools; comments and malformed lines are skipped.
 */
export function parseExposition(text: string): ExpositionSample[] {
  const samples: ExpositionSample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = LINE.exec(line);
    const [, name, labelText, value] = m ?? [];
    if (!name || value === undefined) continue;
    const labels: Record<string, string> = {};
    for (const [, key, raw] of (labelText ?? '').matchAll(LABEL)) {
      if (key !== undefined && raw !== undefined) labels[key] = raw.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    samples.push({ name, labels, value: Number(value) });
  }
  return samples;
}

/** The samples named `name` whose labels include all of `labels`. */
export function findSamples(text: string, name: string, labels: Record<string, string> = {}): ExpositionSample[] {
  return parseExposition(text).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}
