/** One sample of a Prometheus text exposition. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The samples named `name` whose labels include all of `labels` (what GET /metrics answered, in any label order). */
export function samples(text: string, name: string, labels: Record<string, string> = {}): Sample[] {
  const found: Sample[] = [];
  for (const line of text.split('\n')) {
    const [, metric, labelText, value] = LINE.exec(line) ?? [];
    if (metric !== name || value === undefined) continue;
    const parsed: Record<string, string> = {};
    for (const [, key, raw] of (labelText ?? '').matchAll(LABEL))
      if (key !== undefined && raw !== undefined) parsed[key] = raw.replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    if (Object.entries(labels).every(([k, v]) => parsed[k] === v)) found.push({ name: metric, labels: parsed, value: Number(value) });
  }
  return found;
}

/** The value of the one sample matching, or undefined when there is none (several: an error). */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples(text, name, labels);
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}
