/**
 * The side panel with one alert: rule, ATT&CK, entities, where it was seen, the incidents it belongs to,
 * and the raw event as pretty-printed JSON. The event is shown with `textContent` in a `<pre>`, so whatever
 * the log holds (markup, scripts, control characters) is displayed, never interpreted.
 */
import { api } from '../api.js';
import type { Child } from '../dom.js';
import { h, mount } from '../dom.js';
import { formatCount, prettyJson, techniqueOfTag } from '../format.js';
import { buildHash } from '../route.js';
import type { AlertDetail, AttackRef } from '../types.js';
import { alertChips, errorBox, levelBadge, loading, statusBadge, timeExact } from '../ui.js';

export interface AlertPanel {
  readonly element: HTMLElement;
  show(id: number): void;
  close(): void;
}

function techniques(alert: AlertDetail): AttackRef[] {
  if (alert.attack?.techniques !== undefined && alert.attack.techniques.length > 0)
    return [...alert.attack.techniques];
  return alert.rule.tags
    .map(techniqueOfTag)
    .filter((id): id is string => id !== undefined)
    .map((id) => ({ id }));
}

function tacticLabel(tactic: AttackRef | string): string {
  return typeof tactic === 'string' ? tactic : (tactic.name ?? tactic.shortname ?? tactic.id);
}

function field(label: string, value: HTMLElement | string | null): HTMLElement[] {
  return [h('dt', {}, label), h('dd', {}, value ?? h('span', { class: 'muted' }, '–'))];
}

function render(alert: AlertDetail): Child[] {
  const source = alert.source;
  const where =
    source === undefined
      ? null
      : `${source.path}${source.line !== undefined ? `:${source.line}` : ''}${source.record !== undefined ? ` (record ${source.record})` : ''}`;
  const tactics = alert.attack?.tactics ?? [];
  return [
    h(
      'header',
      { class: 'panel-head' },
      levelBadge(alert.rule.level),
      h('h2', { id: 'alert-panel-title' }, alert.rule.title),
    ),
    h(
      'dl',
      { class: 'facts' },
      field('Alert', `#${alert.id}`),
      field('Rule', h('a', { href: buildHash('/alerts', { rule: alert.rule.id }) }, alert.rule.id)),
      field('Occurrences', formatCount(alert.count)),
      field('First seen', timeExact(alert.firstSeen)),
      field('Last seen', timeExact(alert.lastSeen)),
      field('Entities', alertChips(alert)),
      field('Source', where !== null ? h('code', {}, where) : null),
      field(
        'ATT&CK',
        h(
          'span',
          { class: 'chips' },
          techniques(alert).map((technique) =>
            h(
              'a',
              {
                class: 'chip chip-technique',
                href: buildHash('/alerts', { technique: technique.id }),
                title: technique.name ?? technique.id,
              },
              technique.id,
              technique.name !== undefined ? ` ${technique.name}` : '',
            ),
          ),
          tactics.map((tactic) => h('span', { class: 'chip chip-tactic' }, tacticLabel(tactic))),
        ),
      ),
      field(
        'Incidents',
        alert.incidents === undefined || alert.incidents.length === 0
          ? null
          : h(
              'ul',
              { class: 'plain' },
              alert.incidents.map((incident) =>
                h(
                  'li',
                  {},
                  statusBadge(incident.status),
                  ' ',
                  h('a', { href: `#/incidents/${incident.id}` }, incident.title),
                ),
              ),
            ),
      ),
      field(
        'Tags',
        alert.rule.tags.length === 0 ? null : h('span', { class: 'tags' }, alert.rule.tags.join(' ')),
      ),
    ),
    alert.occurrences !== undefined && alert.occurrences.length > 0
      ? h(
          'details',
          { class: 'occurrences' },
          h(
            'summary',
            {},
            `Where it was seen (${formatCount(alert.occurrences.length)}${alert.occurrences.length < alert.count ? ` of ${formatCount(alert.count)}` : ''})`,
          ),
          h(
            'table',
            { class: 'list compact' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', {}, 'Time'),
                h('th', {}, 'File'),
                h('th', {}, 'Line/record'),
                h('th', {}, 'Hunt'),
              ),
            ),
            h(
              'tbody',
              {},
              alert.occurrences.map((occurrence) =>
                h(
                  'tr',
                  {},
                  h('td', {}, timeExact(occurrence.at)),
                  h('td', {}, h('code', {}, occurrence.path)),
                  h(
                    'td',
                    { class: 'num' },
                    String(occurrence.line ?? occurrence.record ?? occurrence.position),
                  ),
                  h(
                    'td',
                    {},
                    occurrence.huntId !== null
                      ? h('a', { href: `#/hunt/${occurrence.huntId}` }, `#${occurrence.huntId}`)
                      : '–',
                  ),
                ),
              ),
            ),
          ),
        )
      : null,
    h('h3', {}, 'Raw event'),
    h('pre', { class: 'raw-event', tabindex: 0, 'aria-label': 'Raw event JSON' }, prettyJson(alert.event)),
  ];
}

/** A panel that loads alerts on demand; `onClose` runs when the user closes it (button or Escape). */
export function createAlertPanel(signal: AbortSignal, onClose: () => void): AlertPanel {
  const body = h('div', { class: 'panel-body' });
  const closeButton = h(
    'button',
    {
      type: 'button',
      class: 'close',
      'data-close': true,
      'aria-label': 'Close the alert panel',
      title: 'Close (Esc)',
    },
    '×',
  );
  const element = h(
    'aside',
    { class: 'side-panel', hidden: true, 'aria-labelledby': 'alert-panel-title', tabindex: -1 },
    closeButton,
    body,
  );
  let request = 0;
  const panel: AlertPanel = {
    element,
    show(id: number) {
      const mine = ++request;
      element.hidden = false;
      mount(body, loading('Loading alert…'));
      api
        .get<AlertDetail>(`/alerts/${id}`, undefined, signal)
        .then((alert) => {
          if (mine !== request || signal.aborted) return;
          mount(body, render(alert));
        })
        .catch((error: unknown) => {
          if (mine !== request || signal.aborted) return;
          mount(
            body,
            errorBox(error, () => panel.show(id)),
          );
        });
    },
    close() {
      request++;
      element.hidden = true;
      body.replaceChildren();
      onClose();
    },
  };
  closeButton.addEventListener('click', () => panel.close());
  return panel;
}
