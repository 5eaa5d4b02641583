/**
 * The incident queue: newest activity first (the server orders by last seen), filtered by status,
 * severity, assignee and title, one page at a time (offset paging: incidents are few compared with
 * alerts). It opens on the open incidents (new, triaging, contained); status tabs show counts, so the
 * queue's state is readable before any row is.
 */
import { api } from '../api.js';
import { h, mount } from '../dom.js';
import { formatCount, statusLabel } from '../format.js';
import { buildHash } from '../route.js';
import type { ViewContext } from '../router.js';
import type { IncidentRecord, Page } from '../types.js';
import { INCIDENT_STATUSES, LEVELS } from '../types.js';
import { emptyState, levelBadge, loading, pageHeader, pager, select, statusBadge, timeAgo } from '../ui.js';

const PAGE_SIZE = 50;

/** The queue's default tab. `all` means no status filter. */
const OPEN = 'new,triaging,contained';
const ALL = 'all';

interface Filters {
  readonly status: string;
  readonly severity: string;
  readonly assignee: string;
  readonly q: string;
  readonly offset: number;
}

function filtersOf(query: URLSearchParams): Filters {
  const offset = Number(query.get('offset') ?? '0');
  return {
    status: query.get('status') ?? OPEN,
    severity: query.get('severity') ?? '',
    assignee: query.get('assignee') ?? '',
    q: query.get('q') ?? '',
    offset: Number.isInteger(offset) && offset > 0 ? offset : 0,
  };
}

function hashOf(filters: Filters): string {
  return buildHash('/incidents', {
    status: filters.status === OPEN ? undefined : filters.status,
    severity: filters.severity,
    assignee: filters.assignee,
    q: filters.q,
    offset: filters.offset > 0 ? String(filters.offset) : undefined,
  });
}

export async function incidentsView(context: ViewContext): Promise<void> {
  const filters = filtersOf(context.query);
  mount(context.root, pageHeader('Incidents'), loading());

  const common = { severity: filters.severity, assignee: filters.assignee, q: filters.q };
  const listQuery = {
    ...common,
    status: filters.status === ALL ? undefined : filters.status,
    limit: PAGE_SIZE,
    offset: filters.offset,
  };
  // Counts per status for the tabs: `limit=1` asks the server for the total only.
  const [page, ...counts] = await Promise.all([
    api.get<Page<IncidentRecord>>('/incidents', listQuery, context.signal),
    ...INCIDENT_STATUSES.map((status) =>
      api
        .get<Page<IncidentRecord>>('/incidents', { ...common, status, limit: 1 }, context.signal)
        .then((result) => result.total)
        .catch(() => undefined),
    ),
  ]);
  if (context.signal.aborted) return;
  const sum = (statuses: readonly string[]): number | undefined => {
    let total = 0;
    for (const [index, status] of INCIDENT_STATUSES.entries()) {
      if (!statuses.includes(status)) continue;
      const count = counts[index];
      if (count === undefined) return undefined;
      total += count;
    }
    return total;
  };

  const tab = (status: string, label: string, count: number | undefined) =>
    h(
      'a',
      {
        href: hashOf({ ...filters, status, offset: 0 }),
        'aria-current': filters.status === status ? 'page' : undefined,
        'data-status': status,
      },
      label,
      h('span', { class: 'tab-count' }, formatCount(count)),
    );
  const tabs = h(
    'nav',
    { class: 'tabs', 'aria-label': 'Incident status' },
    tab(OPEN, 'Open', sum(OPEN.split(','))),
    tab(ALL, 'All', sum(INCIDENT_STATUSES)),
    INCIDENT_STATUSES.map((status, index) => tab(status, statusLabel(status), counts[index])),
  );

  const severity = select(
    [{ value: '', label: 'Any severity' }, ...LEVELS.map((level) => ({ value: level, label: level }))],
    { name: 'severity', 'aria-label': 'Severity' },
    filters.severity,
  );
  const title = h('input', {
    name: 'q',
    type: 'search',
    placeholder: 'Search titles',
    value: filters.q,
    'data-search': true,
    'aria-label': 'Search incident titles',
  });
  const assignee = h('input', {
    name: 'assignee',
    type: 'search',
    placeholder: 'Assignee',
    value: filters.assignee,
    'aria-label': 'Assignee',
  });
  const form = h(
    'form',
    {
      class: 'filters',
      role: 'search',
      onsubmit: (event: SubmitEvent) => {
        event.preventDefault();
        context.navigate(
          hashOf({
            ...filters,
            severity: severity.value,
            assignee: assignee.value.trim(),
            q: title.value.trim(),
            offset: 0,
          }),
        );
      },
    },
    title,
    severity,
    assignee,
    h('button', { type: 'submit' }, 'Filter'),
  );
  severity.addEventListener('change', () => form.requestSubmit());

  const total = page.total;
  const rows = page.items.map((incident) =>
    h(
      'tr',
      {
        'data-nav-item': true,
        'data-id': incident.id,
        class: `sev-row sev-${incident.severity}`,
        onclick: (event: MouseEvent) => {
          if (event.target instanceof Element && event.target.closest('a') !== null) return;
          context.navigate(`#/incidents/${incident.id}`);
        },
      },
      h('td', {}, levelBadge(incident.severity)),
      h(
        'td',
        { class: 'title-cell' },
        h('a', { href: `#/incidents/${incident.id}`, 'data-open': true }, incident.title),
        h('span', { class: 'muted id' }, ` #${incident.id}`),
      ),
      h('td', {}, statusBadge(incident.status)),
      h('td', {}, incident.assignee ?? h('span', { class: 'muted' }, 'unassigned')),
      h('td', { class: 'num' }, formatCount(incident.alertCount)),
      h('td', {}, timeAgo(incident.firstSeen)),
      h('td', {}, timeAgo(incident.lastSeen)),
    ),
  );
  const shownTo = filters.offset + page.items.length;
  mount(
    context.root,
    pageHeader(
      'Incidents',
      h('span', { class: 'muted' }, total !== undefined ? `${formatCount(total)} matching` : ''),
    ),
    tabs,
    form,
    page.items.length === 0
      ? emptyState('No incidents match these filters.')
      : h(
          'table',
          { class: 'list incidents' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Severity', 'Incident', 'Status', 'Assignee', 'Alerts', 'First seen', 'Last seen'].map(
                (label) => h('th', { scope: 'col' }, label),
              ),
            ),
          ),
          h('tbody', { 'data-nav-list': true }, rows),
        ),
    pager({
      summary:
        page.items.length === 0
          ? ''
          : `${formatCount(filters.offset + 1)}–${formatCount(shownTo)}${total !== undefined ? ` of ${formatCount(total)}` : ''}`,
      previous:
        filters.offset > 0
          ? () => context.navigate(hashOf({ ...filters, offset: Math.max(0, filters.offset - PAGE_SIZE) }))
          : undefined,
      next: (total !== undefined ? shownTo < total : page.items.length === PAGE_SIZE)
        ? () => context.navigate(hashOf({ ...filters, offset: shownTo }))
        : undefined,
    }),
  );
}
