/**
 * Hash routes, as pure functions (unit-tested in Node): `#/incidents/7?tab=alerts` ⇄ path + query.
 * Hash routing keeps every page a static file (the server serves index.html at `/` and nothing else) and
 * makes filters part of the address, so a search can be bookmarked or pasted into a ticket.
 */

export interface Location {
  readonly path: string;
  readonly query: URLSearchParams;
}

export function parseHash(hash: string): Location {
  const body = hash.startsWith('#') ? hash.slice(1) : hash;
  const mark = body.indexOf('?');
  const rawPath = mark === -1 ? body : body.slice(0, mark);
  const path = rawPath === '' ? '/' : rawPath.startsWith('/') ? rawPath : `/${rawPath}`;
  return { path, query: new URLSearchParams(mark === -1 ? '' : body.slice(mark + 1)) };
}

/** `#/alerts?level=high`; empty query values are dropped. */
export function buildHash(path: string, query?: Readonly<Record<string, string | undefined>>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {}))
    if (value !== undefined && value !== '') params.set(key, value);
  const text = params.toString();
  return `#${path}${text === '' ? '' : `?${text}`}`;
}

/** Matches `/incidents/:id` against `/incidents/7` → `{ id: '7' }`; undefined when it does not match. */
export function matchPattern(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/').filter((part) => part !== '');
  const have = path.split('/').filter((part) => part !== '');
  if (want.length !== have.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const expected = want[i]!;
    const actual = have[i]!;
    if (expected.startsWith(':')) {
      try {
        params[expected.slice(1)] = decodeURIComponent(actual);
      } catch {
        return undefined;
      }
    } else if (expected !== actual) return undefined;
  }
  return params;
}

/** A positive integer id from a route parameter, else undefined (so `/incidents/abc` is a 404 page). */
export function idParam(value: string | undefined): number | undefined {
  if (value === undefined || !/^[1-9]\d{0,15}$/.test(value)) return undefined;
  return Number(value);
}
