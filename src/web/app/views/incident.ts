/**
 * One incident: what it is (severity, status, assignee, span), who and what it touches (entity chips),
 * how far the attacker got (kill chain by tactic), why each alert was grouped into it, its story
 * (timeline) and the analysts' notes. Changes go to the API and the page reloads from it, so what is
 * shown is what was stored.
 */
import { api, errorMessage } from '../api.js';
import type { Child } from '../dom.js';
import { h, mount } from '../dom.js';
import { formatCount, statusLabel, techniqueOfTag } from '../format.js';
import { select as selectRow } from '../keyboard.js';
import { idParam } from '../route.js';
import type { ViewContext } from '../router.js';
import type { IncidentDetail, IncidentReason, KillChainStage, Page, TimelineEntry } from '../types.js';
import { INCIDENT_STATUSES, LEVELS } from '../types.js';
import type { EntityKind } from '../ui.js';
import {
  alertChips,
  emptyState,
  entityChip,
  levelBadge,
  loading,
  pageHeader,
  select,
  statusBadge,
  timeAgo,
  timeExact,
  toast,
} from '../ui.js';
import { createAlertPanel } from './alert-panel.js';

function entities(incident: IncidentDetail): { kind: EntityKind; value: string; count: number }[] {
  const counts = new Map<string, { kind: EntityKind; value: string; count: number }>();
  const add = (kind: EntityKind, value: string | null): void => {
    if (value === null) return;
    const key = `${kind}:${value}`;
    const entry = counts.get(key);
    if (entry === undefined) counts.set(key, { kind, value, count: 1 });
    else entry.count++;
  };
  for (const alert of incident.alerts) {
    add('host', alert.host);
    add('account', alert.account);
    add('ip', alert.sourceIp);
  }
  const order: Record<EntityKind, number> = { host: 0, account: 1, ip: 2 };
  return [...counts.values()].sort(
    (a, b) => order[a.kind] - order[b.kind] || b.count - a.count || a.value.localeCompare(b.value),
  );
}

function stageName(stage: KillChainStage): string {
  return stage.name ?? stage.tactic;
}

/** Without a kill chain from the server, techniques from the rules' tags, in one column. */
function fallbackKillChain(incident: IncidentDetail): KillChainStage[] {
  const seen = new Map<string, string | undefined>();
  for (const alert of incident.alerts)
    for (const tag of alert.rule.tags) {
      const id = techniqueOfTag(tag);
      const first = alert.firstSeen ?? undefined;
      if (id !== undefined && (!seen.has(id) || (first !== undefined && first < (seen.get(id) ?? '\uffff'))))
        seen.set(id, first);
    }
  if (seen.size === 0) return [];
  return [
    {
      tactic: 'techniques',
      name: 'Techniques (tactic not known)',
      techniques: [...seen].map(([id, firstSeen]) => ({
        id,
        ...(firstSeen !== undefined ? { firstSeen } : {}),
      })),
    },
  ];
}

function killChain(incident: IncidentDetail): HTMLElement {
  const unplaced: KillChainStage[] =
    incident.unplacedTechniques !== undefined && incident.unplacedTechniques.length > 0
      ? [{ tactic: 'unplaced', name: 'Tactic not known', techniques: incident.unplacedTechniques }]
      : [];
  const stages =
    incident.killChain !== undefined ? [...incident.killChain, ...unplaced] : fallbackKillChain(incident);
  if (stages.length === 0) return emptyState('No ATT&CK techniques in this incident’s rules.');
  return h(
    'ol',
    { class: 'kill-chain', 'aria-label': 'Kill chain: tactics reached, in ATT&CK matrix order' },
    stages.map((stage) =>
      h(
        'li',
        { class: 'stage', 'data-tactic': stage.tactic },
        h('h3', { title: stage.id ?? stage.tactic }, stageName(stage)),
        h(
          'ul',
          {},
          stage.techniques.map((technique) =>
            h(
              'li',
              {},
              h(
                'a',
                { href: `#/alerts?technique=${encodeURIComponent(technique.id)}`, class: 'technique-id' },
                technique.id,
              ),
              technique.name !== undefined ? h('span', { class: 'technique-name' }, technique.name) : null,
              technique.firstSeen !== undefined
                ? h('span', { class: 'muted small' }, 'first ', timeAgo(technique.firstSeen))
                : null,
            ),
          ),
        ),
      ),
    ),
  );
}

function reasonDetail(reason: IncidentReason | undefined): Child {
  if (reason === undefined) return h('span', { class: 'muted' }, '–');
  const detail = reason.detail !== undefined ? Object.entries(reason.detail) : [];
  if (detail.length === 0) return h('span', { class: 'reason' }, reason.text);
  return h(
    'details',
    { class: 'reason' },
    h('summary', {}, reason.text),
    h(
      'dl',
      { class: 'facts small' },
      detail.map(([key, value]) => [
        h('dt', {}, key),
        h('dd', {}, typeof value === 'string' ? value : JSON.stringify(value)),
      ]),
    ),
  );
}

function timeline(items: readonly TimelineEntry[], openAlert: (id: number) => void): HTMLElement {
  if (items.length === 0) return emptyState('Nothing recorded yet.');
  return h(
    'ol',
    { class: 'timeline' },
    items.map((entry) => {
      const alertId = typeof entry.alertId === 'number' ? entry.alertId : idParam(entry.alertId);
      const text = entry.summary ?? entry.text ?? '';
      return h(
        'li',
        { class: `tl tl-${entry.kind}` },
        h('span', { class: 'tl-time' }, timeExact(entry.at)),
        h('span', { class: 'tl-kind' }, entry.kind),
        h(
          'span',
          { class: 'tl-text' },
          alertId !== undefined
            ? h('button', { type: 'button', class: 'link', onclick: () => openAlert(alertId) }, text)
            : text,
          entry.actor !== null && entry.actor !== undefined && entry.kind !== 'alert'
            ? h('span', { class: 'muted' }, ` — ${entry.actor}`)
            : null,
        ),
      );
    }),
  );
}

export async function incidentView(context: ViewContext): Promise<void> {
  const id = idParam(context.params.id);
  if (id === undefined) {
    mount(
      context.root,
      pageHeader('Incident not found'),
      h('p', {}, h('a', { href: '#/incidents' }, 'Back to incidents')),
    );
    return;
  }
  const panel = createAlertPanel(context.signal, () => undefined);
  const openAlert = (alertId: number): void => {
    const row = context.root.querySelector<HTMLElement>(`tr[data-id="${alertId}"]`);
    if (row !== null) selectRow(row);
    panel.show(alertId);
  };

  const load = async (focusId?: string): Promise<void> => {
    const [incident, story] = await Promise.all([
      api.get<IncidentDetail>(`/incidents/${id}`, undefined, context.signal),
      api.get<Page<TimelineEntry>>(`/incidents/${id}/timeline`, undefined, context.signal),
    ]);
    if (context.signal.aborted) return;
    render(incident, story.items);
    if (focusId !== undefined) document.getElementById(focusId)?.focus();
  };

  const mutate = (label: string, change: () => Promise<unknown>, focusId?: string): void => {
    change()
      .then(() => {
        toast(label);
        return load(focusId);
      })
      .catch((error: unknown) => toast(`Not saved: ${errorMessage(error)}`, 'error'));
  };

  const render = (incident: IncidentDetail, story: readonly TimelineEntry[]): void => {
    document.title = `#${incident.id} ${incident.title} · Ballotguard`;
    const readOnly = !api.canWrite;
    const allowed = incident.transitions ?? INCIDENT_STATUSES.filter((value) => value !== incident.status);
    const status = select(
      [incident.status, ...allowed.filter((value) => value !== incident.status)].map((value) => ({
        value,
        label: value === incident.status ? `${statusLabel(value)} (now)` : statusLabel(value),
      })),
      { id: 'incident-status', name: 'status' },
      incident.status,
    );
    const severity = select(
      LEVELS.map((value) => ({ value, label: value === incident.severity ? `${value} (now)` : value })),
      { id: 'incident-severity', name: 'severity' },
      incident.severity,
    );
    const reason = h('input', {
      id: 'status-note',
      name: 'note',
      autocomplete: 'off',
      placeholder: 'why (required for false positive)',
    });
    const requireReason = (): void => {
      reason.required = status.value === 'false_positive';
    };
    status.addEventListener('change', requireReason);
    const workflow = h(
      'form',
      {
        class: 'incident-controls',
        'aria-label': 'Status and severity',
        onsubmit: (event: SubmitEvent) => {
          event.preventDefault();
          const patch: Record<string, string> = {};
          if (status.value !== incident.status) patch.status = status.value;
          if (severity.value !== incident.severity) patch.severity = severity.value;
          if (Object.keys(patch).length === 0) {
            toast('Nothing changed: pick another status or severity.', 'error');
            return;
          }
          if (reason.value.trim() !== '') patch.note = reason.value.trim();
          const said = [
            patch.status !== undefined ? `status ${statusLabel(patch.status)}` : undefined,
            patch.severity !== undefined ? `severity ${patch.severity}` : undefined,
          ].filter((part) => part !== undefined);
          mutate(
            `Saved: ${said.join(', ')}`,
            () => api.send('PATCH', `/incidents/${id}`, patch),
            'incident-status',
          );
        },
      },
      h('label', { class: 'field' }, h('span', {}, 'Status'), status),
      h('label', { class: 'field' }, h('span', {}, 'Severity'), severity),
      h('label', { class: 'field grow' }, h('span', {}, 'Note with the change'), reason),
      h('button', { type: 'submit', class: 'primary', id: 'save-status', disabled: readOnly }, 'Save'),
    );
    for (const control of [status, severity, reason]) control.disabled = readOnly;

    const assignee = h('input', {
      id: 'incident-assignee',
      name: 'assignee',
      value: incident.assignee ?? '',
      placeholder: 'unassigned',
      disabled: readOnly,
      autocomplete: 'off',
    });
    const assign = (value: string): void => {
      const next = value.trim() === '' ? null : value.trim();
      mutate(
        next === null ? 'Unassigned' : `Assigned to ${next}`,
        () => api.send('PATCH', `/incidents/${id}`, { assignee: next }),
        'incident-assignee',
      );
    };
    const me = api.me?.name;
    const ownership = h(
      'form',
      {
        class: 'incident-controls',
        'aria-label': 'Assignee',
        onsubmit: (event: SubmitEvent) => {
          event.preventDefault();
          assign(assignee.value);
        },
      },
      h('label', { class: 'field' }, h('span', {}, 'Assignee'), assignee),
      h('button', { type: 'submit', disabled: readOnly }, 'Assign'),
      me !== undefined && incident.assignee !== me
        ? h(
            'button',
            { type: 'button', class: 'link', disabled: readOnly, onclick: () => assign(me) },
            'Assign to me',
          )
        : null,
      readOnly ? h('span', { class: 'muted' }, 'Read-only: your token is a viewer token.') : null,
    );
    const controls = h('div', { class: 'control-row' }, workflow, ownership);

    const note = h('textarea', {
      id: 'note-text',
      name: 'text',
      rows: 3,
      required: true,
      placeholder: 'What did you find? What did you do?',
      disabled: readOnly,
      'aria-label': 'New note',
    });
    const notes = h(
      'section',
      { class: 'panel notes' },
      h('h2', {}, `Notes (${formatCount(incident.notes.length)})`),
      incident.notes.length === 0
        ? h('p', { class: 'muted' }, 'No notes yet.')
        : h(
            'ul',
            { class: 'note-list' },
            incident.notes.map((item) =>
              h(
                'li',
                {},
                h('div', { class: 'note-meta' }, h('strong', {}, item.author), ' ', timeAgo(item.at)),
                h('p', { class: 'note-text' }, item.text),
              ),
            ),
          ),
      h(
        'form',
        {
          class: 'note-form',
          onsubmit: (event: SubmitEvent) => {
            event.preventDefault();
            const text = note.value.trim();
            if (text === '') return;
            mutate('Note added', () => api.send('POST', `/incidents/${id}/notes`, { text }), 'note-text');
          },
        },
        note,
        h('button', { type: 'submit', class: 'primary', disabled: readOnly }, 'Add note'),
      ),
    );

    const alertRows = incident.alerts.map((alert) =>
      h(
        'tr',
        {
          'data-nav-item': true,
          'data-id': alert.id,
          class: `sev-row sev-${alert.rule.level}`,
          onclick: (event: MouseEvent) => {
            if (
              event.target instanceof HTMLElement &&
              event.target.closest('details, summary, a:not([data-open])')
            )
              return;
            event.preventDefault();
            openAlert(alert.id);
          },
        },
        h('td', {}, levelBadge(alert.rule.level)),
        h(
          'td',
          { class: 'title-cell' },
          h('a', { href: `#/alerts?open=${alert.id}`, 'data-open': true }, alert.rule.title),
        ),
        h('td', {}, alertChips(alert)),
        h('td', { class: 'num' }, formatCount(alert.count)),
        h('td', {}, timeAgo(alert.firstSeen)),
        h('td', { class: 'why' }, reasonDetail(alert.reason)),
      ),
    );

    mount(
      context.root,
      h(
        'header',
        { class: 'page-header incident-header' },
        h('a', { href: '#/incidents', class: 'back' }, '← Incidents'),
        h(
          'h1',
          {},
          levelBadge(incident.severity),
          ' ',
          h('span', { class: 'incident-title' }, incident.title),
          h('span', { class: 'muted id' }, ` #${incident.id}`),
        ),
        h(
          'p',
          { class: 'incident-meta' },
          statusBadge(incident.status),
          ` ${formatCount(incident.alertCount)} alerts · first seen `,
          timeExact(incident.firstSeen),
          ' · last seen ',
          timeExact(incident.lastSeen),
          incident.groupKey !== null && incident.groupKey !== undefined
            ? h('span', { class: 'muted' }, ' · grouped by ', h('code', {}, incident.groupKey))
            : null,
        ),
      ),
      controls,
      h(
        'section',
        { class: 'panel' },
        h('h2', {}, 'Entities'),
        h(
          'div',
          { class: 'chips' },
          entities(incident).map((entity) => entityChip(entity.kind, entity.value, entity.count)),
        ),
      ),
      h('section', { class: 'panel' }, h('h2', {}, 'Kill chain'), killChain(incident)),
      h(
        'div',
        { class: 'split' },
        h(
          'section',
          { class: 'panel' },
          h(
            'h2',
            {},
            `Alerts (${formatCount(incident.alerts.length)}${incident.alerts.length < incident.alertCount ? ` of ${formatCount(incident.alertCount)}` : ''}) and why they were grouped`,
          ),
          incident.alerts.length === 0
            ? emptyState('No alerts attached.')
            : h(
                'table',
                { class: 'list incident-alerts' },
                h(
                  'thead',
                  {},
                  h(
                    'tr',
                    {},
                    ['Level', 'Rule', 'Entities', 'Count', 'First seen', 'Why grouped'].map((label) =>
                      h('th', { scope: 'col' }, label),
                    ),
                  ),
                ),
                h('tbody', { 'data-nav-list': true }, alertRows),
              ),
        ),
        panel.element,
      ),
      h(
        'div',
        { class: 'grid-2' },
        h('section', { class: 'panel' }, h('h2', {}, 'Timeline'), timeline(story, openAlert)),
        notes,
      ),
    );
  };

  mount(context.root, pageHeader(`Incident #${id}`), loading());
  await load();
}
