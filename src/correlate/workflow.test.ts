import { describe, expect, it } from 'vitest';
import type { IncidentStatus } from './workflow.js';
import {
  INCIDENT_STATUSES,
  WorkflowError,
  allowedTransitions,
  assign,
  createNote,
  isOpenStatus,
  parseStatus,
  transition,
} from './workflow.js';

const context = { actor: 'analyst1', at: new Date(Date.UTC(2024, 10, 5, 9, 30)) };

describe('transition', () => {
  it('allows the workflow’s transitions and records who and when', () => {
    expect(transition('new', 'triaging', context)).toEqual({
      kind: 'status',
      from: 'new',
      to: 'triaging',
      actor: 'analyst1',
      at: '2024-11-05T09:30:00.000Z',
    });
    expect(transition('triaging', 'contained', { ...context, note: ' host isolated ' })).toMatchObject({
      note: 'host isolated',
    });
    expect(transition('contained', 'closed', context).to).toBe('closed');
    expect(transition('closed', 'triaging', context).to).toBe('triaging');
    expect(transition('contained', 'triaging', context).to).toBe('triaging');
  });

  it('matches the documented table for every pair of statuses', () => {
    const table: Record<IncidentStatus, IncidentStatus[]> = {
      new: ['triaging', 'contained', 'closed', 'false_positive'],
      triaging: ['contained', 'closed', 'false_positive'],
      contained: ['triaging', 'closed', 'false_positive'],
      closed: ['triaging'],
      false_positive: ['triaging'],
    };
    for (const from of INCIDENT_STATUSES) {
      expect(allowedTransitions(from)).toEqual(table[from]);
      for (const to of INCIDENT_STATUSES) {
        const attempt = (): unknown => transition(from, to, { ...context, note: 'why' });
        if (table[from].includes(to)) expect(attempt).not.toThrow();
        else expect(attempt, `${from} → ${to}`).toThrow(WorkflowError);
      }
    }
  });

  it('explains an illegal change with the allowed ones', () => {
    expect(() => transition('closed', 'contained', context)).toThrow(
      'an incident cannot go from closed to contained; from closed it can go to triaging',
    );
    expect(() => transition('new', 'new', context)).toThrow('the incident is already new');
  });

  it('needs a note to mark a false positive', () => {
    expect(() => transition('triaging', 'false_positive', context)).toThrow(/needs a note/);
    expect(() => transition('triaging', 'false_positive', { ...context, note: '   ' })).toThrow(
      /must not be empty/,
    );
    expect(transition('triaging', 'false_positive', { ...context, note: 'backup job' }).note).toBe(
      'backup job',
    );
  });

  it('rejects an empty or odd actor', () => {
    expect(() => transition('new', 'triaging', { ...context, actor: ' ' })).toThrow(
      /actor must not be empty/,
    );
    expect(() => transition('new', 'triaging', { ...context, actor: 'a\nb' })).toThrow(/control characters/);
  });
});

describe('statuses, notes and assignee', () => {
  it('parses status spellings and knows which are open', () => {
    expect(parseStatus('False Positive')).toBe('false_positive');
    expect(parseStatus('false-positive')).toBe('false_positive');
    expect(parseStatus(' Triaging ')).toBe('triaging');
    expect(() => parseStatus('resolved')).toThrow(
      /unknown incident status 'resolved' \(expected one of new, triaging/,
    );
    expect(INCIDENT_STATUSES.filter(isOpenStatus)).toEqual(['new', 'triaging', 'contained']);
  });

  it('creates notes, refusing empty and oversized ones', () => {
    expect(createNote(' Called the county clerk. ', context)).toEqual({
      kind: 'note',
      author: 'analyst1',
      at: '2024-11-05T09:30:00.000Z',
      text: 'Called the county clerk.',
    });
    expect(() => createNote('', context)).toThrow(WorkflowError);
    expect(() => createNote('x'.repeat(20_001), context)).toThrow(/limited to 20000 characters/);
  });

  it('assigns, reassigns and unassigns', () => {
    expect(assign(null, ' dana ', context)).toEqual({
      kind: 'assignee',
      from: null,
      to: 'dana',
      actor: 'analyst1',
      at: '2024-11-05T09:30:00.000Z',
    });
    expect(assign('dana', 'eli', context)).toMatchObject({ from: 'dana', to: 'eli' });
    expect(assign('eli', null, context)).toMatchObject({ from: 'eli', to: null });
    expect(() => assign('dana', 'dana', context)).toThrow('the incident is already assigned to dana');
    expect(() => assign(null, null, context)).toThrow('the incident has no assignee');
    expect(() => assign(null, '', context)).toThrow(/assignee must not be empty/);
  });
});
