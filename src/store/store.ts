/**
 * The store: where hunts, alerts, incidents, API tokens and the audit log are kept. One interface, two
 * dialects (SQLite embedded by default, PostgreSQL at scale), chosen at the composition root by
 * `openStore()`; both pass the same contract suite (`store.contract.ts`). Methods are async so a network
 * database fits; the SQLite implementation does its work synchronously inside.
 *
 * Times are ISO 8601 UTC strings at this interface (microseconds inside, see `time.ts`). Failures are
 * `StoreError`s with a `code` and `retryable` (`errors.ts`). Voter data is never stored here.
 *
 * @example
 *   const store = await openStore('ballotguard.db');
 *   const hunt = await store.startHunt({ actor: 'alice', paths: ['/cases/ec-2021'] });
 *   await store.writeAlerts(hunt.id, alerts);
 *   await store.finishHunt(hunt.id, { status: 'completed', stats: { events: 1000 } });
 *   const recent = await store.listAlerts({ hosts: ['dc01'], since: '2021-05-04T00:00:00Z', limit: 50 });
 *   await store.close();
 */
import type { Alert, EventOrigin } from '../events/event.js';
import type { RuleLevel } from '../sigma/parse/ast.js';
import { StoreError } from './errors.js';

export type StoreDialect = 'sqlite' | 'postgres';

/** What a dialect can do, declared so callers need no `instanceof`. */
export interface StoreCapabilities {
  /** Several processes may write at the same time without queueing behind one lock. */
  readonly concurrentWriters: boolean;
  /** The whole store is one local file (copy it for a backup; `path` says where). */
  readonly singleFile: boolean;
  /** Calls do their work synchronously in this process: batching saves transactions, not round trips. */
  readonly inProcess: boolean;
}

// ---------------------------------------------------------------------------------------------------------
// Hunts

export const HUNT_STATUSES = ['running', 'completed', 'interrupted', 'failed'] as const;
export type HuntStatus = (typeof HUNT_STATUSES)[number];

export interface HuntStart {
  /** Who ran it: the OS user for the CLI, the token name for the server. */
  readonly actor: string;
  /** What was scanned, as given. */
  readonly paths: readonly string[];
  /** Rule files and folders loaded. */
  readonly ruleSources?: readonly string[];
  /** Host name and process id of the hunting process, so a run that died can be recognised later. */
  readonly machine?: string;
  readonly pid?: number;
  /** Settings worth knowing afterwards (threads, minimum level, input format). */
  readonly options?: Readonly<Record<string, unknown>>;
}

export interface HuntFinish {
  readonly status: Exclude<HuntStatus, 'running'>;
  readonly rulesLoaded?: number;
  readonly rulesFailed?: number;
  /** The hunt's statistics (the `--stats-json` document). */
  readonly stats?: Readonly<Record<string, unknown>>;
}

export interface HuntRecord {
  readonly id: number;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly status: HuntStatus;
  readonly actor: string;
  readonly machine: string | null;
  readonly pid: number | null;
  readonly paths: readonly string[];
  readonly ruleSources: readonly string[];
  readonly options: Readonly<Record<string, unknown>>;
  readonly rulesLoaded: number | null;
  readonly rulesFailed: number | null;
  readonly stats: Readonly<Record<string, unknown>> | null;
}

export interface HuntFilter {
  readonly status?: HuntStatus;
  readonly limit?: number;
}

// ---------------------------------------------------------------------------------------------------------
// Alerts

/** What one `writeAlerts` call did. `received = stored + duplicates`. */
export interface AlertWriteResult {
  readonly received: number;
  /** Occurrences counted now. */
  readonly stored: number;
  /** Occurrences already in the store (a rerun, an overlapping hunt), or twice in the batch: not counted. */
  readonly duplicates: number;
  /** Stored alerts created (fingerprints not seen before). */
  readonly newAlerts: number;
}

export interface AlertRecord {
  readonly id: number;
  readonly fingerprint: string;
  readonly rule: {
    readonly id: string;
    readonly title: string;
    readonly level: RuleLevel;
    readonly tags: readonly string[];
  };
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
  /** Occurrences: records matched by this rule with this fingerprint. */
  readonly count: number;
  readonly host: string | null;
  readonly account: string | null;
  readonly sourceIp: string | null;
  /** Where the earliest occurrence came from. */
  readonly source: EventOrigin;
  /** The hunt that created it and the last hunt that added an occurrence. */
  readonly huntId: number | null;
  readonly lastHuntId: number | null;
}

export interface OccurrenceRecord {
  readonly path: string;
  readonly line: number | null;
  readonly record: number | null;
  /** The position used for deduplication (byte offset, else record, else line). */
  readonly position: number;
  readonly at: string | null;
  readonly huntId: number | null;
}

export interface AlertDetail extends AlertRecord {
  /** The event of the earliest occurrence, as the log had it. */
  readonly event: unknown;
  /** The first occurrences in time order (at most `occurrenceLimit`). */
  readonly occurrences: readonly OccurrenceRecord[];
  readonly incidents: readonly {
    readonly id: number;
    readonly title: string;
    readonly status: IncidentStatus;
  }[];
}

/** Keyset cursor: the last alert of the previous page. */
export interface AlertCursor {
  readonly lastSeen: string | null;
  readonly id: number;
}

/**
 * Alert search. Every field narrows the result (AND); list fields match any of their values (OR). Host,
 * account and IP are normalised as stored ones are (`alert-entities.ts`: `DC01.corp.local` → `dc01`,
 * `CORP\\Alice` → `alice`). Time filters select alerts whose [first, last seen]
 * overlaps the window; alerts without a known time are left out when a time filter is given.
 */
export interface AlertFilter {
  readonly since?: string;
  readonly until?: string;
  readonly levels?: readonly RuleLevel[];
  readonly hosts?: readonly string[];
  readonly accounts?: readonly string[];
  readonly sourceIps?: readonly string[];
  /** Rule id, exactly, or part of a rule title (case-insensitive). */
  readonly rule?: string;
  /** ATT&CK technique, e.g. `T1003` (includes its sub-techniques) or `T1003.001`. */
  readonly technique?: string;
  readonly huntId?: number;
  /** Page size (default 100, at most 10,000). Results are ordered by last seen, newest first. */
  readonly limit?: number;
  readonly after?: AlertCursor;
}

// ---------------------------------------------------------------------------------------------------------
// Incidents

export const INCIDENT_STATUSES = ['new', 'triaging', 'contained', 'closed', 'false_positive'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
/** Statuses in which an incident still takes new alerts. */
export const OPEN_INCIDENT_STATUSES: readonly IncidentStatus[] = ['new', 'triaging', 'contained'];

export interface IncidentInput {
  readonly title: string;
  readonly severity: RuleLevel;
  readonly status?: IncidentStatus;
  readonly assignee?: string | null;
  /**
   * What the grouping engine grouped by (e.g. `host:dc01|rule-family:credential-access`); lets it find the
   * open incident for a key with `findOpenIncident`.
   */
  readonly groupKey?: string | null;
}

export interface IncidentPatch {
  readonly title?: string;
  readonly status?: IncidentStatus;
  readonly severity?: RuleLevel;
  readonly assignee?: string | null;
}

export interface IncidentRecord {
  readonly id: number;
  readonly title: string;
  readonly status: IncidentStatus;
  readonly severity: RuleLevel;
  readonly assignee: string | null;
  readonly groupKey: string | null;
  /** Span of the attached alerts' times; null until an alert with a known time is attached. */
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
  readonly alertCount: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Why an alert joined an incident: a sentence for people and the facts behind it for programs. */
export interface IncidentReason {
  readonly text: string;
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface IncidentAlertLink {
  readonly alertId: number;
  readonly reason: IncidentReason;
}

export interface IncidentNote {
  readonly id: number;
  readonly incidentId: number;
  readonly author: string;
  readonly text: string;
  readonly at: string;
}

export interface IncidentDetail extends IncidentRecord {
  readonly alerts: readonly (AlertRecord & { readonly reason: IncidentReason; readonly addedAt: string })[];
  readonly notes: readonly IncidentNote[];
}

export type TimelineKind =
  'created' | 'alert' | 'note' | 'status' | 'severity' | 'assignee' | 'title' | 'merged';

/** One line of an incident's story: its own changes and notes, and the alerts in it at their event time. */
export interface TimelineEntry {
  readonly at: string;
  readonly kind: TimelineKind;
  readonly actor: string | null;
  readonly summary: string;
  readonly alertId?: number;
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface IncidentFilter {
  readonly statuses?: readonly IncidentStatus[];
  readonly severities?: readonly RuleLevel[];
  readonly assignee?: string;
  readonly since?: string;
  readonly until?: string;
  /** Part of the title, case-insensitive (taken literally: `%` and `_` are not wildcards). */
  readonly text?: string;
  /**
   * Incidents with at least one alert that matches, as `AlertFilter` matches alerts: on one of these hosts
   * (normalised: `DC01.corp.local` finds `dc01`), of this rule (id, or part of the title), tagged with this
   * ATT&CK technique (`T1003` includes its sub-techniques). Given together, one alert must match them all.
   */
  readonly hosts?: readonly string[];
  readonly rule?: string;
  readonly technique?: string;
  /** Default 100, at most 10,000; ordered by last seen (then last update), newest first. */
  readonly limit?: number;
  readonly offset?: number;
}

// ---------------------------------------------------------------------------------------------------------
// Dashboard figures

export interface AlertStatsFilter {
  /** Alerts last seen at or after this time. */
  readonly since?: string;
  /** Alerts first seen at or before this time. */
  readonly until?: string;
  /** Length of the top lists (default 10, at most 100). */
  readonly top?: number;
}

/** Counts over stored alerts (each alert once, whatever its occurrence count) and incidents. */
export interface AlertStats {
  readonly alerts: number;
  readonly byLevel: Readonly<Partial<Record<RuleLevel, number>>>;
  /** By UTC day of last sighting, oldest first; at most the 366 latest days. Alerts without time are left out. */
  readonly byDay: readonly { readonly day: string; readonly count: number }[];
  readonly topRules: readonly {
    readonly id: string;
    readonly title: string;
    readonly level: RuleLevel;
    readonly count: number;
  }[];
  readonly topHosts: readonly { readonly host: string; readonly count: number }[];
  /** Alerts per ATT&CK technique their rule is tagged with (`T1003.001`), most first. */
  readonly byTechnique: readonly { readonly technique: string; readonly count: number }[];
  /** All incidents, whatever the time filter. */
  readonly incidentsByStatus: Readonly<Partial<Record<IncidentStatus, number>>>;
}

// ---------------------------------------------------------------------------------------------------------
// API tokens and audit (used by the server)

export const TOKEN_ROLES = ['viewer', 'analyst', 'admin'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

export interface ApiTokenInput {
  readonly name: string;
  readonly role: TokenRole;
  /** A hash of the secret (the caller hashes; the secret itself is never stored). */
  readonly tokenHash: string;
}

export interface ApiTokenRecord {
  readonly id: number;
  readonly name: string;
  readonly role: TokenRole;
  readonly tokenHash: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

export interface AuditInput {
  readonly actor: string;
  readonly action: string;
  readonly target?: string | null;
  readonly fromAddress?: string | null;
  readonly outcome: 'ok' | 'denied' | 'error';
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface AuditEntry extends Required<Omit<AuditInput, 'detail'>> {
  readonly id: number;
  readonly at: string;
  readonly detail: Readonly<Record<string, unknown>> | null;
}

export interface AuditFilter {
  readonly since?: string;
  readonly actor?: string;
  readonly action?: string;
  readonly limit?: number;
}

// ---------------------------------------------------------------------------------------------------------

export interface Store {
  readonly dialect: StoreDialect;
  readonly capabilities: StoreCapabilities;
  /** Where the data lives, for messages (file path, or the URL without password). */
  readonly location: string;
  /** Seconds per fingerprint time bucket, as recorded in this database. */
  readonly bucketSeconds: number;

  /** Highest schema migration applied. */
  schemaVersion(): Promise<number>;

  startHunt(input: HuntStart): Promise<HuntRecord>;
  /** Records the end of a hunt. Idempotent: finishing twice keeps the last call's values. */
  finishHunt(id: number, finish: HuntFinish): Promise<HuntRecord>;
  getHunt(id: number): Promise<HuntRecord | undefined>;
  /** Newest first. */
  listHunts(filter?: HuntFilter): Promise<HuntRecord[]>;

  /**
   * Stores a batch of alerts in one transaction: all or nothing. Idempotent per occurrence (see
   * `fingerprint.ts`): writing the same alerts again changes nothing, so a failed batch can simply be
   * written again. `huntId` may be null for alerts from elsewhere (an API, a stream).
   */
  writeAlerts(huntId: number | null, alerts: readonly Alert[]): Promise<AlertWriteResult>;
  listAlerts(filter?: AlertFilter): Promise<AlertRecord[]>;
  countAlerts(filter?: Omit<AlertFilter, 'limit' | 'after'>): Promise<number>;
  /**
   * Alerts stored after alert `afterId`, oldest first (ids only grow): what a live feed polls for. With
   * PostgreSQL, concurrent writers may commit ids out of order, so a poller should re-read a short span.
   */
  listNewAlerts(afterId: number, limit?: number): Promise<AlertRecord[]>;
  /** The highest alert id (0 when there is none). */
  latestAlertId(): Promise<number>;
  /** Dashboard counts (see `AlertStats`). */
  alertStats(filter?: AlertStatsFilter): Promise<AlertStats>;
  getAlert(id: number, options?: { readonly occurrenceLimit?: number }): Promise<AlertDetail | undefined>;

  createIncident(input: IncidentInput, actor: string): Promise<IncidentRecord>;
  /** Applies the changes and records each one in the incident's timeline. Throws `invalid` for no such incident. */
  updateIncident(id: number, patch: IncidentPatch, actor: string): Promise<IncidentRecord>;
  /** Attaches alerts (idempotent: an alert already attached keeps its first reason); returns how many were new. */
  addAlertsToIncident(id: number, links: readonly IncidentAlertLink[], actor: string): Promise<number>;
  /**
   * Moves every alert of incident `fromId` into `intoId` (keeping their reasons), closes `fromId`, and
   * records the merge in both timelines with `reason`. Returns the incident merged into.
   */
  mergeIncident(
    fromId: number,
    intoId: number,
    reason: IncidentReason,
    actor: string,
  ): Promise<IncidentRecord>;
  addIncidentNote(id: number, author: string, text: string): Promise<IncidentNote>;
  getIncident(id: number, options?: { readonly alertLimit?: number }): Promise<IncidentDetail | undefined>;
  listIncidents(filter?: IncidentFilter): Promise<IncidentRecord[]>;
  countIncidents(filter?: Omit<IncidentFilter, 'limit' | 'offset'>): Promise<number>;
  /** The open incident (new, triaging or contained) with this group key, newest if several. */
  findOpenIncident(groupKey: string): Promise<IncidentRecord | undefined>;
  /** Incident story in time order; alerts appear at their first-seen time. */
  incidentTimeline(id: number, options?: { readonly limit?: number }): Promise<TimelineEntry[]>;

  createApiToken(input: ApiTokenInput): Promise<ApiTokenRecord>;
  /** The token with this hash, revoked or not (the caller checks `revokedAt`). */
  findApiToken(tokenHash: string): Promise<ApiTokenRecord | undefined>;
  listApiTokens(): Promise<ApiTokenRecord[]>;
  /** True when the token existed and was not already revoked. */
  revokeApiToken(id: number): Promise<boolean>;
  touchApiToken(id: number): Promise<void>;

  /** Small named values kept with the data (e.g. the incident grouping state); undefined when unset. */
  getSetting(key: string): Promise<string | undefined>;
  putSetting(key: string, value: string): Promise<void>;

  appendAudit(entry: AuditInput): Promise<AuditEntry>;
  /** Newest first. */
  listAudit(filter?: AuditFilter): Promise<AuditEntry[]>;

  /** Ends connections; pending work is finished first. Calling it twice is harmless. */
  close(): Promise<void>;
}

export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 10_000;

export function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE;
  if (!Number.isInteger(limit) || limit < 1)
    throw new StoreError('invalid', `limit must be a positive integer (got ${limit})`, false);
  return Math.min(limit, MAX_PAGE);
}
