/**
 * Formatting for people: counts, times, durations, levels and statuses. Pure functions (no DOM), so they
 * are unit-tested in Node (format.test.ts).
 */
import type { IncidentStatus, Level } from './types.js';
import { LEVELS } from './types.js';

const COUNT = new Intl.NumberFormat('en');
const COMPACT = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });

export function formatCount(value: number | undefined | null): string {
  return value === undefined || value === null ? '–' : COUNT.format(value);
}

export function formatCompact(value: number): string {
  return value < 10_000 ? COUNT.format(value) : COMPACT.format(value);
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** `2024-11-05 10:04:31Z`: UTC, because incident work across offices needs one clock. */
export function formatTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined || iso === '') return '–';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

/** `3 min ago`, `2 d ago`; `in 5 min` for clocks that run ahead. */
export function formatAgo(iso: string | null | undefined, now: number): string {
  if (iso === null || iso === undefined) return '–';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const seconds = Math.round((now - ms) / 1000);
  const abs = Math.abs(seconds);
  const [value, unit] =
    abs < 60
      ? [abs, 's']
      : abs < 3600
        ? [Math.floor(abs / 60), 'min']
        : abs < 86_400
          ? [Math.floor(abs / 3600), 'h']
          : abs < 86_400 * 365
            ? [Math.floor(abs / 86_400), 'd']
            : [Math.floor(abs / (86_400 * 365)), 'y'];
  return seconds >= 0 ? `${value} ${unit} ago` : `in ${value} ${unit}`;
}

/** Higher is worse: critical 4 … informational 0; unknown levels sort last. */
export function levelRank(level: string): number {
  const index = (LEVELS as readonly string[]).indexOf(level);
  return index === -1 ? -1 : LEVELS.length - 1 - index;
}

export function isLevel(value: string): value is Level {
  return (LEVELS as readonly string[]).includes(value);
}

const STATUS_LABELS: Record<IncidentStatus, string> = {
  new: 'New',
  triaging: 'Triaging',
  contained: 'Contained',
  closed: 'Closed',
  false_positive: 'False positive',
};

export function statusLabel(status: string): string {
  return (STATUS_LABELS as Record<string, string>)[status] ?? status;
}

export function levelLabel(level: string): string {
  return level === 'informational' ? 'info' : level;
}

/**
 * Converts the value of an `<input type="datetime-local">` (local wall time) to ISO 8601 UTC, and back,
 * so filters in the URL are unambiguous.
 */
export function localInputToIso(value: string): string | undefined {
  if (value === '') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export function isoToLocalInput(iso: string | undefined): string {
  if (iso === undefined) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const date = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A technique id from a Sigma tag (`attack.t1003.001` → `T1003.001`), else undefined. */
export function techniqueOfTag(tag: string): string | undefined {
  const match = /^attack\.(t\d{4}(?:\.\d{3})?)$/i.exec(tag);
  return match === null ? undefined : match[1]!.toUpperCase();
}

/** Heat bucket 0 (none) … 5 (most), on a log scale so one noisy technique does not flatten the rest. */
export function heatBucket(value: number, max: number): number {
  if (value <= 0 || max <= 0) return 0;
  if (max === 1) return 5;
  return Math.max(1, Math.min(5, Math.ceil((Math.log(value + 1) / Math.log(max + 1)) * 5)));
}

/** Round axis maximum for a bar chart: 1, 2, 5 × 10^n at or above `max`. */
export function niceMax(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

/** Pretty-printed JSON of an event, for a `<pre>` (shown as text, never parsed as markup). */
export function prettyJson(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}
