// Pure helpers of tools/bench/run.mjs (no I/O), tested by lib.test.mjs.

/** Nearest-rank percentile of an ascending array (p in [0, 1]); NaN for an empty one. */
export function percentile(sorted, p) {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** "10000,100000,1e6" → [10000, 100000, 1000000]; throws on anything but positive integers. */
export function parseSizes(text) {
  const sizes = String(text)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => Number(s.replace(/_/g, '')));
  if (!sizes.length || sizes.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error(`--sizes must be positive integers separated by commas, got "${text}"`);
  return [...new Set(sizes)].sort((a, b) => a - b);
}

/** 10000 → "10k", 1000000 → "1M", 2500 → "2.5k". */
export function shortCount(n) {
  if (n >= 1e6 && n % 1e5 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 100 === 0) return `${n / 1e3}k`;
  return String(n);
}

/** A number for a table cell: '–' for null/NaN, else `digits` decimals (fewer for big values). */
export function fmt(value, digits = 1) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  if (typeof value !== 'number') return String(value);
  const d = Math.abs(value) >= 1000 ? 0 : Math.abs(value) >= 100 ? Math.min(digits, 1) : digits;
  return value.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

/** A GitHub-flavoured markdown table, columns padded so it also reads well as plain text. */
export function markdownTable(header, rows, align = []) {
  const cells = [header, ...rows].map((r) => r.map((c) => String(c ?? '').replace(/\|/g, '\\|')));
  const widths = header.map((_, i) => Math.max(3, ...cells.map((r) => (r[i] ?? '').length)));
  const pad = (text, i) => (align[i] === 'right' ? text.padStart(widths[i]) : text.padEnd(widths[i]));
  const line = (r) => `| ${r.map((c, i) => pad(c ?? '', i)).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (align[i] === 'right' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join('\n');
}

/** VmRSS (or another field) in KiB from the text of /proc/<pid>/status; null when absent. */
export function statusKiB(statusText, field = 'VmRSS') {
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(statusText);
  return m ? Number(m[1]) : null;
}

/**
 * CPU time (user + system) in clock ticks from the text of /proc/<pid>/stat; null when unreadable.
 * The command name (field 2) is in parentheses and may hold spaces, so fields are counted after its `)`.
 */
export function statCpuTicks(statText) {
  const close = statText.lastIndexOf(')');
  if (close < 0) return null;
  // After ")": state(3) ppid(4) ... utime(14) stime(15): indexes 11 and 12 of the rest.
  const rest = statText.slice(close + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : null;
}

/** Deterministic pseudo-random numbers (mulberry32), so seeded data is the same run after run. */
export function mulberry32(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
