/**
 * Sequence tests for correlation rules (`sequences:` in a `*.tests.yaml`): a list of timed events is run
 * through the detector and the correlation engine, and the number of correlation alerts is checked.
 *
 * ```yaml
 * sequences:
 *   - name: twelve failed logons for one account in two minutes
 *     events:
 *       - at: '2026-11-03T06:00:00Z'   # the event's time, written where its layout keeps it
 *         repeat: 12                   # copies, `every` apart (default 1s); '{n}' in strings → 1, 2, ...
 *         every: 10s
 *         event: { Event: { System: { Channel: Security, EventID: 4625 }, EventData: { ... } } }
 *       - after: 30s                   # the previous event's time + 30s
 *         event: { ... }
 *     alerts: 1                        # exactly this many correlation alerts
 *     rule: Password spraying          # optional: count only this correlation's alerts (id or title)
 *     group: { TargetUserName: alice } # optional: every alert's group has these values
 * ```
 * An event with neither `at` nor `after` keeps whatever time it carries (none, to test untimed events).
 */
import type { Alert } from '../events/event.js';
import type { Issue } from '../issues.js';
import type { Detector } from '../detect/detector.js';
import { CorrelationRunner } from '../correlate/correlation-runner.js';
import { parseDurationOption } from '../sigma/correlation/timespan.js';

/** Expanded events of one sequence are capped: a test file must not be a way to exhaust memory. */
const MAX_SEQUENCE_EVENTS = 100_000;

export interface SequenceCase {
  readonly name: string;
  readonly events: readonly Record<string, unknown>[];
  readonly alerts: number;
  /** Count only this correlation's alerts (its id or title); default: every correlation of the file. */
  readonly rule?: string;
  readonly group?: Readonly<Record<string, string>>;
  readonly ordering: 'sorted' | 'stream';
  readonly reorderWindowMs?: number;
}

export interface SequenceOutcome {
  readonly passed: boolean;
  readonly alerts: readonly Alert[];
  readonly issues: readonly Issue[];
  readonly detail?: string;
}

/** A YAML scalar as text; undefined for mappings and lists (which no duration or time can be). */
function scalar(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads `sequences` from a parsed tests file; throws an Error with a located message on bad shapes. */
export function readSequences(data: unknown, file: string): SequenceCase[] {
  if (!isRecord(data)) return [];
  const list = data['sequences'];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new Error(`${file}: 'sequences' must be a list`);
  return list.map((entry: unknown, index) => {
    const where = `${file}: sequences[${index}]`;
    if (!isRecord(entry)) throw new Error(`${where} must be a mapping`);
    const name = typeof entry['name'] === 'string' ? entry['name'] : `sequences[${index}]`;
    const alerts = entry['alerts'];
    if (typeof alerts !== 'number' || !Number.isInteger(alerts) || alerts < 0)
      throw new Error(`${where} (${name}): 'alerts' must be the number of correlation alerts expected`);
    const rule = entry['rule'];
    if (rule !== undefined && typeof rule !== 'string')
      throw new Error(`${where} (${name}): 'rule' must be a rule id or title`);
    const group = entry['group'];
    if (group !== undefined && !isRecord(group))
      throw new Error(`${where} (${name}): 'group' must be a mapping`);
    const ordering = entry['ordering'] ?? 'sorted';
    if (ordering !== 'sorted' && ordering !== 'stream')
      throw new Error(`${where} (${name}): 'ordering' must be sorted or stream`);
    let reorderWindowMs: number | undefined;
    if (entry['reorder_window'] !== undefined) {
      reorderWindowMs = parseDurationOption(scalar(entry['reorder_window']) ?? '');
      if (reorderWindowMs === undefined) throw new Error(`${where} (${name}): bad 'reorder_window'`);
    }
    return {
      name,
      events: expandEvents(entry['events'], `${where} (${name})`),
      alerts,
      ...(rule !== undefined ? { rule } : {}),
      ...(group !== undefined
        ? { group: Object.fromEntries(Object.entries(group).map(([key, value]) => [key, String(value)])) }
        : {}),
      ordering,
      ...(reorderWindowMs !== undefined ? { reorderWindowMs } : {}),
    };
  });
}

function expandEvents(value: unknown, where: string): Record<string, unknown>[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new Error(`${where}: 'events' must be a non-empty list`);
  const events: Record<string, unknown>[] = [];
  let previous: number | undefined;
  value.forEach((item: unknown, index) => {
    const at = `${where} events[${index}]`;
    if (!isRecord(item) || !isRecord(item['event'])) throw new Error(`${at} needs an 'event' mapping`);
    const repeat = item['repeat'] ?? 1;
    if (typeof repeat !== 'number' || !Number.isInteger(repeat) || repeat < 1)
      throw new Error(`${at}: 'repeat' must be a positive whole number`);
    if (events.length + repeat > MAX_SEQUENCE_EVENTS)
      throw new Error(`${at}: a sequence may hold at most ${MAX_SEQUENCE_EVENTS} events`);
    const every = item['every'] === undefined ? 1000 : parseDurationOption(scalar(item['every']) ?? '');
    if (every === undefined) throw new Error(`${at}: bad 'every' (a duration such as 10s)`);
    let time: number | undefined;
    if (item['at'] !== undefined) {
      time = Date.parse(scalar(item['at']) ?? '');
      if (!Number.isFinite(time)) throw new Error(`${at}: 'at' must be an ISO time`);
    } else if (item['after'] !== undefined) {
      const after = parseDurationOption((scalar(item['after']) ?? '').replace(/^-/, ''));
      if (after === undefined || previous === undefined)
        throw new Error(`${at}: 'after' needs a duration and an earlier timed event`);
      // A leading '-' goes back in time: for tests of clocks running backwards.
      time = previous + ((scalar(item['after']) ?? '').startsWith('-') ? -after : after);
    }
    for (let n = 1; n <= repeat; n++) {
      let event = substitute(item['event'], n) as Record<string, unknown>;
      if (time !== undefined) {
        const stampAt = time + (n - 1) * every;
        event = stampEvent(event, new Date(stampAt).toISOString());
        previous = stampAt;
      }
      events.push(event);
    }
  });
  return events;
}

/** Replaces `{n}` in every string of `value` (keys too) with `n`. */
function substitute(value: unknown, n: number): unknown {
  if (typeof value === 'string') return value.replaceAll('{n}', String(n));
  if (Array.isArray(value)) return value.map((item) => substitute(item, n));
  if (isRecord(value)) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      copy[key.replaceAll('{n}', String(n))] = substitute(item, n);
    return copy;
  }
  return value;
}

/**
 * A copy of `event` with its time set where its layout keeps it: evtx_dump `System.TimeCreated`, W3C
 * `date`/`time`, `@timestamp` or `timestamp` when present, else a new `@timestamp`.
 */
export function stampEvent(event: Record<string, unknown>, iso: string): Record<string, unknown> {
  const copy = structuredClone(event);
  const outer = copy['Event'];
  if (isRecord(outer) && isRecord(outer['System'])) {
    outer['System']['TimeCreated'] = { '#attributes': { SystemTime: iso } };
    return copy;
  }
  if (typeof copy['date'] === 'string' && typeof copy['time'] === 'string') {
    copy['date'] = iso.slice(0, 10);
    copy['time'] = iso.slice(11, 19);
    return copy;
  }
  if ('timestamp' in copy && !('@timestamp' in copy)) copy['timestamp'] = iso;
  else copy['@timestamp'] = iso;
  return copy;
}

/**
 * Runs one sequence: events through `detector`, matches through a correlation runner; counts the alerts
 * of `correlationIds` (of every rule when empty).
 */
export function runSequence(
  detector: Detector,
  sequence: SequenceCase,
  correlationIds: ReadonlySet<string>,
  file: string,
): SequenceOutcome {
  const alerts: Alert[] = [];
  const issues: Issue[] = [];
  const runner = new CorrelationRunner({
    plan: detector.summary.correlation,
    ordering: sequence.ordering,
    ...(sequence.reorderWindowMs !== undefined ? { reorderWindowMs: sequence.reorderWindowMs } : {}),
    onAlert: (alert) => alerts.push(alert),
    onIssue: (issue) => issues.push(issue),
  });
  sequence.events.forEach((event, index) => {
    const result = detector.detectEvent(event, { path: file, format: 'test', record: index + 1 });
    alerts.push(...result.alerts);
    for (const input of result.correlationInputs) runner.add(input);
  });
  runner.finish();
  const counted = alerts.filter(
    (alert) =>
      (correlationIds.size === 0 || correlationIds.has(alert.rule.id)) &&
      (sequence.rule === undefined || sequence.rule === alert.rule.id || sequence.rule === alert.rule.title),
  );
  if (
    sequence.rule !== undefined &&
    !detector.summary.correlation.correlations.some(
      (correlation) => correlation.id === sequence.rule || correlation.title === sequence.rule,
    )
  ) {
    return { passed: false, alerts: [], issues, detail: `no correlation '${sequence.rule}' in this file` };
  }
  if (counted.length !== sequence.alerts) {
    const leftOut = issues.map((issue) => issue.message).join('; ');
    return {
      passed: false,
      alerts: counted,
      issues,
      detail: `expected ${sequence.alerts} correlation alert(s), got ${counted.length}${leftOut ? ` (${leftOut})` : ''}`,
    };
  }
  if (sequence.group !== undefined) {
    const wanted = Object.entries(sequence.group);
    for (const alert of counted) {
      const group =
        (alert.event as { correlation?: { group?: Record<string, unknown> } }).correlation?.group ?? {};
      const wrong = wanted.find(([key, value]) => String(group[key]) !== value);
      if (wrong !== undefined) {
        return {
          passed: false,
          alerts: counted,
          issues,
          detail: `alert group has ${wrong[0]}=${String(group[wrong[0]])}, expected ${wrong[1]}`,
        };
      }
    }
  }
  return { passed: true, alerts: counted, issues };
}
