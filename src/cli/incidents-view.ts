/**
 * What `incidents show` prints: an incident with its kill chain, members (each with its ATT&CK techniques
 * and why it joined), notes and timeline, as one JSON-able view, and that view as text for a terminal.
 * Technique and tactic names come from the ATT&CK catalogue when one is loaded, IDs otherwise. The JSON
 * uses the API's shapes (src/server/attack-views.ts) so a script can read either.
 */
import { buildTimeline } from '../correlate/timeline.js';
import type { TimelineAlert, TimelineEntry as AttackTimelineEntry } from '../correlate/timeline.js';
import { allowedTransitions } from '../correlate/workflow.js';
import type { AttackIndex } from '../intel/attack/catalogue.js';
import type { AttackMapping } from '../intel/attack/tags.js';
import { attackOfTags, labelTactic, labelTechnique } from '../intel/attack/tags.js';
import { alertAttack, catalogueInfo, incidentKillChain } from '../server/attack-views.js';
import type {
  IncidentDetail,
  IncidentNote,
  IncidentPatch,
  IncidentRecord,
  IncidentStatus,
  TimelineEntry,
} from '../store/store.js';
import type { Colour } from './output/terminal.js';
import { LEVEL_COLOURS, paint } from './output/terminal.js';
import { fit } from './store-options.js';

export const STATUS_COLOURS: Readonly<Record<IncidentStatus, Colour>> = {
  new: 'red',
  triaging: 'yellow',
  contained: 'cyan',
  closed: 'green',
  false_positive: 'grey',
};

type Member = IncidentDetail['alerts'][number];
type AlertAttack = ReturnType<typeof alertAttack>;

export type MemberView = Member & AlertAttack;

export type TimelineView = TimelineEntry &
  Partial<AlertAttack> & {
    /** Alerts only: the tactics, techniques and entities this alert was the first in the incident to show. */
    readonly firstInIncident?: AttackTimelineEntry['firstSeen'];
  };

export interface IncidentView extends IncidentRecord {
  /** Statuses the workflow allows next. */
  readonly transitions: readonly IncidentStatus[];
  readonly attack: ReturnType<typeof catalogueInfo>;
  /** Over the alerts read (`alertsRead`; all of them unless the incident has more than 10,000). */
  readonly counts: {
    readonly alertsRead: number;
    readonly rules: number;
    readonly hosts: number;
    readonly accounts: number;
    readonly sourceIps: number;
  };
  readonly techniques: AlertAttack['techniques'];
  readonly tactics: AlertAttack['tactics'];
  readonly killChain: ReturnType<typeof incidentKillChain>['killChain'];
  readonly unplacedTechniques: ReturnType<typeof incidentKillChain>['unplacedTechniques'];
  /** The first alerts by time, at most the `--limit`. */
  readonly alerts: readonly MemberView[];
  readonly notes: readonly IncidentNote[];
  /** Every change and note, and the first alerts by time (at most the `--limit`). */
  readonly timeline: readonly TimelineView[];
  /** Alerts left out of `alerts` and out of `timeline`. */
  readonly omitted: { readonly alerts: number; readonly timelineAlerts: number };
}

/** Builds the view: `limit` caps the alerts listed and the alert entries of the timeline. */
export function incidentView(
  incident: IncidentDetail,
  timeline: readonly TimelineEntry[],
  index: AttackIndex,
  limit: number,
): IncidentView {
  // Alerts of one rule share tags: map each rule's tags once.
  const mappings = new Map<string, AttackMapping>();
  const mappingOf = (member: Member): AttackMapping => {
    let mapping = mappings.get(member.rule.id);
    if (mapping === undefined) {
      mapping = attackOfTags(member.rule.tags, index);
      mappings.set(member.rule.id, mapping);
    }
    return mapping;
  };
  const techniques = new Map<string, AlertAttack['techniques'][number]>();
  const tactics = new Map<string, AlertAttack['tactics'][number] & { order: number }>();
  for (const member of incident.alerts) {
    const mapping = mappingOf(member);
    for (const technique of mapping.techniques)
      techniques.set(technique.id, {
        id: technique.id,
        ...(technique.name !== undefined ? { name: technique.name } : {}),
        tactics: [...technique.tactics],
      });
    for (const tactic of mapping.tactics)
      tactics.set(tactic.shortname, {
        shortname: tactic.shortname,
        ...(tactic.id !== undefined ? { id: tactic.id } : {}),
        ...(tactic.name !== undefined ? { name: tactic.name } : {}),
        order: tactic.order,
      });
  }
  const distinct = (values: readonly (string | null)[]): number =>
    new Set(values.filter((value) => value !== null)).size;

  const timed = incident.alerts.filter((alert) => alert.firstSeen !== null);
  const attackEntries = new Map<string, AttackTimelineEntry>();
  for (const entry of buildTimeline(timed.map(timelineAlertOf), [], index))
    if (entry.alertId !== undefined) attackEntries.set(entry.alertId, entry);
  const byId = new Map(incident.alerts.map((alert) => [alert.id, alert]));
  let alertEntries = 0;
  let timelineOmitted = 0;
  const timelineView: TimelineView[] = [];
  for (const entry of timeline) {
    if (entry.kind !== 'alert' || entry.alertId === undefined) {
      timelineView.push(entry);
      continue;
    }
    if (alertEntries >= limit) {
      timelineOmitted++;
      continue;
    }
    alertEntries++;
    const member = byId.get(entry.alertId);
    const attack = attackEntries.get(String(entry.alertId));
    timelineView.push({
      ...entry,
      ...(member !== undefined ? alertAttack(member.rule.tags, index) : {}),
      ...(attack !== undefined ? { firstInIncident: attack.firstSeen } : {}),
    });
  }
  const { alerts, notes, ...record } = incident;
  const listed = alerts.slice(0, Math.min(limit, alerts.length));
  const { killChain, unplacedTechniques } = incidentKillChain(incident, index);
  return {
    ...record,
    transitions: [...allowedTransitions(incident.status)],
    attack: catalogueInfo(index),
    counts: {
      alertsRead: alerts.length,
      rules: distinct(alerts.map((alert) => alert.rule.id)),
      hosts: distinct(alerts.map((alert) => alert.host)),
      accounts: distinct(alerts.map((alert) => alert.account)),
      sourceIps: distinct(alerts.map((alert) => alert.sourceIp)),
    },
    techniques: [...techniques.values()].sort((a, b) => a.id.localeCompare(b.id)),
    tactics: [...tactics.values()]
      .sort((a, b) => a.order - b.order || a.shortname.localeCompare(b.shortname))
      .map(({ order: _order, ...tactic }) => tactic),
    killChain,
    unplacedTechniques,
    alerts: listed.map((member) => ({ ...member, ...alertAttack(member.rule.tags, index) })),
    notes,
    timeline: timelineView,
    omitted: {
      alerts: Math.max(0, incident.alertCount - listed.length),
      timelineAlerts: timelineOmitted,
    },
  };
}

function timelineAlertOf(alert: Member): TimelineAlert {
  const entities: TimelineAlert['entities'][number][] = [];
  if (alert.host !== null) entities.push({ kind: 'host', value: alert.host, display: alert.host });
  if (alert.account !== null)
    entities.push({ kind: 'account', value: alert.account, display: alert.account });
  if (alert.sourceIp !== null)
    entities.push({ kind: 'source-ip', value: alert.sourceIp, display: alert.sourceIp });
  return {
    id: String(alert.id),
    timestamp: alert.firstSeen!,
    rule: alert.rule,
    entities,
    reason: alert.reason.text,
  };
}

/**
 * Control characters shown as `\x1b`: hosts, accounts and titles come from logs an intruder may have
 * written, and an escape sequence printed raw would drive the analyst's terminal.
 */
export function printable(text: string): string {
  return text.replace(
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/** `2021-08-09T03:14:07.000Z` → `2021-08-09T03:14:07Z`: whole seconds are the common case. */
function time(iso: string | null): string {
  return iso === null ? '(no time)' : iso.replace(/\.000Z$/, 'Z');
}

const plural = (count: number, one: string, many = `${one}s`): string =>
  `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;

/** `labelTechnique` for the API's shapes, whose `name` may be present and undefined. */
const techniqueLabel = (ref: { readonly id: string; readonly name?: string | undefined }): string =>
  labelTechnique({ id: ref.id, ...(ref.name !== undefined ? { name: ref.name } : {}) });

function attackLine(attack: AlertAttack): string {
  const parts = attack.techniques.map(techniqueLabel);
  if (attack.tactics.length > 0) parts.push(`[${attack.tactics.map(labelTactic).join(', ')}]`);
  return parts.join(' · ');
}

/** The view as text for a terminal; `colour` only when stdout is one. */
export function renderIncident(view: IncidentView, colour: boolean): string {
  const lines: string[] = [];
  const heading = (text: string): void => {
    lines.push('', paint(colour, 'bold', text));
  };
  const row = (name: string, value: string): void => {
    lines.push(`  ${name.padEnd(12)} ${value}`);
  };
  const severity = paint(colour, LEVEL_COLOURS[view.severity] ?? 'grey', view.severity);
  const status = paint(colour, STATUS_COLOURS[view.status], view.status);
  lines.push(
    `${paint(colour, 'bold', `Incident ${view.id}: ${printable(view.title)}`)} [${severity}] [${status}]`,
  );
  row('Status', `${status}${view.transitions.length > 0 ? ` (next: ${view.transitions.join(', ')})` : ''}`);
  row('Assignee', printable(view.assignee ?? '-'));
  row('Seen', `${time(view.firstSeen)} → ${time(view.lastSeen)}`);
  const read =
    view.counts.alertsRead < view.alertCount
      ? ` (in the first ${plural(view.counts.alertsRead, 'alert')})`
      : '';
  row(
    'Alerts',
    `${plural(view.alertCount, 'alert')} from ${plural(view.counts.rules, 'rule')}; ` +
      `${plural(view.counts.hosts, 'host')}, ${plural(view.counts.accounts, 'account')}, ` +
      `${plural(view.counts.sourceIps, 'source IP')}${read}`,
  );
  row('ATT&CK', `${plural(view.techniques.length, 'technique')}, ${plural(view.tactics.length, 'tactic')}`);
  row('Created', time(view.createdAt));
  row('Updated', time(view.updatedAt));
  if (view.groupKey !== null) row('Group key', printable(view.groupKey));

  heading('Kill chain');
  if (view.killChain.length === 0 && view.unplacedTechniques.length === 0)
    lines.push("  (no ATT&CK tactic or technique in the alerts' rules)");
  for (const stage of view.killChain) {
    const name =
      stage.name !== undefined
        ? `${stage.name}${stage.id !== undefined ? ` (${stage.id})` : ''}`
        : stage.tactic;
    lines.push(`  ${fit(name, 36)} ${time(stage.firstSeen)} → ${time(stage.lastSeen)}`);
    for (const technique of stage.techniques)
      lines.push(`      ${fit(techniqueLabel(technique), 58)} ${plural(technique.alerts.length, 'alert')}`);
  }
  if (view.unplacedTechniques.length > 0)
    lines.push(`  Not placed (tactic unknown): ${view.unplacedTechniques.map(techniqueLabel).join(', ')}`);
  if (!view.attack.loaded && view.techniques.length > 0)
    lines.push('  (technique names appear once a catalogue is imported: ballotguard attack import FILE)');

  heading(
    `Alerts (${view.alertCount.toLocaleString('en-US')}${view.omitted.alerts > 0 ? `; the first ${view.alerts.length} by time, --limit N or --limit all for more` : ''})`,
  );
  if (view.alerts.length === 0) lines.push('  (none)');
  for (const alert of view.alerts) {
    const level = paint(colour, LEVEL_COLOURS[alert.rule.level] ?? 'grey', fit(alert.rule.level, 13));
    const where = printable(
      [
        alert.host !== null ? `host ${alert.host}` : '',
        alert.account !== null ? `account ${alert.account}` : '',
        alert.sourceIp !== null ? `from ${alert.sourceIp}` : '',
        alert.count > 1 ? `×${alert.count}` : '',
      ]
        .filter((part) => part !== '')
        .join(', '),
    );
    lines.push(
      `  ${fit(`#${alert.id}`, 8)} ${fit(time(alert.firstSeen), 24)} ${level} ${printable(alert.rule.title)}`,
    );
    if (where !== '') lines.push(`  ${' '.repeat(8)} ${where}`);
    const attack = printable(attackLine(alert));
    if (attack !== '') lines.push(`  ${' '.repeat(8)} ${attack}`);
    lines.push(`  ${' '.repeat(8)} why: ${printable(alert.reason.text)}`);
  }

  heading(`Notes (${view.notes.length})`);
  if (view.notes.length === 0) lines.push('  (none)');
  for (const note of view.notes) {
    lines.push(`  ${time(note.at)}  ${printable(note.author)}`);
    for (const line of note.text.split(/\r?\n/)) lines.push(`    ${printable(line)}`);
  }

  heading(
    `Timeline${view.omitted.timelineAlerts > 0 ? ` (${plural(view.omitted.timelineAlerts, 'later alert')} left out; --limit all for every one)` : ''}`,
  );
  for (const entry of view.timeline)
    lines.push(`  ${fit(time(entry.at), 24)} ${fit(entry.kind, 9)} ${printable(timelineText(entry))}`);
  return `${lines.join('\n')}\n`;
}

function timelineText(entry: TimelineView): string {
  const firstLine = (text: string): string => {
    const [first, ...rest] = text.split(/\r?\n/);
    return rest.length > 0 ? `${first} …` : (first ?? '');
  };
  switch (entry.kind) {
    case 'alert': {
      const firsts = entry.firstInIncident?.tactics ?? [];
      const names = firsts.map((shortname) => {
        const tactic = entry.tactics?.find((t) => t.shortname === shortname);
        return tactic !== undefined ? labelTactic(tactic) : shortname;
      });
      const attack =
        entry.techniques !== undefined
          ? attackLine({ techniques: entry.techniques, tactics: entry.tactics ?? [] })
          : '';
      // The store's summary ends with the join reason, which the alert list shows in full.
      const reason = (entry.detail?.['reason'] as { text?: unknown } | undefined)?.text;
      const suffix = typeof reason === 'string' ? ` — ${reason}` : undefined;
      const summary =
        suffix !== undefined && entry.summary.endsWith(suffix)
          ? entry.summary.slice(0, -suffix.length)
          : entry.summary;
      return `#${entry.alertId} ${summary}${attack !== '' ? ` ${attack}` : ''}${names.length > 0 ? ` — first ${names.join(', ')}` : ''}`;
    }
    case 'note':
      return `note by ${entry.actor ?? '(unknown)'}: ${firstLine(entry.summary)}`;
    default:
      return `${entry.actor ?? '(unknown)'}: ${firstLine(entry.summary)}`;
  }
}

export interface IncidentChange {
  readonly kind: 'status' | 'assignee' | 'title' | 'severity' | 'note';
  readonly from?: string | null;
  readonly to?: string | null;
  /** One line for people. */
  readonly text: string;
}

/** What `incidents update` changed, for its output. */
export function describeChanges(
  before: IncidentRecord,
  patch: IncidentPatch,
  noteAdded: boolean,
): IncidentChange[] {
  const changes: IncidentChange[] = [];
  if (patch.status !== undefined)
    changes.push({
      kind: 'status',
      from: before.status,
      to: patch.status,
      text: `status: ${before.status} → ${patch.status}`,
    });
  if (patch.assignee !== undefined)
    changes.push({
      kind: 'assignee',
      from: before.assignee,
      to: patch.assignee,
      text:
        patch.assignee === null
          ? `unassigned (was ${before.assignee ?? 'nobody'})`
          : `assigned to ${patch.assignee}${before.assignee !== null ? ` (was ${before.assignee})` : ''}`,
    });
  if (patch.title !== undefined)
    changes.push({
      kind: 'title',
      from: before.title,
      to: patch.title,
      text: `title: ${JSON.stringify(before.title)} → ${JSON.stringify(patch.title)}`,
    });
  if (patch.severity !== undefined)
    changes.push({
      kind: 'severity',
      from: before.severity,
      to: patch.severity,
      text: `severity: ${before.severity} → ${patch.severity}`,
    });
  if (noteAdded) changes.push({ kind: 'note', text: 'note added' });
  return changes;
}
