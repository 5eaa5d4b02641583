/**
 * W3C extended log format (IIS, Exchange front ends, Windows Firewall, …): each data line holds the values
 * of the fields the last `#Fields:` directive named, separated by spaces. The event is keyed by those
 * names as written, so analysts see their own header; on top of that:
 * - `prefix(Header)` fields also appear under Sigma's webserver taxonomy spelling `prefix-header`
 *   (`cs(User-Agent)` → `cs-user-agent`, `cs(Referer)` → `cs-referer`, `cs(Cookie)` → `cs-cookie`), so
 *   SigmaHQ `category: webserver` rules find them; IIS writes spaces in values as `+`, and since rules
 *   spell user agents with spaces (`Nmap Scripting Engine`), `cs-user-agent` has them turned back;
 * - `-` (W3C's "no value") becomes null, which Sigma's `field: null` matches;
 * - counters (`sc-status`, `s-port`, `time-taken`, byte counts …) become numbers when they are integers.
 *
 * @example
 *   #Fields: date time cs-method cs-uri-stem sc-status cs(User-Agent)
 *   2021-03-02 23:41:18 POST /ecp/y.js 200 python-requests/2.19.1
 *   → { date: '2021-03-02', time: '23:41:18', 'cs-method': 'POST', 'cs-uri-stem': '/ecp/y.js',
 *       'sc-status': 200, 'cs(User-Agent)': 'python-requests/2.19.1', 'cs-user-agent': 'python-requests/2.19.1' }
 */
import type { JsonObject } from '../decode.js';
import type { LineParser, LineResult } from '../text/line-parser.js';
import { setField } from '../text/line-parser.js';

/** Fields whose values are counts or codes: numbers in the event when they are plain integers. */
const NUMERIC_FIELDS: ReadonlySet<string> = new Set([
  'sc-status',
  'sc-substatus',
  'sc-win32-status',
  's-port',
  'c-port',
  'time-taken',
  'sc-bytes',
  'cs-bytes',
  'src-port',
  'dst-port',
  'size',
]);

interface FieldPlan {
  readonly name: string;
  readonly numeric: boolean;
  /** Sigma's name for a `prefix(Header)` field, when it differs and the header does not have it already. */
  readonly alias: string | undefined;
  /** The alias gets IIS's `+` turned back into spaces (user agents). */
  readonly unplus: boolean;
}

/** Splits the value of a `#Fields:` directive into names. */
export function splitFieldNames(value: string): string[] {
  return value.split(/[ \t]+/).filter((name) => name !== '');
}

function planFields(names: readonly string[]): FieldPlan[] {
  const present = new Set(names);
  return names.map((name) => {
    const header = /^([a-z]{1,2})\((.+)\)$/i.exec(name);
    let alias: string | undefined;
    if (header !== null) {
      const sigmaName = `${header[1]!.toLowerCase()}-${header[2]!.toLowerCase()}`;
      if (!present.has(sigmaName)) alias = sigmaName;
    }
    return { name, numeric: NUMERIC_FIELDS.has(name), alias, unplus: alias === 'cs-user-agent' };
  });
}

const INTEGER = /^\d{1,15}$/;

/**
 * Splits a data line into values: runs of spaces or tabs separate them; a value that starts with `"` runs to
 * the closing quote (`""` inside is a quote), as the W3C draft allows for strings.
 */
export function splitW3cValues(line: string): string[] {
  const values: string[] = [];
  const n = line.length;
  let i = 0;
  for (;;) {
    while (i < n && (line.charCodeAt(i) === 0x20 || line.charCodeAt(i) === 0x09)) i++;
    if (i >= n) return values;
    if (line.charCodeAt(i) === 0x22) {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q === -1) {
          // No closing quote: the rest of the line is the value.
          value += line.slice(j);
          j = n;
          break;
        }
        value += line.slice(j, q);
        if (line.charCodeAt(q + 1) === 0x22) {
          value += '"';
          j = q + 2;
        } else {
          j = q + 1;
          break;
        }
      }
      values.push(value);
      i = j;
      continue;
    }
    let j = i;
    while (j < n && line.charCodeAt(j) !== 0x20 && line.charCodeAt(j) !== 0x09) j++;
    values.push(line.slice(i, j));
    i = j;
  }
}

function preview(names: readonly string[]): string {
  const shown = names.slice(0, 6).join(' ');
  return names.length > 6 ? `${shown} …` : shown;
}

export const w3cParser: LineParser = {
  description: 'W3C extended log line, named by the #Fields: directive',
  forBatch(batch) {
    const names = batch.context;
    const plans = planFields(names);
    return (text): LineResult => {
      if (plans.length === 0) {
        return {
          ok: false,
          problem: {
            code: 'no-field-names',
            message:
              'a data line before any #Fields: directive: the field names are unknown; skipped (was the header cut off?)',
          },
        };
      }
      const values = splitW3cValues(text);
      if (values.length !== plans.length) {
        return {
          ok: false,
          problem: {
            code: 'field-count',
            message: `the line has ${values.length} values but the #Fields: directive names ${plans.length} (${preview(names)}); skipped`,
          },
        };
      }
      const event: JsonObject = {};
      for (let i = 0; i < plans.length; i++) {
        const plan = plans[i]!;
        const raw = values[i]!;
        let value: string | number | null;
        if (raw === '-') value = null;
        else if (plan.numeric && INTEGER.test(raw)) value = Number(raw);
        else value = raw;
        setField(event, plan.name, value);
        if (plan.alias !== undefined) {
          setField(
            event,
            plan.alias,
            plan.unplus && typeof value === 'string' ? value.replaceAll('+', ' ') : value,
          );
        }
      }
      return { ok: true, value: event };
    };
  },
};
