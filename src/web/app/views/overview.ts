/**
 * The overview: what needs attention now (open incidents, high and critical alerts) and the shape of the
 * last weeks (alerts per day, by level, incidents by status, top rules and hosts). One `/stats` call and one
 * incident page: the server aggregates, the browser never loads alerts to count them.
 */
import { api } from '../api.js';
import { barChart, donut, rankList } from '../charts.js';
import type { Child } from '../dom.js';
import { h, mount } from '../dom.js';
import { formatCount, statusLabel } from '../format.js';
import { buildHash } from '../route.js';
import type { ViewContext } from '../router.js';
import type { IncidentRecord, Level, Page, Stats } from '../types.js';
import { INCIDENT_STATUSES, LEVELS } from '../types.js';
import { emptyState, levelBadge, loading, pageHeader, timeAgo } from '../ui.js';

const OPEN_STATUSES = 'new,triaging,contained';

function card(label: string, value: Child, href: string, className = ''): HTMLElement {
  return h(
    'a',
    { class: `card ${className}`, href },
    h('span', { class: 'card-value' }, value),
    h('span', { class: 'card-label' }, label),
  );
}

function section(title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'panel' }, h('h2', {}, title), children);
}

/** The day after `day` (YYYY-MM-DD), for a one-day alert filter. */
function nextDay(day: string): string | undefined {
  const ms = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(ms) ? undefined : new Date(ms + 86_400_000).toISOString();
}

export async function overviewView(context: ViewContext): Promise<void> {
  mount(context.root, pageHeader('Overview'), loading());
  const [stats, open] = await Promise.all([
    api.get<Stats>('/stats', undefined, context.signal),
    api.get<Page<IncidentRecord>>('/incidents', { status: 'new', limit: 8 }, context.signal),
  ]);
  if (context.signal.aborted) return;

  const byLevel = stats.alertsByLevel ?? {};
  const byStatus = stats.incidentsByStatus ?? {};
  const totalAlerts = stats.alerts ?? LEVELS.reduce((sum, level) => sum + (byLevel[level] ?? 0), 0);
  const urgent = (byLevel.critical ?? 0) + (byLevel.high ?? 0);
  const openIncidents = (byStatus.new ?? 0) + (byStatus.triaging ?? 0) + (byStatus.contained ?? 0);
  const days = stats.alertsByDay ?? [];

  mount(
    context.root,
    pageHeader('Overview'),
    h(
      'div',
      { class: 'cards' },
      card(
        'new incidents',
        formatCount(byStatus.new ?? 0),
        buildHash('/incidents', { status: 'new' }),
        (byStatus.new ?? 0) > 0 ? 'card-alarm' : '',
      ),
      card('open incidents', formatCount(openIncidents), buildHash('/incidents', { status: OPEN_STATUSES })),
      card(
        'critical + high alerts',
        formatCount(urgent),
        buildHash('/alerts', { level: 'high,critical' }),
        urgent > 0 ? 'card-warn' : '',
      ),
      card('alerts', formatCount(totalAlerts), buildHash('/alerts')),
    ),
    h(
      'div',
      { class: 'grid-2' },
      section(
        'Alerts per day',
        barChart(
          days.map((point) => ({
            label: point.day.slice(5),
            value: point.count,
            href: buildHash('/alerts', { since: `${point.day}T00:00:00.000Z`, until: nextDay(point.day) }),
          })),
          'Alerts per day',
        ),
      ),
      section(
        'Alerts by level',
        donut(
          LEVELS.map((level: Level) => ({
            label: level,
            value: byLevel[level] ?? 0,
            className: `level-${level}`,
            href: buildHash('/alerts', { level }),
          })),
          'Alerts by level',
        ),
      ),
      section(
        'New incidents',
        open.items.length === 0
          ? emptyState('No new incidents.')
          : h(
              'ul',
              { class: 'compact-list', 'data-nav-list': true },
              open.items.map((incident) =>
                h(
                  'li',
                  { 'data-nav-item': true },
                  levelBadge(incident.severity),
                  h('a', { href: `#/incidents/${incident.id}`, 'data-open': true }, incident.title),
                  h('span', { class: 'muted' }, timeAgo(incident.lastSeen)),
                ),
              ),
            ),
      ),
      section(
        'Incidents by status',
        rankList(
          INCIDENT_STATUSES.map((status) => ({
            label: statusLabel(status),
            value: byStatus[status] ?? 0,
            href: buildHash('/incidents', { status }),
            className: `fill-status-${status}`,
          })),
          'Incidents by status',
        ),
      ),
      section(
        'Top rules',
        rankList(
          (stats.topRules ?? []).map((rule) => ({
            label: rule.title,
            value: rule.count,
            href: buildHash('/alerts', { rule: rule.id }),
            className: `fill-level-${rule.level}`,
            badge: levelBadge(rule.level),
          })),
          'Top rules',
        ),
      ),
      section(
        'Top hosts',
        rankList(
          (stats.topHosts ?? []).map((host) => ({
            label: host.host,
            value: host.count,
            href: buildHash('/alerts', { host: host.host }),
          })),
          'Top hosts',
        ),
      ),
    ),
  );
}
