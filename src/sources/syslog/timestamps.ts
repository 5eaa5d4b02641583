/**
 * Syslog timestamps: RFC 3339 (RFC 5424, and rsyslog's high-precision file format) and the BSD form of
 * RFC 3164 (`Mar  7 09:15:02`), which has neither year nor zone. The year is inferred from a reference time
 * (the file's modification time): the most recent year in which the date is valid and not in the future,
 * so a file that runs from December into January gets both years right. BSD times carry no zone and are
 * read as UTC.
 */

const MONTHS: Readonly<Record<string, number>> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
};

/** Log times later than the reference by less than this are not "in the future" (clock skew, zones). */
const FUTURE_SLACK_MS = 24 * 60 * 60 * 1000;
/** How far back the year search goes (Feb 29 needs up to 8 years around a century). */
const YEARS_BACK = 8;

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:?\d{2})$/;

/** An ISO 8601 UTC string for an RFC 3339 timestamp; undefined when it is not a valid one. */
export function rfc3339ToIso(text: string): string | undefined {
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, fraction = '', zone = 'Z'] = m;
  if (!validDate(Number(y), Number(mo) - 1, Number(d)) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60)
    return undefined;
  if (zone === 'Z' || zone === 'z') return `${y}-${mo}-${d}T${h}:${mi}:${s}${fraction}Z`;
  const parsed = Date.parse(
    `${y}-${mo}-${d}T${h}:${mi}:${s}${fraction.slice(0, 4)}${zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`,
  );
  return Number.isNaN(parsed) ? undefined : isoUtc(parsed, fraction !== '');
}

export interface BsdTimestamp {
  readonly iso: string;
  /** Characters of the line the timestamp took (for the caller to continue after it). */
  readonly length: number;
}

/** Years already chosen for a month and day, for one reference time (see `readBsdTimestamp`). */
export type YearCache = Map<number, number>;

/**
 * Reads a BSD timestamp at the start of `text`: `Mmm dd hh:mm:ss` (day space- or zero-padded), with an
 * optional fraction, or with a year (`Mmm dd yyyy hh:mm:ss`, as Cisco writes it). `referenceMs` places a
 * yearless timestamp (see the module comment); `years`, shared by the lines of one file, remembers the
 * year chosen for each month and day, since the lines of a log share a few dates.
 */
export function readBsdTimestamp(
  text: string,
  referenceMs: number,
  years?: YearCache,
): BsdTimestamp | undefined {
  const m = /^([A-Za-z]{3}) {1,2}(\d{1,2}) (?:(\d{4}) )?(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?= |$)/.exec(
    text,
  );
  if (m === null) return undefined;
  const month = MONTHS[m[1]!.toLowerCase()];
  if (month === undefined) return undefined;
  const day = Number(m[2]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const fraction = m[7] ?? '';
  const ms = fraction === '' ? 0 : Math.floor(Number(`0${fraction}`) * 1000);
  let year: number | undefined;
  if (m[3] !== undefined) {
    year = Number(m[3]);
    if (!validDate(year, month, day)) return undefined;
  } else {
    const key = month * 32 + day;
    year = years?.get(key);
    if (year === undefined) {
      year = inferYear(month, day, hour, minute, second, ms, referenceMs);
      if (year === undefined) return undefined;
      // Dates near the reference depend on the time of day too; only the others are remembered.
      if (Date.UTC(year, month, day) < referenceMs - 2 * FUTURE_SLACK_MS) years?.set(key, year);
    }
  }
  const date = `${year}-${pad(month + 1)}-${pad(day)}T${m[4]}:${m[5]}:${m[6]}`;
  return {
    iso: fraction === '' ? `${date}Z` : `${date}.${String(ms).padStart(3, '0')}Z`,
    length: m[0].length,
  };
}

/** The most recent year, back to YEARS_BACK, in which the date exists and is not in the future. */
function inferYear(
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms: number,
  referenceMs: number,
): number | undefined {
  const reference = new Date(referenceMs).getUTCFullYear();
  for (let year = reference; year >= reference - YEARS_BACK; year--) {
    if (!validDate(year, month, day)) continue;
    if (Date.UTC(year, month, day, hour, minute, second, ms) <= referenceMs + FUTURE_SLACK_MS) return year;
  }
  return undefined;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function validDate(year: number, month: number, day: number): boolean {
  if (month < 0 || month > 11 || day < 1) return false;
  const date = new Date(Date.UTC(year, month, day));
  return date.getUTCMonth() === month && date.getUTCDate() === day;
}

/** `2024-03-07T09:15:02Z`, with milliseconds only when the source had a fraction. */
function isoUtc(ms: number, withFraction: boolean): string {
  const iso = new Date(ms).toISOString();
  return withFraction ? iso : `${iso.slice(0, 19)}Z`;
}
