/**
 * An incident's timeline for display: its alerts and workflow events (status changes, notes, assignee
 * changes, merges) in time order, each alert with its rule, ATT&CK techniques and tactics, entities, why
 * it joined, and what it showed for the first time in this incident (a new tactic, technique or entity
 * is where an analyst's eye should go).
 *
 * Order: by time; at the same instant alerts come before workflow events, then the order given.
 */
import type { AttackIndex } from '../intel/attack/catalogue.js';
import type { TacticRef, TechniqueRef } from '../intel/attack/tags.js';
import { attackOfTags, labelTactic, labelTechnique } from '../intel/attack/tags.js';
import type { RuleLevel } from '../sigma/parse/ast.js';
import type { Entity } from './entities.js';
import { entityKey } from './entities.js';
import type { JoinReason } from './incidents.js';
import type { AssigneeChange, IncidentNote, StatusChange } from './workflow.js';

export interface TimelineAlert {
  readonly id: string;
  readonly timestamp: string;
  readonly rule: {
    readonly id: string;
    readonly title: string;
    readonly level: RuleLevel;
    readonly tags: readonly string[];
  };
  readonly entities: readonly Pick<Entity, 'kind' | 'value' | 'display'>[];
  /** Why it joined: the grouper's reason, or its stored text. */
  readonly reason?: JoinReason | string;
}

export interface MergeEvent {
  readonly kind: 'merge';
  readonly at: string;
  readonly incidentId: string;
  readonly text: string;
}

export type WorkflowEvent = StatusChange | IncidentNote | AssigneeChange | MergeEvent;

export interface TimelineEntry {
  readonly at: string;
  readonly kind: 'alert' | WorkflowEvent['kind'];
  /** One line for people. */
  readonly text: string;
  readonly alertId?: string;
  readonly rule?: TimelineAlert['rule'];
  readonly techniques: readonly TechniqueRef[];
  readonly tactics: readonly TacticRef[];
  readonly entities: readonly Pick<Entity, 'kind' | 'value' | 'display'>[];
  readonly reason?: string;
  /** What this entry showed first in the incident: tactic shortnames, technique IDs, entity keys. */
  readonly firstSeen: {
    readonly tactics: readonly string[];
    readonly techniques: readonly string[];
    readonly entities: readonly string[];
  };
}

function eventTime(event: WorkflowEvent): string {
  return event.at;
}

function describeEvent(event: WorkflowEvent): string {
  switch (event.kind) {
    case 'status':
      return `${event.actor}: ${event.from} → ${event.to}${event.note !== undefined ? ` — ${event.note}` : ''}`;
    case 'note':
      return `note by ${event.author}: ${event.text}`;
    case 'assignee':
      return event.to === null
        ? `${event.actor} unassigned ${event.from ?? 'nobody'}`
        : `${event.actor} assigned ${event.to}${event.from !== null ? ` (was ${event.from})` : ''}`;
    case 'merge':
      return event.text;
  }
}

const NONE = { tactics: [], techniques: [], entities: [] } as const;

export function buildTimeline(
  alerts: readonly TimelineAlert[],
  events: readonly WorkflowEvent[],
  index: AttackIndex,
): TimelineEntry[] {
  type Item = { ms: number; rank: number; order: number; alert?: TimelineAlert; event?: WorkflowEvent };
  const items: Item[] = [
    ...alerts.map((alert, order) => ({ ms: Date.parse(alert.timestamp), rank: 0, order, alert })),
    ...events.map((event, order) => ({ ms: Date.parse(eventTime(event)), rank: 1, order, event })),
  ];
  // Unparseable times go last rather than poisoning the sort with NaN.
  const key = (ms: number): number => (Number.isFinite(ms) ? ms : Number.MAX_SAFE_INTEGER);
  items.sort((a, b) => key(a.ms) - key(b.ms) || a.rank - b.rank || a.order - b.order);

  const seenTactics = new Set<string>();
  const seenTechniques = new Set<string>();
  const seenEntities = new Set<string>();
  const entries: TimelineEntry[] = [];
  for (const item of items) {
    if (item.event !== undefined) {
      entries.push({
        at: item.event.at,
        kind: item.event.kind,
        text: describeEvent(item.event),
        techniques: [],
        tactics: [],
        entities: [],
        firstSeen: NONE,
      });
      continue;
    }
    const alert = item.alert!;
    const mapping = attackOfTags(alert.rule.tags, index);
    const fresh = <T>(values: readonly T[], id: (value: T) => string, seen: Set<string>): string[] => {
      const found: string[] = [];
      for (const value of values) {
        const key = id(value);
        if (!seen.has(key)) {
          seen.add(key);
          found.push(key);
        }
      }
      return found;
    };
    const firstSeen = {
      tactics: fresh(mapping.tactics, (tactic) => tactic.shortname, seenTactics),
      techniques: fresh(mapping.techniques, (technique) => technique.id, seenTechniques),
      entities: fresh(alert.entities, entityKey, seenEntities),
    };
    const reason = typeof alert.reason === 'string' ? alert.reason : alert.reason?.text;
    const attack = [
      ...mapping.techniques.map(labelTechnique),
      ...(mapping.tactics.length > 0 ? [`[${mapping.tactics.map(labelTactic).join(', ')}]`] : []),
    ].join(' ');
    const news =
      firstSeen.tactics.length > 0
        ? ` — first ${firstSeen.tactics.map((t) => labelTactic(mapping.tactics.find((x) => x.shortname === t)!)).join(', ')}`
        : '';
    entries.push({
      at: alert.timestamp,
      kind: 'alert',
      text: `${alert.rule.level.toUpperCase()} ${alert.rule.title}${attack !== '' ? ` ${attack}` : ''}${news}`,
      alertId: alert.id,
      rule: alert.rule,
      techniques: mapping.techniques,
      tactics: mapping.tactics,
      entities: alert.entities,
      ...(reason !== undefined ? { reason } : {}),
      firstSeen,
    });
  }
  return entries;
}
