/**
 * Sigma timespans: a whole number and a unit letter (`90m`, `1h`, `7d`). Weeks (`w`) are accepted as
 * pySigma does; months and years are refused because they are not fixed durations.
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** Correlation state lives as long as its window: longer windows are refused rather than held for weeks. */
export const MAX_TIMESPAN_MS = 31 * 86_400_000;

export type TimespanResult =
  | { readonly ok: true; readonly ms: number }
  | { readonly ok: false; readonly code: 'invalid-timespan' | 'timespan-too-long'; readonly message: string };

/**
 * @example parseTimespan('90m') // { ok: true, ms: 5400000 }
 * @example parseTimespan('0s').ok // false: a window must have a length
 */
export function parseTimespan(text: string, maxMs = MAX_TIMESPAN_MS): TimespanResult {
  const match = /^(\d{1,12})([a-zA-Z])$/.exec(text.trim());
  if (match === null) {
    return {
      ok: false,
      code: 'invalid-timespan',
      message: `timespan '${text}' is not a whole number followed by s, m, h, d or w (e.g. 5m, 1h, 7d)`,
    };
  }
  const count = Number(match[1]);
  const unit = match[2]!;
  const unitMs = UNIT_MS[unit];
  if (unitMs === undefined) {
    const hint =
      unit === 'M' || unit === 'y'
        ? 'months and years are not fixed durations; write days'
        : 'use s, m, h, d or w (lowercase)';
    return {
      ok: false,
      code: 'invalid-timespan',
      message: `timespan '${text}': unknown unit '${unit}' (${hint})`,
    };
  }
  if (count === 0) {
    return {
      ok: false,
      code: 'invalid-timespan',
      message: `timespan '${text}' is empty: a window needs a length`,
    };
  }
  const ms = count * unitMs;
  if (ms > maxMs) {
    return {
      ok: false,
      code: 'timespan-too-long',
      message: `timespan '${text}' is longer than the ${formatDuration(maxMs)} limit: correlation state is kept for a whole window`,
    };
  }
  return { ok: true, ms };
}

/** `300000` → `5m`: the largest unit that divides the duration. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['w', UNIT_MS['w']!],
    ['d', UNIT_MS['d']!],
    ['h', UNIT_MS['h']!],
    ['m', UNIT_MS['m']!],
    ['s', UNIT_MS['s']!],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** Parses a duration option such as `--reorder-window 5m` (0 allowed: no reordering). */
export function parseDurationOption(text: string): number | undefined {
  if (/^0+[smhdw]?$/.test(text.trim())) return 0;
  const result = parseTimespan(text, Number.MAX_SAFE_INTEGER);
  return result.ok ? result.ms : undefined;
}
