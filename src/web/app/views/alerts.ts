/**
 * Alert search. Filters live in the address (`#/alerts?host=dc01&level=high,critical`), results come a page
 * at a time through the server's keyset cursor (`after`), so a store of millions of alerts costs one page
 * per click. A row opens the side panel with the raw event; new alerts arriving while the first page is
 * shown are announced, not spliced in, so rows never jump under the cursor.
 */
import { api, errorMessage } from '../api.js';
import type { Query } from '../api.js';
import { h, mount } from '../dom.js';
import { formatCount, isoToLocalInput, localInputToIso } from '../format.js';
import { select as selectRow } from '../keyboard.js';
import { buildHash, idParam } from '../route.js';
import type { ViewContext } from '../router.js';
import type { AlertPage, AlertRecord } from '../types.js';
import { alertChips, emptyState, levelBadge, loading, pageHeader, pager, select, timeAgo } from '../ui.js';
import { createAlertPanel } from './alert-panel.js';

const PAGE_SIZE = 50;
/** Wait this long after an alert arrives before recounting, so a burst costs one query. */
const RECOUNT_MS = 1000;

const FILTER_KEYS = [
  'since',
  'until',
  'level',
  'host',
  'account',
  'ip',
  'rule',
  'technique',
  'hunt',
] as const;
type FilterKey = (typeof FILTER_KEYS)[number];
type Filters = Partial<Record<FilterKey, string>>;

const LEVEL_CHOICES = [
  { value: '', label: 'Any level' },
  { value: 'critical', label: 'critical' },
  { value: 'high,critical', label: 'high and above' },
  { value: 'medium,high,critical', label: 'medium and above' },
  { value: 'low,medium,high,critical', label: 'low and above' },
];

/**
 * Cursors of the pages before the current one, for "Previous": keyset paging can only go forward, so the
 * way back is remembered for the filters in use (and forgotten when they change).
 */
let pageTrail: { key: string; stack: string[] } = { key: '', stack: [] };

function filtersOf(query: URLSearchParams): Filters {
  const filters: Filters = {};
  for (const key of FILTER_KEYS) {
    const value = query.get(key)?.trim();
    if (value !== undefined && value !== '') filters[key] = value;
  }
  return filters;
}

function hashOf(filters: Filters, extra: Readonly<Record<string, string | undefined>> = {}): string {
  return buildHash('/alerts', { ...filters, ...extra });
}

function input(
  name: FilterKey,
  label: string,
  value: string | undefined,
  attrs: Readonly<Record<string, string | boolean>> = {},
): HTMLLabelElement {
  return h(
    'label',
    { class: 'field' },
    h('span', {}, label),
    h('input', { name, type: 'search', value: value ?? '', autocomplete: 'off', ...attrs }),
  );
}

export async function alertsView(context: ViewContext): Promise<void> {
  const filters = filtersOf(context.query);
  const after = context.query.get('after') ?? undefined;
  const filterKey = JSON.stringify(filters);
  if (pageTrail.key !== filterKey) pageTrail = { key: filterKey, stack: [] };

  const panel = createAlertPanel(context.signal, () => {
    context.replace(hashOf(filters, { after }));
    context.root.querySelector<HTMLElement>('[data-nav-list] [aria-selected="true"]')?.focus();
  });

  const openAlert = (id: number): void => {
    context.replace(hashOf(filters, { after, open: String(id) }));
    panel.show(id);
  };

  const since = h('input', { name: 'since', type: 'datetime-local', value: isoToLocalInput(filters.since) });
  const until = h('input', { name: 'until', type: 'datetime-local', value: isoToLocalInput(filters.until) });
  const levels = LEVEL_CHOICES.some((choice) => choice.value === (filters.level ?? ''))
    ? LEVEL_CHOICES
    : [...LEVEL_CHOICES, { value: filters.level ?? '', label: filters.level ?? '' }];
  const level = select(levels, { name: 'level' }, filters.level ?? '');
  const form = h(
    'form',
    {
      class: 'filters alert-filters',
      role: 'search',
      onsubmit: (event: SubmitEvent) => {
        event.preventDefault();
        const data = new FormData(form);
        const next: Filters = {};
        for (const key of FILTER_KEYS) {
          const raw = data.get(key);
          if (typeof raw !== 'string' || raw.trim() === '') continue;
          const value = key === 'since' || key === 'until' ? localInputToIso(raw) : raw.trim();
          if (value !== undefined) next[key] = value;
        }
        context.navigate(hashOf(next));
      },
    },
    input('rule', 'Rule', filters.rule, { placeholder: 'title or id', 'data-search': true }),
    h('label', { class: 'field' }, h('span', {}, 'Level'), level),
    input('host', 'Host', filters.host),
    input('account', 'Account', filters.account),
    input('ip', 'Source IP', filters.ip),
    input('technique', 'Technique', filters.technique, { placeholder: 'T1003' }),
    h('label', { class: 'field' }, h('span', {}, 'From'), since),
    h('label', { class: 'field' }, h('span', {}, 'To'), until),
    filters.hunt !== undefined ? h('input', { type: 'hidden', name: 'hunt', value: filters.hunt }) : null,
    h(
      'div',
      { class: 'filter-actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Search'),
      h('a', { href: '#/alerts', class: 'button-link' }, 'Clear'),
    ),
  );
  level.addEventListener('change', () => form.requestSubmit());

  const results = h('div', { class: 'results' }, loading('Searching…'));
  const banner = h('div', { class: 'live-banner', hidden: true, role: 'status' });
  const live = h(
    'span',
    { class: 'live', hidden: true, title: 'New alerts for this search are announced as they are stored' },
    'live',
  );
  mount(
    context.root,
    pageHeader(
      'Alerts',
      filters.hunt !== undefined ? h('span', { class: 'chip' }, `hunt #${filters.hunt}`) : null,
      live,
    ),
    form,
    banner,
    h('div', { class: 'split' }, results, panel.element),
  );

  const query: Query = {
    since: filters.since,
    until: filters.until,
    level: filters.level,
    host: filters.host,
    account: filters.account,
    ip: filters.ip,
    rule: filters.rule,
    technique: filters.technique,
    hunt: filters.hunt,
    limit: PAGE_SIZE,
    after,
  };
  const page = await api.get<AlertPage>('/alerts', query, context.signal);
  if (context.signal.aborted) return;

  const rows = page.items.map((alert: AlertRecord) =>
    h(
      'tr',
      {
        'data-nav-item': true,
        'data-id': alert.id,
        class: `sev-row sev-${alert.rule.level}`,
        onclick: (event: MouseEvent) => {
          const link = event.target instanceof Element ? event.target.closest('a') : null;
          if (link !== null && !link.hasAttribute('data-open')) return;
          event.preventDefault();
          selectRow(event.currentTarget as HTMLElement);
          openAlert(alert.id);
        },
      },
      h('td', {}, levelBadge(alert.rule.level)),
      h(
        'td',
        { class: 'title-cell' },
        h(
          'a',
          { href: hashOf(filters, { after, open: String(alert.id) }), 'data-open': true },
          alert.rule.title,
        ),
      ),
      h('td', {}, alertChips(alert)),
      h('td', { class: 'num' }, formatCount(alert.count)),
      h('td', {}, timeAgo(alert.firstSeen)),
      h('td', {}, timeAgo(alert.lastSeen)),
    ),
  );
  const table =
    page.items.length === 0
      ? undefined
      : h(
          'table',
          { class: 'list alerts' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Level', 'Rule', 'Entities', 'Count', 'First seen', 'Last seen'].map((label) =>
                h('th', { scope: 'col' }, label),
              ),
            ),
          ),
          h('tbody', { 'data-nav-list': true }, rows),
        );
  const pageLabel =
    after === undefined
      ? 'Page 1'
      : pageTrail.stack.length > 0
        ? `Page ${pageTrail.stack.length + 1}`
        : 'Later page';
  const summary = h(
    'span',
    {},
    `${pageLabel} · ${formatCount(page.items.length)} shown`,
    page.total !== undefined ? ` · ${formatCount(page.total)} alerts match` : ' · ',
    page.total === undefined && page.items.length > 0
      ? h(
          'button',
          {
            type: 'button',
            class: 'link',
            title: 'Counting scans every matching alert: quick on small stores, slower on millions',
            onclick: (event: MouseEvent) => {
              const button = event.currentTarget as HTMLButtonElement;
              button.disabled = true;
              api
                .get<AlertPage>(
                  '/alerts',
                  { ...query, limit: 1, after: undefined, count: true },
                  context.signal,
                )
                .then((counted) => button.replaceWith(`${formatCount(counted.total)} alerts match`))
                .catch((error: unknown) => {
                  button.disabled = false;
                  button.textContent = `count failed: ${errorMessage(error)}`;
                });
            },
          },
          'count matches',
        )
      : null,
  );
  mount(
    results,
    table ??
      emptyState(
        Object.keys(filters).length === 0
          ? 'No alerts yet. Upload logs on the Hunt page.'
          : 'No alerts match these filters.',
      ),
    pager({
      summary,
      previous:
        after === undefined
          ? undefined
          : () => {
              const previous = pageTrail.stack.pop();
              context.navigate(hashOf(filters, { after: previous === '' ? undefined : previous }));
            },
      next:
        page.next === null || page.next === undefined
          ? undefined
          : () => {
              pageTrail.stack.push(after ?? '');
              context.navigate(hashOf(filters, { after: page.next ?? undefined }));
            },
    }),
  );

  const open = idParam(context.query.get('open') ?? undefined);
  if (open !== undefined) {
    const row = table?.querySelector<HTMLElement>(`tr[data-id="${open}"]`);
    if (row !== null && row !== undefined) selectRow(row);
    panel.show(open);
  }

  if (after === undefined) watchNewAlerts(context, banner, live, filters, query);
}

/**
 * On the first page: listens to the server's alert stream and, a moment after alerts arrive, asks for the
 * first page again to count how many of the new ones match this search (the server applies the filters,
 * so the count is exact), then offers to show them.
 */
function watchNewAlerts(
  context: ViewContext,
  banner: HTMLElement,
  live: HTMLElement,
  filters: Filters,
  query: Query,
): void {
  const stream = api.events('/alerts/stream');
  const arrived = new Set<number>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const recount = (): void => {
    timer = undefined;
    api
      .get<AlertPage>('/alerts', { ...query, after: undefined }, context.signal)
      .then((page) => {
        const fresh = page.items.filter((alert) => arrived.has(alert.id)).length;
        if (fresh === 0 || context.signal.aborted) return;
        mount(
          banner,
          `${formatCount(fresh)} new alert${fresh === 1 ? '' : 's'} for this search. `,
          h(
            'button',
            { type: 'button', class: 'link', onclick: () => context.navigate(hashOf(filters)) },
            'Show',
          ),
        );
        banner.hidden = false;
      })
      .catch(() => undefined);
  };
  stream.addEventListener('open', () => {
    live.hidden = false;
  });
  stream.addEventListener('alert', (event: MessageEvent<string>) => {
    try {
      const alert = JSON.parse(event.data) as Partial<AlertRecord>;
      // Bounded: a flood of alerts only needs the latest ones (the first page holds 50).
      if (typeof alert.id === 'number' && arrived.size < 100_000) arrived.add(alert.id);
    } catch {
      return;
    }
    timer ??= setTimeout(recount, RECOUNT_MS);
  });
  stream.addEventListener('error', () => {
    live.hidden = true;
    // CLOSED means the server refused the stream (no such endpoint, signed out): stop retrying.
    if (stream.readyState === EventSource.CLOSED) stream.close();
  });
  context.signal.addEventListener('abort', () => {
    stream.close();
    if (timer !== undefined) clearTimeout(timer);
  });
}
