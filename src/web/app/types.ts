/**
 * The API's JSON as the dashboard reads it (see docs/server.md). These mirror the store records in
 * src/store/store.ts serialised to JSON, declared again here because the browser build must not pull in
 * Node modules. Fields the dashboard can live without are optional, so an older or newer server still
 * renders: every view treats `undefined` as "not shown".
 */

export const LEVELS = ['critical', 'high', 'medium', 'low', 'informational'] as const;
export type Level = (typeof LEVELS)[number];

export const INCIDENT_STATUSES = ['new', 'triaging', 'contained', 'closed', 'false_positive'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export type Role = 'viewer' | 'analyst' | 'admin';

export interface Session {
  readonly name: string;
  readonly role: Role;
  readonly csrf?: string;
}

export interface RuleRef {
  readonly id: string;
  readonly title: string;
  readonly level: Level;
  readonly tags: readonly string[];
  readonly path?: string;
}

export interface EventOrigin {
  readonly path: string;
  readonly format: string;
  readonly line?: number;
  readonly record?: number;
  readonly offset?: number;
}

export interface AlertRecord {
  readonly id: number;
  readonly fingerprint?: string;
  readonly rule: RuleRef;
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
  readonly count: number;
  readonly host: string | null;
  readonly account: string | null;
  readonly sourceIp: string | null;
  readonly source?: EventOrigin;
  readonly huntId?: number | null;
  readonly lastHuntId?: number | null;
}

export interface Occurrence {
  readonly path: string;
  readonly line: number | null;
  readonly record: number | null;
  readonly position: number;
  readonly at: string | null;
  readonly huntId: number | null;
}

export interface AttackRef {
  readonly id: string;
  readonly name?: string;
  readonly shortname?: string;
}

export interface AlertDetail extends AlertRecord {
  readonly event: unknown;
  readonly occurrences?: readonly Occurrence[];
  readonly incidents?: readonly { id: number; title: string; status: IncidentStatus }[];
  readonly attack?: {
    readonly techniques?: readonly AttackRef[];
    readonly tactics?: readonly (AttackRef | string)[];
  };
}

export interface AlertPage {
  readonly items: readonly AlertRecord[];
  readonly next: string | null;
  readonly total?: number;
}

export interface IncidentRecord {
  readonly id: number;
  readonly title: string;
  readonly status: IncidentStatus;
  readonly severity: Level;
  readonly assignee: string | null;
  readonly groupKey?: string | null;
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
  readonly alertCount: number;
  readonly createdAt?: string;
  readonly updatedAt?: string;
}

export interface IncidentReason {
  readonly text: string;
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface IncidentNote {
  readonly id: number;
  readonly author: string;
  readonly text: string;
  readonly at: string;
}

export interface KillChainTechnique {
  readonly id: string;
  readonly name?: string;
  readonly firstSeen?: string;
}

export interface KillChainStage {
  /** Tactic shortname (`credential-access`). */
  readonly tactic: string;
  readonly id?: string;
  readonly name?: string;
  readonly firstSeen?: string;
  readonly lastSeen?: string;
  readonly techniques: readonly KillChainTechnique[];
}

export interface IncidentDetail extends IncidentRecord {
  readonly alerts: readonly (AlertRecord & { reason?: IncidentReason; addedAt?: string })[];
  readonly notes: readonly IncidentNote[];
  readonly killChain?: readonly KillChainStage[];
  /** Techniques whose tactic is not known (no catalogue, no tactic tag on the rule). */
  readonly unplacedTechniques?: readonly KillChainTechnique[];
  /** Statuses the incident may move to next (the workflow's rules). */
  readonly transitions?: readonly IncidentStatus[];
}

export interface TimelineEntry {
  readonly at: string;
  readonly kind: string;
  readonly actor?: string | null;
  readonly summary?: string;
  readonly text?: string;
  readonly alertId?: number | string;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly total?: number;
}

export interface HuntProgress {
  readonly phase?: 'queued' | 'hunting' | 'grouping' | 'done';
  readonly bytes?: number;
  readonly totalBytes?: number;
  readonly events?: number;
  readonly alerts?: number;
  readonly stored?: number;
  readonly newAlerts?: number;
  readonly files?: number;
  readonly totalFiles?: number;
  /** The file being read now. */
  readonly file?: string | null;
}

export interface HuntState {
  readonly id: number;
  /** queued, running, completed, interrupted, failed */
  readonly status: string;
  readonly progress?: HuntProgress | null;
  readonly error?: string;
  readonly stats?: Readonly<Record<string, unknown>> | null;
  readonly startedAt?: string;
  readonly finishedAt?: string | null;
  readonly actor?: string;
  readonly paths?: readonly string[];
}

export interface HeatmapTactic {
  readonly shortname: string;
  readonly id?: string;
  readonly name?: string;
}

export interface HeatmapTechnique {
  readonly id: string;
  readonly name?: string;
  readonly tactics: readonly string[];
  readonly rules: number;
  readonly alertsSeen: number;
}

export interface CatalogueInfo {
  readonly loaded: boolean;
  readonly version?: string;
  /** What to do when no ATT&CK catalogue is loaded. */
  readonly hint?: string;
}

export interface Heatmap {
  readonly catalogue?: CatalogueInfo;
  readonly tactics: readonly HeatmapTactic[];
  readonly techniques: readonly HeatmapTechnique[];
}

export interface Stats {
  readonly alerts?: number;
  readonly alertsByLevel?: Readonly<Partial<Record<Level, number>>>;
  readonly alertsByDay?: readonly { day: string; count: number }[];
  readonly incidentsByStatus?: Readonly<Partial<Record<IncidentStatus, number>>>;
  readonly topRules?: readonly { id: string; title: string; level: Level; count: number }[];
  readonly topHosts?: readonly { host: string; count: number }[];
}
