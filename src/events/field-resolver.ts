/**
 * One resolver for every event layout users have:
 * - evtx_dump JSON: `{Event: {System: {...}, EventData: {...}, UserData: {...}}}` — Sigma's `Image` is
 *   `Event.EventData.Image`, `EventID`/`Channel`/`Computer` come from `System`, and attributes are named
 *   `Element_Attribute` (`Provider_Name` → `System.Provider.#attributes.Name`), as the Sigma spec says;
 * - flat JSON with fields at the top level (NXLog), and Winlogbeat (`winlog.event_data.*`, `winlog.channel`);
 * - explicit dotted paths (`winlog.event_data.Image`, `source.ip`) for anything else.
 *
 * An `EventView` is created once per event; it caches lowercased strings because many rules compare the
 * same fields case-insensitively.
 */

type JsonObject = Record<string, unknown>;

const MAX_PATH_DEPTH = 32;
/**
 * Long values folded per event that `lower` keeps: the rule index folds each field it scans (up to about
 * twenty for process creation), and the rules evaluated next fold some of the same ones.
 */
const MAX_LOWERED = 32;

function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;
}

/** evtx_dump writes elements with attributes as `{"#text": value, "#attributes": {...}}`. */
export function unwrapText(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && '#text' in value) {
    return (value as JsonObject)['#text'];
  }
  return value;
}

const WINLOG_SYSTEM_FIELDS: Readonly<Record<string, string>> = {
  EventID: 'event_id',
  Channel: 'channel',
  Provider_Name: 'provider_name',
  Computer: 'computer_name',
  EventRecordID: 'record_id',
  Task: 'task',
  Opcode: 'opcode',
  Keywords: 'keywords',
};

export class EventView {
  /** `Event.EventData` for evtx-shaped events. */
  readonly data: JsonObject | undefined;
  /** `Event.System` for evtx-shaped events. */
  readonly system: JsonObject | undefined;
  readonly userData: JsonObject | undefined;
  /** Winlogbeat's `winlog` object, for flat events. */
  readonly winlog: JsonObject | undefined;
  readonly evtxShaped: boolean;
  /** A few recently folded strings, compared by identity: cheaper than a Map per event. */
  private lowerKeys: string[] | undefined;
  private lowerValues: string[] | undefined;
  /** Field names with spaces removed → value (`Threat Name` → `ThreatName`); null when there are none. */
  private spaceless: Map<string, unknown> | null | undefined;

  constructor(readonly raw: JsonObject) {
    const event = asObject(raw['Event']);
    if (event !== undefined && (event['System'] !== undefined || event['EventData'] !== undefined)) {
      this.evtxShaped = true;
      this.system = asObject(event['System']);
      this.data = asObject(event['EventData']);
      const userData = asObject(event['UserData']);
      // UserData holds a single provider-specific element whose children are the fields.
      if (userData !== undefined) {
        let inner: JsonObject | undefined;
        for (const key in userData) {
          if (key !== '#attributes') {
            inner = asObject(userData[key]);
            break;
          }
        }
        this.userData = inner;
      } else this.userData = undefined;
      this.winlog = undefined;
    } else {
      this.evtxShaped = false;
      this.system = undefined;
      this.data = undefined;
      this.userData = undefined;
      this.winlog = asObject(raw['winlog']);
    }
  }

  /** The value of a Sigma field, or `undefined` when the event does not have it. */
  get(field: string): unknown {
    if (this.evtxShaped) {
      const data = this.data;
      if (data !== undefined) {
        const value = data[field];
        if (value !== undefined) return unwrapText(value);
      }
      const system = this.system;
      if (system !== undefined) {
        const value = system[field];
        if (value !== undefined) return unwrapText(value);
        const underscore = field.indexOf('_');
        if (underscore > 0) {
          const element = asObject(system[field.slice(0, underscore)]);
          const attributes = element && asObject(element['#attributes']);
          if (attributes !== undefined) {
            const attribute = attributes[field.slice(underscore + 1)];
            if (attribute !== undefined) return attribute;
          }
        }
      }
      if (this.userData !== undefined) {
        const value = this.userData[field];
        if (value !== undefined) return unwrapText(value);
      }
      const spaced = this.spacelessValue(field);
      if (spaced !== undefined) return unwrapText(spaced);
      return field.includes('.') ? this.path(field) : undefined;
    }
    const value = this.raw[field];
    if (value !== undefined) return value;
    const spaced = this.spacelessValue(field);
    if (spaced !== undefined) return spaced;
    const winlog = this.winlog;
    if (winlog !== undefined) {
      const eventData = asObject(winlog['event_data']);
      if (eventData !== undefined) {
        const dataValue = eventData[field];
        if (dataValue !== undefined) return dataValue;
      }
      const systemName = WINLOG_SYSTEM_FIELDS[field];
      if (systemName !== undefined) {
        const systemValue = winlog[systemName];
        if (systemValue !== undefined) return systemValue;
      }
    }
    return field.includes('.') ? this.path(field) : undefined;
  }

  /**
   * Sigma names fields as the log shows them with spaces stripped (spec, "Field Usage"): Defender's
   * `Threat Name` is `ThreatName` in rules. The index is built on the first miss, once per event.
   */
  private spacelessValue(field: string): unknown {
    let index = this.spaceless;
    if (index === undefined) {
      index = null;
      const container = this.evtxShaped ? this.data : this.raw;
      if (container !== undefined) {
        for (const key in container) {
          if (key.includes(' ')) {
            index ??= new Map();
            index.set(key.replace(/ /g, ''), container[key]);
          }
        }
      }
      this.spaceless = index;
    }
    return index === null ? undefined : index.get(field);
  }

  /**
   * Lowercased form of a value from this event, cached for the life of the view: many rules fold the
   * same fields. The last few long texts are kept and compared with `===` (the same string object is a
   * pointer comparison), so the cache is right for any field.
   */
  lower(value: string): string {
    if (value.length < 16) return value.toLowerCase();
    // Allocated on first use: most events never fold a long value.
    const keys = (this.lowerKeys ??= []);
    const values = (this.lowerValues ??= []);
    for (let i = 0; i < keys.length; i++) if (keys[i] === value) return values[i]!;
    const lowered = value.toLowerCase();
    if (keys.length < MAX_LOWERED) {
      keys.push(value);
      values.push(lowered);
    }
    return lowered;
  }

  /** Follows a dotted path from the root (and, for evtx-shaped events, from `Event`). */
  path(dotted: string): unknown {
    const parts = dotted.split('.');
    if (parts.length > MAX_PATH_DEPTH) return undefined;
    const walk = (start: unknown): unknown => {
      let current: unknown = start;
      for (const part of parts) {
        const object = asObject(current);
        if (object === undefined) return undefined;
        current = object[part];
        if (current === undefined) return undefined;
      }
      return unwrapText(current);
    };
    const fromRoot = walk(this.raw);
    if (fromRoot !== undefined || !this.evtxShaped) return fromRoot;
    return walk(this.raw['Event']);
  }

  /** Windows channel of the event, if any. */
  channel(): string | undefined {
    // Through `get`, so the logsource index and a rule's own `Channel` test always see the same value.
    const value = this.get('Channel');
    // An empty cell (a CSV export) names no channel.
    return typeof value === 'string' && value !== '' ? value : undefined;
  }

  /** Numeric Windows event ID, if any. */
  eventId(): number | undefined {
    const value = this.get('EventID');
    if (typeof value === 'number') return value;
    if (typeof value === 'string' && value !== '') {
      const parsed = Number(value);
      return Number.isInteger(parsed) ? parsed : undefined;
    }
    return undefined;
  }

  /** Event time as an ISO string, or undefined when the event carries none we recognise. */
  timestamp(): string | undefined {
    let value: unknown;
    if (this.evtxShaped) {
      const created = asObject(this.system?.['TimeCreated']);
      value = asObject(created?.['#attributes'])?.['SystemTime'];
    } else {
      const raw = this.raw;
      value =
        raw['@timestamp'] ??
        raw['timestamp'] ??
        raw['TimeCreated'] ??
        raw['EventTime'] ??
        raw['time'] ??
        raw['date'] ??
        // Exchange's CSV logs: HttpProxy (DateTime) and message tracking (date-time).
        raw['DateTime'] ??
        raw['date-time'];
      const created = asObject(value);
      if (created !== undefined) value = asObject(created['#attributes'])?.['SystemTime'];
      // W3C logs (IIS, Exchange) write UTC date and time in two fields.
      const time = raw['time'];
      if (
        typeof raw['date'] === 'string' &&
        typeof time === 'string' &&
        /^\d{4}-\d{2}-\d{2}$/.test(raw['date'])
      ) {
        value = `${raw['date']}T${time}Z`;
      }
    }
    return normaliseTimestamp(value);
  }
}

/** Turns the timestamp shapes we see into ISO 8601 UTC (`...Z`); returns undefined for anything else. */
export function normaliseTimestamp(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    // Seconds or milliseconds since the epoch.
    const ms = value < 1e11 ? value * 1000 : value;
    const date = new Date(ms);
    return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
  }
  if (typeof value !== 'string' || value.length < 8) return undefined;
  // Already ISO with Z: keep the source precision (evtx_dump writes microseconds).
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(value)) return value;
  const parsed = Date.parse(
    value.includes('T') || !/^\d{4}-\d{2}-\d{2} /.test(value)
      ? value
      : value.replace(' ', 'T') + (/[zZ]|[+-]\d{2}:?\d{2}$/.test(value) ? '' : 'Z'),
  );
  return Number.isNaN(parsed) ? undefined : new Date(parsed).toISOString();
}
