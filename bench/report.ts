/** Plain-text rendering of benchmark tables and numbers, for the human reading `npm run bench`. */
import type { BenchmarkReport } from './types.js';

export function renderReport(name: string, report: BenchmarkReport): string {
  const { header, rows } = report.table;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [`== ${name}: ${report.title}`];
  if (header.length > 0) {
    out.push(line(header), widths.map((w) => '-'.repeat(w)).join('  '));
    for (const row of rows) out.push(line(row));
  }
  for (const note of report.notes) out.push(note);
  return out.join('\n');
}

/** `1,234,567` */
export function int(n: number): string {
  return Math.round(n).toLocaleString('en-GB');
}

/** Three significant digits, grouped: `1,230,000`, `12.3`, `0.123`. */
export function sig(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1000) return int(n);
  return Number(n.toPrecision(3)).toString();
}

/** Rounds for the JSON line: integers stay integers, others keep 3 decimals. */
export function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
