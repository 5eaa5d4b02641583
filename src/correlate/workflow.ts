/**
 * The incident workflow: statuses, the transitions between them, notes and the assignee. Pure: each
 * function checks a change and returns the record to store; the store persists it and keeps history.
 *
 * - from `new`: triaging, contained, closed, false_positive (an analyst may close at first sight);
 * - from `triaging`: contained, closed, false_positive;
 * - from `contained`: closed, false_positive, or back to triaging (the attacker is still active);
 * - `closed` and `false_positive` are final for grouping (no new alerts join them) and can only be
 *   reopened to `triaging`;
 * - marking an incident a false positive needs a note saying why (it teaches the next analyst and the
 *   rule's author).
 */
import { BallotguardError } from '../issues.js';

export const INCIDENT_STATUSES = ['new', 'triaging', 'contained', 'closed', 'false_positive'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

const TRANSITIONS: Readonly<Record<IncidentStatus, readonly IncidentStatus[]>> = {
  new: ['triaging', 'contained', 'closed', 'false_positive'],
  triaging: ['contained', 'closed', 'false_positive'],
  contained: ['triaging', 'closed', 'false_positive'],
  closed: ['triaging'],
  false_positive: ['triaging'],
};

/** Statuses whose incidents still gather new alerts. */
export function isOpenStatus(status: IncidentStatus): boolean {
  return status === 'new' || status === 'triaging' || status === 'contained';
}

export function allowedTransitions(status: IncidentStatus): readonly IncidentStatus[] {
  return TRANSITIONS[status];
}

/** A workflow change that is not allowed, or a note/assignee that is not valid. */
export class WorkflowError extends BallotguardError {
  constructor(
    code: 'illegal-transition' | 'invalid-status' | 'invalid-note' | 'invalid-assignee',
    message: string,
  ) {
    super(code, message);
    this.name = 'WorkflowError';
  }
}

/** Accepts `false_positive`, `false-positive`, `False Positive`. */
export function parseStatus(text: string): IncidentStatus {
  const normalised = text
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  if ((INCIDENT_STATUSES as readonly string[]).includes(normalised)) return normalised as IncidentStatus;
  throw new WorkflowError(
    'invalid-status',
    `unknown incident status '${text}' (expected one of ${INCIDENT_STATUSES.join(', ')})`,
  );
}

export interface StatusChange {
  readonly kind: 'status';
  readonly from: IncidentStatus;
  readonly to: IncidentStatus;
  readonly actor: string;
  /** ISO 8601. */
  readonly at: string;
  readonly note?: string;
}

export interface ChangeContext {
  readonly actor: string;
  readonly at: Date;
}

const MAX_NOTE_CHARS = 20_000;
const MAX_NAME_CHARS = 200;

function checkName(what: string, value: string): string {
  const trimmed = value.trim();
  if (trimmed === '') throw new WorkflowError('invalid-assignee', `${what} must not be empty`);
  if (trimmed.length > MAX_NAME_CHARS)
    throw new WorkflowError('invalid-assignee', `${what} is longer than ${MAX_NAME_CHARS} characters`);
  if (/[\u0000-\u001f\u007f]/.test(trimmed))
    throw new WorkflowError('invalid-assignee', `${what} must not contain control characters`);
  return trimmed;
}

function checkNote(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') throw new WorkflowError('invalid-note', 'a note must not be empty');
  if (trimmed.length > MAX_NOTE_CHARS)
    throw new WorkflowError(
      'invalid-note',
      `a note is limited to ${MAX_NOTE_CHARS} characters (got ${trimmed.length})`,
    );
  return trimmed;
}

/**
 * Checks a status change and returns its record. Throws `WorkflowError` for a change the workflow does
 * not allow (naming the allowed ones), for a no-op, and for a false positive without a note.
 */
export function transition(
  from: IncidentStatus,
  to: IncidentStatus,
  context: ChangeContext & { readonly note?: string },
): StatusChange {
  const actor = checkName('the actor', context.actor);
  if (from === to) throw new WorkflowError('illegal-transition', `the incident is already ${from}`);
  const allowed = TRANSITIONS[from];
  if (!allowed.includes(to))
    throw new WorkflowError(
      'illegal-transition',
      `an incident cannot go from ${from} to ${to}; from ${from} it can go to ${allowed.join(', ')}`,
    );
  const note = context.note === undefined ? undefined : checkNote(context.note);
  if (to === 'false_positive' && note === undefined)
    throw new WorkflowError(
      'illegal-transition',
      'marking an incident a false positive needs a note saying why',
    );
  return {
    kind: 'status',
    from,
    to,
    actor,
    at: context.at.toISOString(),
    ...(note !== undefined ? { note } : {}),
  };
}

export interface IncidentNote {
  readonly kind: 'note';
  readonly author: string;
  readonly at: string;
  readonly text: string;
}

export function createNote(text: string, context: ChangeContext): IncidentNote {
  return {
    kind: 'note',
    author: checkName('the author', context.actor),
    at: context.at.toISOString(),
    text: checkNote(text),
  };
}

export interface AssigneeChange {
  readonly kind: 'assignee';
  readonly from: string | null;
  readonly to: string | null;
  readonly actor: string;
  readonly at: string;
}

/** Assigns (`to` a name) or unassigns (`to` null). Assigning the current assignee again is an error. */
export function assign(from: string | null, to: string | null, context: ChangeContext): AssigneeChange {
  const actor = checkName('the actor', context.actor);
  const next = to === null ? null : checkName('the assignee', to);
  if (next === from)
    throw new WorkflowError(
      'invalid-assignee',
      next === null ? 'the incident has no assignee' : `the incident is already assigned to ${next}`,
    );
  return { kind: 'assignee', from, to: next, actor, at: context.at.toISOString() };
}
