/**
 * Puts newly stored alerts into incidents: the grouping engine (src/correlate/incidents.ts) decides, this
 * module makes the store agree. The engine's state is kept in the store between runs (setting
 * `incident-grouping`), so the next hunt's alerts can join yesterday's incidents.
 *
 * - Each engine incident is one store incident, found again by its group key
 *   (`grouping:<lineage>:<engine id>`; the lineage is random per state, so a state lost and started over
 *   never reuses the keys of an older one).
 * - Analysts' changes win: before grouping, each incident in the state takes its status from the store, so
 *   closed incidents stop growing and only untouched (`new`) ones are merged.
 * - A merge moves the absorbed incident's alerts into the surviving one (with the merge as their reason),
 *   closes the absorbed one and leaves a note on it saying where its alerts went.
 *
 * Only alerts created by the hunt are grouped (an alert seen again keeps its incident), in time order;
 * alerts without a time cannot be placed and are counted, as are alerts beyond `maxAlerts`.
 */
import { extractEntities } from '../correlate/entities.js';
import type { GroupingConfig, GroupingDecision } from '../correlate/incidents.js';
import { IncidentGrouper } from '../correlate/incidents.js';
import type { AttackIndex } from '../intel/attack/catalogue.js';
import { randomBytes } from 'node:crypto';
import type { RuleLevel } from '../sigma/parse/ast.js';
import type { AlertRecord, IncidentAlertLink, Store } from '../store/store.js';

export const GROUPING_SETTING = 'incident-grouping';

export interface GroupIntoStoreOptions {
  readonly store: Store;
  readonly huntId: number;
  /** Alerts with ids above this were created after the hunt began (`store.latestAlertId()` before it). */
  readonly alertIdsAbove: number;
  /** Who the incident changes are recorded as. */
  readonly actor: string;
  readonly attack?: AttackIndex;
  readonly config?: Partial<GroupingConfig>;
  /** At most this many alerts are grouped per hunt (default 200,000); the rest are counted. */
  readonly maxAlerts?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (grouped: number, total: number) => void;
}

export interface GroupingStats {
  readonly alerts: number;
  readonly grouped: number;
  readonly incidentsOpened: number;
  readonly incidentsExtended: number;
  readonly merged: number;
  /** Alerts left out: no time, beyond `maxAlerts`, or the run was stopped. */
  readonly untimed: number;
  readonly overLimit: number;
  readonly stopped: number;
  /** The saved state could not be read and grouping started afresh. */
  readonly stateReset: boolean;
}

interface SavedState {
  readonly lineage: string;
  readonly snapshot: unknown;
}

async function loadState(
  store: Store,
  options: GroupIntoStoreOptions,
): Promise<{ grouper: IncidentGrouper; lineage: string; reset: boolean }> {
  const engineOptions = {
    ...(options.attack !== undefined ? { attack: options.attack } : {}),
    ...(options.config !== undefined ? { config: options.config } : {}),
  };
  const text = await store.getSetting(GROUPING_SETTING);
  if (text !== undefined) {
    try {
      const saved = JSON.parse(text) as SavedState;
      if (typeof saved.lineage === 'string' && saved.lineage !== '')
        return {
          grouper: new IncidentGrouper(engineOptions, saved.snapshot),
          lineage: saved.lineage,
          reset: false,
        };
    } catch {
      // A damaged state is not worth failing a hunt for: start a new lineage, and say so in the stats.
    }
  }
  return {
    grouper: new IncidentGrouper(engineOptions),
    lineage: randomBytes(6).toString('hex'),
    reset: text !== undefined,
  };
}

function titleOf(alert: AlertRecord): string {
  return `${alert.rule.title}${alert.host !== null ? ` on ${alert.host}` : ''}`;
}

export async function groupIntoStore(options: GroupIntoStoreOptions): Promise<GroupingStats> {
  const { store, actor } = options;
  const maxAlerts = options.maxAlerts ?? 200_000;
  const { grouper, lineage, reset } = await loadState(store, options);
  const keyOf = (engineId: string): string => `grouping:${lineage}:${engineId}`;

  // Store incident ids by engine id; statuses as the analysts left them.
  const storeIds = new Map<string, number>();
  const severities = new Map<number, RuleLevel>();
  for (const summary of grouper.incidentsInState()) {
    const record = await store.findOpenIncident(keyOf(summary.id));
    if (record === undefined) grouper.setStatus(summary.id, 'closed');
    else {
      grouper.setStatus(summary.id, record.status);
      storeIds.set(summary.id, record.id);
      severities.set(record.id, record.severity);
    }
  }

  // The hunt's new alerts, oldest first.
  const candidates: { id: number; at: string }[] = [];
  let untimed = 0;
  let overLimit = 0;
  let cursor = options.alertIdsAbove;
  for (;;) {
    const page = await store.listNewAlerts(cursor, 5000);
    for (const alert of page) {
      cursor = alert.id;
      if (alert.huntId !== options.huntId) continue;
      if (alert.firstSeen === null) untimed++;
      else if (candidates.length >= maxAlerts) overLimit++;
      else candidates.push({ id: alert.id, at: alert.firstSeen });
    }
    if (page.length < 5000) break;
  }
  candidates.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.id - b.id);

  let grouped = 0;
  let opened = 0;
  let extended = 0;
  let merged = 0;
  let stopped = 0;
  const pending = new Map<number, IncidentAlertLink[]>();
  const flush = async (incidentId?: number): Promise<void> => {
    const ids = incidentId === undefined ? [...pending.keys()] : [incidentId];
    for (const id of ids) {
      const links = pending.get(id);
      pending.delete(id);
      if (links !== undefined && links.length > 0) await store.addAlertsToIncident(id, links, actor);
    }
  };

  // The engine names incidents by its own ids (`INC-7`); people see the store's numbers.
  const prefix = options.config?.idPrefix ?? 'INC-';
  const engineId = new RegExp(`\\b${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\d+\\b`, 'g');
  const storeWords = (text: string): string =>
    text.replace(engineId, (id) => {
      const stored = storeIds.get(id);
      return stored === undefined ? id : `incident ${stored}`;
    });

  const apply = async (decision: GroupingDecision, alert: AlertRecord): Promise<void> => {
    let incidentId = storeIds.get(decision.incidentId);
    const severity = decision.incident.severity.level;
    if (incidentId === undefined) {
      const created = await store.createIncident(
        { title: titleOf(alert), severity, groupKey: keyOf(decision.incidentId) },
        actor,
      );
      incidentId = created.id;
      storeIds.set(decision.incidentId, incidentId);
      severities.set(incidentId, severity);
      opened++;
    } else {
      extended++;
      if (severities.get(incidentId) !== severity) {
        await flush(incidentId);
        await store.updateIncident(incidentId, { severity }, actor);
        severities.set(incidentId, severity);
      }
    }
    for (const merge of decision.merged) {
      // The mapping stays: texts still name the absorbed incident.
      const from = storeIds.get(merge.incidentId);
      if (from === undefined) continue;
      await flush(from);
      await flush(incidentId);
      const absorbed = await store.getIncident(from, { alertLimit: 10_000 });
      if (absorbed === undefined) continue;
      await store.addAlertsToIncident(
        incidentId,
        absorbed.alerts.map((member) => ({
          alertId: member.id,
          reason: { text: storeWords(merge.text), detail: { mergedFrom: from, evidence: merge.evidence } },
        })),
        actor,
      );
      await store.addIncidentNote(
        from,
        actor,
        `Merged into incident ${incidentId}: ${storeWords(merge.text)}`,
      );
      await store.updateIncident(from, { status: 'closed' }, actor);
      merged++;
    }
    const { kind, strength, links, related } = decision.reason;
    const list = pending.get(incidentId) ?? [];
    list.push({
      alertId: alert.id,
      reason: {
        text: storeWords(decision.reason.text),
        detail: {
          kind,
          ...(strength !== undefined ? { strength } : {}),
          links,
          related,
          late: decision.late,
        },
      },
    });
    pending.set(incidentId, list);
  };

  for (let start = 0; start < candidates.length; start += 500) {
    if (options.signal?.aborted) {
      stopped = candidates.length - start;
      break;
    }
    for (const candidate of candidates.slice(start, start + 500)) {
      const detail = await store.getAlert(candidate.id, { occurrenceLimit: 1 });
      if (detail === undefined) continue;
      const decision = grouper.add({
        id: String(detail.id),
        timestamp: candidate.at,
        rule: detail.rule,
        entities: extractEntities(detail.event),
      });
      await apply(decision, detail);
      grouped++;
    }
    await flush();
    options.onProgress?.(grouped, candidates.length);
  }
  await flush();
  await store.putSetting(
    GROUPING_SETTING,
    JSON.stringify({ lineage, snapshot: grouper.snapshot() } satisfies SavedState),
  );
  return {
    alerts: candidates.length + untimed + overLimit,
    grouped,
    incidentsOpened: opened,
    incidentsExtended: extended,
    merged,
    untimed,
    overLimit,
    stopped,
    stateReset: reset,
  };
}
