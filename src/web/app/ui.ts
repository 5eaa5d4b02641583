/** Small shared pieces of UI: badges, times, chips, messages, pagers. All built with `h()`. */
import { errorMessage } from './api.js';
import type { Child } from './dom.js';
import { h } from './dom.js';
import { formatAgo, formatTime, levelLabel, statusLabel } from './format.js';
import { buildHash } from './route.js';

export function levelBadge(level: string): HTMLElement {
  return h('span', { class: `badge level-${level}`, title: `level: ${level}` }, levelLabel(level));
}

export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `status status-${status}` }, statusLabel(status));
}

/** A `<time>` showing "5 min ago" with the exact UTC time on hover. */
export function timeAgo(iso: string | null | undefined): HTMLElement {
  if (iso === null || iso === undefined) return h('span', { class: 'muted' }, '–');
  return h('time', { datetime: iso, title: formatTime(iso) }, formatAgo(iso, Date.now()));
}

export function timeExact(iso: string | null | undefined): HTMLElement {
  if (iso === null || iso === undefined) return h('span', { class: 'muted' }, '–');
  return h('time', { datetime: iso }, formatTime(iso));
}

export type EntityKind = 'host' | 'account' | 'ip';

const ENTITY_FILTER: Record<EntityKind, string> = { host: 'host', account: 'account', ip: 'ip' };

/** A chip linking to the alerts about this entity. */
export function entityChip(kind: EntityKind, value: string, count?: number): HTMLElement {
  return h(
    'a',
    {
      class: `chip chip-${kind}`,
      href: buildHash('/alerts', { [ENTITY_FILTER[kind]]: value }),
      title: `Alerts with ${kind} ${value}`,
    },
    h('span', { class: 'chip-kind' }, kind),
    value,
    count !== undefined && count > 1 ? h('span', { class: 'chip-count' }, `×${count}`) : null,
  );
}

/** The host, account and source IP chips of an alert, in a wrapper (a table cell must stay a cell). */
export function alertChips(alert: {
  readonly host: string | null;
  readonly account: string | null;
  readonly sourceIp: string | null;
}): HTMLElement {
  return h(
    'div',
    { class: 'chips' },
    alert.host !== null ? entityChip('host', alert.host) : null,
    alert.account !== null ? entityChip('account', alert.account) : null,
    alert.sourceIp !== null ? entityChip('ip', alert.sourceIp) : null,
  );
}

export function loading(what = 'Loading…'): HTMLElement {
  return h('p', { class: 'loading', role: 'status' }, what);
}

export function errorBox(error: unknown, retry?: () => void): HTMLElement {
  return h(
    'div',
    { class: 'error-box', role: 'alert' },
    h('strong', {}, 'Could not load: '),
    errorMessage(error),
    retry !== undefined ? h('button', { type: 'button', class: 'link', onclick: retry }, 'Retry') : null,
  );
}

export function emptyState(text: string, ...more: Child[]): HTMLElement {
  return h('div', { class: 'empty' }, h('p', {}, text), more);
}

/** Announces a short message to screen readers and as a toast. */
export function toast(message: string, kind: 'ok' | 'error' = 'ok'): void {
  const region = document.getElementById('toasts');
  if (region === null) return;
  const item = h(
    'div',
    { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    message,
  );
  region.appendChild(item);
  setTimeout(() => item.remove(), kind === 'error' ? 8000 : 4000);
}

export function pager(options: {
  readonly summary: Child;
  readonly previous?: (() => void) | undefined;
  readonly next?: (() => void) | undefined;
}): HTMLElement {
  return h(
    'nav',
    { class: 'pager', 'aria-label': 'Pages' },
    h('span', { class: 'pager-summary' }, options.summary),
    h(
      'button',
      {
        type: 'button',
        'data-page': 'prev',
        disabled: options.previous === undefined,
        onclick: () => options.previous?.(),
        title: 'Previous page (p)',
      },
      '← Previous',
    ),
    h(
      'button',
      {
        type: 'button',
        'data-page': 'next',
        disabled: options.next === undefined,
        onclick: () => options.next?.(),
        title: 'Next page (n)',
      },
      'Next →',
    ),
  );
}

export function pageHeader(title: string, ...extra: Child[]): HTMLElement {
  return h('header', { class: 'page-header' }, h('h1', {}, title), extra);
}

export function select(
  options: readonly { value: string; label: string }[],
  attrs: Readonly<Record<string, string>>,
  current: string,
): HTMLSelectElement {
  return h(
    'select',
    attrs,
    options.map((option) =>
      h('option', { value: option.value, selected: option.value === current }, option.label),
    ),
  );
}
