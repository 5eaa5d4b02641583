/**
 * Times in the store are integers: microseconds since the Unix epoch, UTC. Integers sort and compare the
 * same in every dialect (ISO strings with varying fractions do not: `…:00.5Z` < `…:00Z` as text), and
 * microseconds keep the precision evtx_dump writes. The API speaks ISO 8601 (`…Z`).
 */

const ISO = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/;

/** `2021-05-04T10:11:12.123456Z` → microseconds; any other text → null (unknown time). */
export function isoToMicros(iso: string): number | null {
  const match = ISO.exec(iso);
  if (match !== null) {
    const seconds = Date.parse(`${match[1]!}Z`);
    if (Number.isNaN(seconds)) return null;
    const fraction = (match[2] ?? '').padEnd(6, '0').slice(0, 6);
    return seconds * 1000 + Number(fraction);
  }
  if (iso === '') return null;
  const parsed = Date.parse(iso);
  return Number.isNaN(parsed) ? null : parsed * 1000;
}

/** Microseconds → ISO 8601 UTC; milliseconds precision when that loses nothing, microseconds otherwise. */
export function microsToIso(micros: number): string {
  const millis = Math.floor(micros / 1000);
  const rest = micros - millis * 1000;
  const base = new Date(millis).toISOString();
  if (rest === 0) return base;
  return `${base.slice(0, -1)}${String(rest).padStart(3, '0')}Z`;
}

export function nullableIso(micros: number | null | undefined): string | null {
  return micros === null || micros === undefined ? null : microsToIso(micros);
}

export function nowMicros(): number {
  return Date.now() * 1000;
}
