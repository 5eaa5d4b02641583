/** Correlation: entities of alerts, incident grouping, severity, the incident workflow and timeline. */
export type { Entity, EntityKind } from './entities.js';
export {
  ENTITY_KINDS,
  entityKey,
  extractEntities,
  normaliseAccount,
  normaliseGuid,
  normaliseHost,
  normaliseIp,
  parseHashes,
} from './entities.js';
export type {
  GroupingAlert,
  GroupingConfig,
  GroupingDecision,
  GroupingSnapshot,
  IncidentSummary,
  JoinReason,
  LinkEvidence,
  LinkKind,
  LinkStrength,
  LinkedEntity,
  MergedIncident,
  RelatedIncident,
} from './incidents.js';
export {
  DEFAULT_GROUPING_CONFIG,
  GroupingError,
  IncidentGrouper,
  LINK_STRENGTH,
  formatDuration,
  groupAlerts,
  groupingAlertOf,
  sortForGrouping,
} from './incidents.js';
export type { IncidentSeverity, SeverityInput } from './severity.js';
export { BROAD_TECHNIQUES, KILL_CHAIN_TACTICS, incidentSeverity, levelRank, maxLevel } from './severity.js';
export type { MergeEvent, TimelineAlert, TimelineEntry, WorkflowEvent } from './timeline.js';
export { buildTimeline } from './timeline.js';
export type {
  AssigneeChange,
  ChangeContext,
  IncidentNote,
  IncidentStatus,
  StatusChange,
} from './workflow.js';
export {
  INCIDENT_STATUSES,
  WorkflowError,
  allowedTransitions,
  assign,
  createNote,
  isOpenStatus,
  parseStatus,
  transition,
} from './workflow.js';
