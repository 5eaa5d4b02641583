/**
 * Incident grouping: a deterministic, incremental engine that puts alerts into incidents by the entities
 * they share and how close in time they are, and says why each alert joined.
 *
 * Links, by strength (a link is one entity — or one host+account pair — an earlier alert of the
 * incident also had):
 * - strong: the same process tree (a Sysmon process GUID shared as process, parent or source), the same
 *   file hash, or the same account on the same host;
 * - medium: the same account (on another host), the same source IP;
 * - weak: the same host only.
 * A link counts when the alert is within the window of its strength of the last time the incident saw
 * that entity (defaults: strong 72 h, medium 24 h, weak 4 h).
 *
 * An alert joins the open incident with the best link: strongest, then most recently seen entity, then
 * the oldest incident. Other open incidents it links to with a strong link, and that no analyst has
 * touched yet (status `new`), are merged into that one — the alert shows they are one intrusion; the
 * merge is recorded with its evidence. Incidents it links to more weakly, or that are already being
 * worked on, are named as related in the reason and left alone. With no link, the alert opens a new
 * incident. Closed and false-positive incidents are never extended, and an incident takes no alert more
 * than `maxSpan` (default 7 days) after its first one, so a busy server cannot grow one endless incident.
 *
 * Alerts must come in time order (the caller sorts, e.g. by timestamp then alert id). A late alert is
 * still grouped (windows are distances either way), but incidents that went dormant — not extended for
 * longer than the longest window before the newest alert, or started more than `maxSpan` before it —
 * are no longer in the state, so it cannot join them. Dormant incidents keep their status; they just stop growing.
 *
 * Determinism: the same state and the same alerts in the same order give the same decisions, and
 * processing in two increments (with `snapshot()` saved and restored between) gives the same result as
 * one: the snapshot is the whole state.
 *
 * @example
 *   const grouper = new IncidentGrouper({ attack: new AttackIndex(catalogue) });
 *   for (const alert of alertsSortedByTime) {
 *     const decision = grouper.add({ id, timestamp, rule, entities: extractEntities(alert.event) });
 *     store.recordMembership(decision); // incident id, reason (text + evidence), merges
 *   }
 *   store.saveGroupingState(grouper.snapshot());
 */
import { z } from 'zod';
import { BallotguardError } from '../issues.js';
import { AttackIndex } from '../intel/attack/catalogue.js';
import { attackOfTags } from '../intel/attack/tags.js';
import type { RuleLevel } from '../sigma/parse/ast.js';
import { RULE_LEVELS } from '../sigma/parse/ast.js';
import type { Alert } from '../events/event.js';
import type { Entity, EntityKind } from './entities.js';
import { ENTITY_KINDS, extractEntities } from './entities.js';
import type { IncidentSeverity } from './severity.js';
import { incidentSeverity, maxLevel } from './severity.js';
import type { IncidentStatus } from './workflow.js';
import { INCIDENT_STATUSES, isOpenStatus } from './workflow.js';

export type LinkStrength = 'strong' | 'medium' | 'weak';
const STRENGTH_RANK: Readonly<Record<LinkStrength, number>> = { strong: 3, medium: 2, weak: 1 };

/** What two alerts share. `host+account` is one earlier alert with both the same host and account. */
export type LinkKind = 'process' | 'file-hash' | 'host+account' | 'account' | 'source-ip' | 'host';

export const LINK_STRENGTH: Readonly<Record<LinkKind, LinkStrength>> = {
  process: 'strong',
  'file-hash': 'strong',
  'host+account': 'strong',
  account: 'medium',
  'source-ip': 'medium',
  host: 'weak',
};

const HOUR = 3_600_000;

export interface GroupingConfig {
  /** Largest distance (ms) between an alert and the incident's last sighting of the shared entity. */
  readonly windows: Readonly<Record<LinkStrength, number>>;
  /** Merge untouched incidents the alert links to strongly (default true). */
  readonly merge: boolean;
  /**
   * An incident takes no alert later than this long (ms) after its first one; the next alert opens a new
   * incident that names the old one as related. Keeps a busy server from growing one endless incident
   * (default 7 days, as SIEM alert grouping commonly does).
   */
  readonly maxSpan: number;
  /** Incident IDs are `${idPrefix}${sequence}` (default `INC-`). */
  readonly idPrefix: string;
}

export const DEFAULT_GROUPING_CONFIG: GroupingConfig = {
  windows: { strong: 72 * HOUR, medium: 24 * HOUR, weak: 4 * HOUR },
  merge: true,
  maxSpan: 7 * 24 * HOUR,
  idPrefix: 'INC-',
};

export interface GroupingAlert {
  /** Stable and unique (the store's alert id). */
  readonly id: string;
  /** ISO 8601. */
  readonly timestamp: string;
  readonly rule: {
    readonly id: string;
    readonly title: string;
    readonly level: RuleLevel;
    readonly tags: readonly string[];
  };
  /** From `extractEntities(alert.event)`. */
  readonly entities: readonly Pick<Entity, 'kind' | 'value' | 'display'>[];
}

export interface LinkedEntity {
  readonly kind: EntityKind;
  readonly value: string;
  readonly display: string;
}

/** One piece of evidence: this alert shares `entities` with `viaAlert` of the incident. */
export interface LinkEvidence {
  readonly link: LinkKind;
  readonly strength: LinkStrength;
  /** One entity, or host and account for `host+account`. */
  readonly entities: readonly LinkedEntity[];
  /** The incident's most recent alert with this entity. */
  readonly viaAlert: string;
  readonly viaTimestamp: string;
  /** |alert time − viaTimestamp| in ms. */
  readonly gapMs: number;
}

export interface RelatedIncident {
  readonly incidentId: string;
  readonly strength: LinkStrength;
  /** Why it was not joined or merged. */
  readonly why: 'weaker-link' | 'not-new' | 'merge-off' | 'closed' | 'outside-window' | 'span-exceeded';
  readonly evidence: LinkEvidence;
}

export interface JoinReason {
  readonly kind: 'opened' | 'joined';
  /** One or two sentences for people. */
  readonly text: string;
  /** The strength of the best link (absent when opened). */
  readonly strength?: LinkStrength;
  /** Every link to the incident joined, strongest first. */
  readonly links: readonly LinkEvidence[];
  /** Other incidents the alert links to, and why it did not join them. */
  readonly related: readonly RelatedIncident[];
}

export interface MergedIncident {
  readonly incidentId: string;
  readonly into: string;
  readonly evidence: LinkEvidence;
  readonly text: string;
}

export interface IncidentSummary {
  readonly id: string;
  readonly status: IncidentStatus;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly alertCount: number;
  readonly severity: IncidentSeverity;
  /** Tactic shortnames in matrix order. */
  readonly tactics: readonly string[];
  /** Technique IDs, sorted. */
  readonly techniques: readonly string[];
  /** Incidents merged into this one (transitively). */
  readonly mergedFrom: readonly string[];
}

export interface GroupingDecision {
  readonly alertId: string;
  readonly incidentId: string;
  readonly opened: boolean;
  readonly reason: JoinReason;
  /** Incidents absorbed by this alert: the store moves their alerts to `incidentId`. */
  readonly merged: readonly MergedIncident[];
  /** The incident after this alert. */
  readonly incident: IncidentSummary;
  /** The alert is older than the newest alert already processed. */
  readonly late: boolean;
  /** Incidents that went dormant with this alert (can no longer be extended). */
  readonly dormant: readonly string[];
}

/** A bad alert or snapshot given to the engine (a caller's bug, not a user's input). */
export class GroupingError extends BallotguardError {
  constructor(message: string) {
    super('grouping-invalid-input', message);
    this.name = 'GroupingError';
  }
}

// --- State ------------------------------------------------------------------------------------------

interface LinkState {
  /** ms since the epoch of the incident's latest alert with this link key. */
  at: number;
  timestamp: string;
  alert: string;
  entities: LinkedEntity[];
}

interface IncidentState {
  id: string;
  seq: number;
  status: IncidentStatus;
  firstSeen: string;
  lastSeen: string;
  firstMs: number;
  lastMs: number;
  alertCount: number;
  maxLevel: RuleLevel;
  tactics: string[];
  techniques: string[];
  mergedFrom: string[];
  links: Record<string, LinkState>;
}

const linkedEntitySchema = z.object({ kind: z.enum(ENTITY_KINDS), value: z.string(), display: z.string() });
const snapshotSchema = z.object({
  version: z.literal(1),
  nextSeq: z.number().int().positive(),
  watermark: z.number().nullable(),
  incidents: z.array(
    z.object({
      id: z.string(),
      seq: z.number().int().positive(),
      status: z.enum(INCIDENT_STATUSES),
      firstSeen: z.string(),
      lastSeen: z.string(),
      firstMs: z.number(),
      lastMs: z.number(),
      alertCount: z.number().int().positive(),
      maxLevel: z.enum(RULE_LEVELS as unknown as [RuleLevel, ...RuleLevel[]]),
      tactics: z.array(z.string()),
      techniques: z.array(z.string()),
      mergedFrom: z.array(z.string()),
      links: z.record(
        z.string(),
        z.object({
          at: z.number(),
          timestamp: z.string(),
          alert: z.string(),
          entities: z.array(linkedEntitySchema),
        }),
      ),
    }),
  ),
});

/** The whole engine state as plain JSON: what the store saves between runs. */
export type GroupingSnapshot = z.infer<typeof snapshotSchema>;

// --- Helpers ----------------------------------------------------------------------------------------

const KIND_LABEL: Readonly<Record<LinkKind, string>> = {
  process: 'process tree',
  'file-hash': 'file hash',
  'host+account': 'account on the same host',
  account: 'account',
  'source-ip': 'source IP',
  host: 'host',
};

export function formatDuration(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  if (minutes < 1) return `${Math.round(Math.abs(ms) / 1000)} s`;
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  return `${Math.round(hours / 24)} d`;
}

function describeEvidence(evidence: LinkEvidence): string {
  const what = evidence.entities.map((entity) => `${entity.kind} ${entity.display}`).join(' and ');
  const when = evidence.gapMs === 0 ? 'at the same time' : `${formatDuration(evidence.gapMs)} apart`;
  return `same ${KIND_LABEL[evidence.link]} as alert ${evidence.viaAlert} (${what}; ${when})`;
}

/** Link keys of an alert: one per entity, plus one per host+account pair. */
function linkKeysOf(alert: GroupingAlert): Map<string, { link: LinkKind; entities: LinkedEntity[] }> {
  const keys = new Map<string, { link: LinkKind; entities: LinkedEntity[] }>();
  const hosts: LinkedEntity[] = [];
  const accounts: LinkedEntity[] = [];
  for (const entity of alert.entities) {
    const linked = { kind: entity.kind, value: entity.value, display: entity.display };
    keys.set(`${entity.kind}:${entity.value}`, { link: entity.kind, entities: [linked] });
    if (entity.kind === 'host') hosts.push(linked);
    else if (entity.kind === 'account') accounts.push(linked);
  }
  // Bounded: an event names a handful of hosts and accounts.
  for (const host of hosts.slice(0, 8))
    for (const account of accounts.slice(0, 8))
      keys.set(`host+account:${host.value}|${account.value}`, {
        link: 'host+account',
        entities: [host, account],
      });
  return keys;
}

function parseTime(alert: GroupingAlert): number {
  const ms = Date.parse(alert.timestamp);
  if (!Number.isFinite(ms))
    throw new GroupingError(`alert ${alert.id} has no valid timestamp ('${alert.timestamp}')`);
  return ms;
}

const entityText = (evidence: LinkEvidence): string =>
  evidence.entities.map((entity) => `${entity.kind}:${entity.value}`).join('|');

/** Strongest first, then the most recent sighting; the rest only makes the order total. */
const compareEvidence = (a: LinkEvidence, b: LinkEvidence): number =>
  STRENGTH_RANK[b.strength] - STRENGTH_RANK[a.strength] ||
  a.gapMs - b.gapMs ||
  a.link.localeCompare(b.link) ||
  a.viaAlert.localeCompare(b.viaAlert) ||
  entityText(a).localeCompare(entityText(b));

interface Candidate {
  readonly incident: IncidentState;
  /** Links within their window, best first. */
  readonly links: LinkEvidence[];
  /** Links beyond their window (for explaining a new incident). */
  readonly stale: LinkEvidence[];
}

// --- The engine -------------------------------------------------------------------------------------

export class IncidentGrouper {
  private readonly config: GroupingConfig;
  private readonly attack: AttackIndex;
  private readonly incidents = new Map<string, IncidentState>();
  /** Link key → IDs of incidents holding it. */
  private readonly index = new Map<string, Set<string>>();
  private nextSeq = 1;
  private watermark: number | null = null;
  private readonly horizon: number;

  constructor(
    options: { readonly config?: Partial<GroupingConfig>; readonly attack?: AttackIndex } = {},
    snapshot?: unknown,
  ) {
    this.config = { ...DEFAULT_GROUPING_CONFIG, ...options.config };
    for (const strength of Object.keys(STRENGTH_RANK) as LinkStrength[]) {
      const window = this.config.windows[strength];
      if (!Number.isFinite(window) || window < 0)
        throw new GroupingError(`the ${strength} link window must be a non-negative number of ms`);
    }
    if (!(this.config.maxSpan >= 0)) throw new GroupingError('maxSpan must be a non-negative number of ms');
    this.attack = options.attack ?? new AttackIndex(undefined);
    this.horizon = Math.max(...Object.values(this.config.windows));
    if (snapshot !== undefined) this.restore(snapshot);
  }

  /** Groups one alert; alerts must arrive in time order (see the module comment). */
  add(alert: GroupingAlert): GroupingDecision {
    const at = parseTime(alert);
    const late = this.watermark !== null && at < this.watermark;
    const keys = linkKeysOf(alert);
    const candidates = this.candidates(at, keys);
    const usable = candidates
      .filter((candidate) => candidate.links.length > 0 && this.extendable(candidate.incident, at))
      .sort(
        (a, b) =>
          STRENGTH_RANK[b.links[0]!.strength] - STRENGTH_RANK[a.links[0]!.strength] ||
          a.links[0]!.gapMs - b.links[0]!.gapMs ||
          a.incident.seq - b.incident.seq,
      );
    const chosen = usable[0];
    const mapping = attackOfTags(alert.rule.tags, this.attack);
    const merged: MergedIncident[] = [];
    const related: RelatedIncident[] = [];
    let target: IncidentState;
    if (chosen === undefined) {
      target = this.open(alert, at);
    } else {
      target = chosen.incident;
      for (const other of usable.slice(1)) {
        const best = other.links[0]!;
        if (this.config.merge && best.strength === 'strong' && other.incident.status === 'new') {
          merged.push({
            incidentId: other.incident.id,
            into: target.id,
            evidence: best,
            text: `merged ${other.incident.id} into ${target.id}: alert ${alert.id} has the ${describeEvidence(best)}`,
          });
        } else
          related.push({
            incidentId: other.incident.id,
            strength: best.strength,
            why: best.strength !== 'strong' ? 'weaker-link' : this.config.merge ? 'not-new' : 'merge-off',
            evidence: best,
          });
      }
      merged.sort((a, b) => this.seqOf(a.incidentId) - this.seqOf(b.incidentId));
      for (const merge of merged) this.absorb(target, this.incidents.get(merge.incidentId)!);
    }
    for (const candidate of candidates) {
      if (candidate.incident === target || merged.some((merge) => merge.incidentId === candidate.incident.id))
        continue;
      if (candidate.links.length > 0 && !this.extendable(candidate.incident, at))
        related.push({
          incidentId: candidate.incident.id,
          strength: candidate.links[0]!.strength,
          why: isOpenStatus(candidate.incident.status) ? 'span-exceeded' : 'closed',
          evidence: candidate.links[0]!,
        });
      else if (candidate.links.length === 0 && candidate.stale.length > 0)
        related.push({
          incidentId: candidate.incident.id,
          strength: candidate.stale[0]!.strength,
          why: 'outside-window',
          evidence: candidate.stale[0]!,
        });
    }
    related.sort(
      (a, b) =>
        compareEvidence(a.evidence, b.evidence) || this.seqOf(a.incidentId) - this.seqOf(b.incidentId),
    );

    this.record(target, alert, at, keys, mapping);
    const reason = this.reason(alert, target, chosen, related);
    const dormant = this.expire(at, target.id);
    return {
      alertId: alert.id,
      incidentId: target.id,
      opened: chosen === undefined,
      reason,
      merged,
      incident: this.summary(target),
      late,
      dormant,
    };
  }

  /**
   * Tells the engine about a workflow change (the store calls this after `transition`). Closed and
   * false-positive incidents stop gathering alerts; reopened ones start again. Returns false when the
   * incident is not (or no longer) in the engine's state.
   */
  setStatus(incidentId: string, status: IncidentStatus): boolean {
    const incident = this.incidents.get(incidentId);
    if (incident === undefined) return false;
    incident.status = status;
    return true;
  }

  /** Incidents in the state (those that can still be extended, or reopened and extended), oldest first. */
  incidentsInState(): IncidentSummary[] {
    return [...this.incidents.values()]
      .sort((a, b) => a.seq - b.seq)
      .map((incident) => this.summary(incident));
  }

  /** The whole state as plain JSON (deterministic key order); feed it back to the constructor. */
  snapshot(): GroupingSnapshot {
    return {
      version: 1,
      nextSeq: this.nextSeq,
      watermark: this.watermark,
      incidents: [...this.incidents.values()]
        .sort((a, b) => a.seq - b.seq)
        .map((incident) => ({
          ...incident,
          tactics: [...incident.tactics],
          techniques: [...incident.techniques],
          mergedFrom: [...incident.mergedFrom],
          links: Object.fromEntries(
            Object.keys(incident.links)
              .sort()
              .map((key) => {
                const link = incident.links[key]!;
                return [key, { ...link, entities: link.entities.map((entity) => ({ ...entity })) }];
              }),
          ),
        })),
    };
  }

  // --- internals ---------------------------------------------------------------------------------

  /** Open, and not yet spanning `maxSpan`. */
  private extendable(incident: IncidentState, at: number): boolean {
    return isOpenStatus(incident.status) && at - incident.firstMs <= this.config.maxSpan;
  }

  private restore(snapshot: unknown): void {
    const parsed = snapshotSchema.safeParse(snapshot);
    if (!parsed.success) {
      const problem = parsed.error.issues[0];
      throw new GroupingError(
        `the grouping state is not valid (${problem ? `${problem.path.join('.') || '(top level)'}: ${problem.message}` : 'unknown problem'})`,
      );
    }
    this.nextSeq = parsed.data.nextSeq;
    this.watermark = parsed.data.watermark;
    for (const incident of parsed.data.incidents) {
      const state: IncidentState = structuredClone(incident);
      this.incidents.set(state.id, state);
      for (const key of Object.keys(state.links)) this.indexKey(key, state.id);
    }
  }

  private seqOf(id: string): number {
    return this.incidents.get(id)?.seq ?? Number.MAX_SAFE_INTEGER;
  }

  private indexKey(key: string, incidentId: string): void {
    let holders = this.index.get(key);
    if (holders === undefined) this.index.set(key, (holders = new Set()));
    holders.add(incidentId);
  }

  private unindex(incident: IncidentState): void {
    for (const key of Object.keys(incident.links)) {
      const holders = this.index.get(key);
      holders?.delete(incident.id);
      if (holders?.size === 0) this.index.delete(key);
    }
  }

  private candidates(
    at: number,
    keys: Map<string, { link: LinkKind; entities: LinkedEntity[] }>,
  ): Candidate[] {
    const byIncident = new Map<string, Candidate>();
    for (const [key, { link }] of keys) {
      const holders = this.index.get(key);
      if (holders === undefined) continue;
      for (const incidentId of holders) {
        const incident = this.incidents.get(incidentId)!;
        const state = incident.links[key]!;
        const strength = LINK_STRENGTH[link];
        const evidence: LinkEvidence = {
          link,
          strength,
          entities: state.entities,
          viaAlert: state.alert,
          viaTimestamp: state.timestamp,
          gapMs: Math.abs(at - state.at),
        };
        let candidate = byIncident.get(incidentId);
        if (candidate === undefined)
          byIncident.set(incidentId, (candidate = { incident, links: [], stale: [] }));
        (evidence.gapMs <= this.config.windows[strength] ? candidate.links : candidate.stale).push(evidence);
      }
    }
    const candidates = [...byIncident.values()];
    for (const candidate of candidates) {
      candidate.links.sort(compareEvidence);
      candidate.stale.sort(compareEvidence);
    }
    return candidates.sort((a, b) => a.incident.seq - b.incident.seq);
  }

  private open(alert: GroupingAlert, at: number): IncidentState {
    const seq = this.nextSeq++;
    const incident: IncidentState = {
      id: `${this.config.idPrefix}${seq}`,
      seq,
      status: 'new',
      firstSeen: alert.timestamp,
      lastSeen: alert.timestamp,
      firstMs: at,
      lastMs: at,
      alertCount: 0,
      maxLevel: 'informational',
      tactics: [],
      techniques: [],
      mergedFrom: [],
      links: {},
    };
    this.incidents.set(incident.id, incident);
    return incident;
  }

  private record(
    incident: IncidentState,
    alert: GroupingAlert,
    at: number,
    keys: Map<string, { link: LinkKind; entities: LinkedEntity[] }>,
    mapping: ReturnType<typeof attackOfTags>,
  ): void {
    incident.alertCount++;
    if (at < incident.firstMs) {
      incident.firstMs = at;
      incident.firstSeen = alert.timestamp;
    }
    if (at >= incident.lastMs) {
      incident.lastMs = at;
      incident.lastSeen = alert.timestamp;
    }
    incident.maxLevel = maxLevel(incident.maxLevel, alert.rule.level);
    incident.tactics = this.orderTactics([
      ...incident.tactics,
      ...mapping.tactics.map((tactic) => tactic.shortname),
    ]);
    incident.techniques = [
      ...new Set([...incident.techniques, ...mapping.techniques.map((t) => t.id)]),
    ].sort();
    for (const [key, { entities }] of keys) {
      const existing = incident.links[key];
      // The latest sighting wins; on a tie the earlier-processed alert stays (order-independent text).
      if (existing === undefined || at > existing.at) {
        incident.links[key] = { at, timestamp: alert.timestamp, alert: alert.id, entities };
        this.indexKey(key, incident.id);
      }
    }
  }

  private orderTactics(tactics: readonly string[]): string[] {
    return [...new Set(tactics)].sort(
      (a, b) => this.attack.tacticOrder(a) - this.attack.tacticOrder(b) || a.localeCompare(b),
    );
  }

  private absorb(target: IncidentState, other: IncidentState): void {
    this.unindex(other);
    this.incidents.delete(other.id);
    target.alertCount += other.alertCount;
    if (other.firstMs < target.firstMs) {
      target.firstMs = other.firstMs;
      target.firstSeen = other.firstSeen;
    }
    if (other.lastMs > target.lastMs) {
      target.lastMs = other.lastMs;
      target.lastSeen = other.lastSeen;
    }
    target.maxLevel = maxLevel(target.maxLevel, other.maxLevel);
    target.tactics = this.orderTactics([...target.tactics, ...other.tactics]);
    target.techniques = [...new Set([...target.techniques, ...other.techniques])].sort();
    target.mergedFrom = [...target.mergedFrom, other.id, ...other.mergedFrom];
    for (const key of Object.keys(other.links)) {
      const link = other.links[key]!;
      const existing = target.links[key];
      if (existing === undefined || link.at > existing.at) {
        target.links[key] = link;
        this.indexKey(key, target.id);
      }
    }
  }

  private reason(
    alert: GroupingAlert,
    target: IncidentState,
    chosen: Candidate | undefined,
    related: RelatedIncident[],
  ): JoinReason {
    const relatedText = related
      .slice(0, 3)
      .map((entry) => {
        const why = {
          'weaker-link': 'a weaker link',
          'not-new': 'already being worked on, so not merged',
          'merge-off': 'merging is turned off',
          'span-exceeded': `it started more than ${formatDuration(this.config.maxSpan)} ago, so a new incident starts`,
          closed: `${this.incidents.get(entry.incidentId)?.status ?? 'closed'}, so not extended`,
          'outside-window': `beyond the ${formatDuration(this.config.windows[entry.strength])} window for a shared ${KIND_LABEL[entry.evidence.link]}`,
        }[entry.why];
        return `${entry.incidentId} has the ${describeEvidence(entry.evidence)}, but ${why}`;
      })
      .join('; ');
    const more = related.length > 3 ? ` (and ${related.length - 3} more)` : '';
    if (chosen === undefined) {
      const base = `opened ${target.id}: no open incident shares a host, account, source IP, file hash or process with alert ${alert.id} within its window`;
      return {
        kind: 'opened',
        text: related.length > 0 ? `${base}. ${relatedText}${more}.` : `${base}.`,
        links: [],
        related,
      };
    }
    const links = chosen.links;
    const shown = links.slice(0, 3).map(describeEvidence).join('; ');
    const extra = links.length > 3 ? ` (and ${links.length - 3} more links)` : '';
    return {
      kind: 'joined',
      text: `joined ${target.id} (${links[0]!.strength} link): ${shown}${extra}.${related.length > 0 ? ` ${relatedText}${more}.` : ''}`,
      strength: links[0]!.strength,
      links,
      related,
    };
  }

  /**
   * Drops incidents no in-order alert can extend any more (quiet for longer than the longest window, or
   * older than `maxSpan`); returns their IDs (never the one just touched).
   */
  private expire(at: number, keep: string): string[] {
    if (this.watermark === null || at > this.watermark) this.watermark = at;
    const limit = this.watermark - this.horizon;
    const dormant: string[] = [];
    for (const incident of this.incidents.values()) {
      const tooLong = incident.firstMs < this.watermark - this.config.maxSpan;
      if (incident.id !== keep && (incident.lastMs < limit || tooLong)) dormant.push(incident.id);
    }
    for (const id of dormant) {
      this.unindex(this.incidents.get(id)!);
      this.incidents.delete(id);
    }
    return dormant;
  }

  private summary(incident: IncidentState): IncidentSummary {
    const tactics = incident.tactics.map((shortname) => this.attack.tactic(shortname)?.name ?? shortname);
    return {
      id: incident.id,
      status: incident.status,
      firstSeen: incident.firstSeen,
      lastSeen: incident.lastSeen,
      alertCount: incident.alertCount,
      severity: incidentSeverity({ maxLevel: incident.maxLevel, tactics, techniques: incident.techniques }),
      tactics: [...incident.tactics],
      techniques: [...incident.techniques],
      mergedFrom: [...incident.mergedFrom],
    };
  }
}

/** Groups a whole batch (already sorted by time) in one go: `new IncidentGrouper(…).add` for each. */
export function groupAlerts(
  alerts: readonly GroupingAlert[],
  options: { readonly config?: Partial<GroupingConfig>; readonly attack?: AttackIndex } = {},
  snapshot?: unknown,
): { decisions: GroupingDecision[]; snapshot: GroupingSnapshot } {
  const grouper = new IncidentGrouper(options, snapshot);
  const decisions = alerts.map((alert) => grouper.add(alert));
  return { decisions, snapshot: grouper.snapshot() };
}

/** Sorts alerts into the order the grouper expects: by time, then by id (stable for equal times). */
export function sortForGrouping<T extends { readonly id: string; readonly timestamp: string }>(
  alerts: readonly T[],
): T[] {
  return [...alerts].sort(
    (a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/** The grouper's view of a hunt alert (`Alert`, as `hunt` emits it) under the store's id for it. */
export function groupingAlertOf(
  id: string,
  alert: Pick<Alert, 'timestamp' | 'rule' | 'event'>,
): GroupingAlert {
  return {
    id,
    timestamp: alert.timestamp,
    rule: { id: alert.rule.id, title: alert.rule.title, level: alert.rule.level, tags: alert.rule.tags },
    entities: extractEntities(alert.event),
  };
}
