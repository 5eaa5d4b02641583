/**
 * The ATT&CK heatmap: tactics as columns, techniques as cells. The fill says how many alerts were seen
 * (log scale), the outline whether any loaded rule covers the technique, so the two questions an analyst
 * asks ("what is happening?" and "what could we miss?") are answered by one picture. A technique seen
 * but not covered comes from alerts of rules no longer loaded, which is worth a card of its own.
 */
import { api } from '../api.js';
import { h, mount } from '../dom.js';
import { formatCount, heatBucket } from '../format.js';
import { buildHash } from '../route.js';
import type { ViewContext } from '../router.js';
import type { Heatmap, HeatmapTactic, HeatmapTechnique } from '../types.js';
import { emptyState, loading, pageHeader } from '../ui.js';

const UNPLACED: HeatmapTactic = { shortname: '', name: 'Tactic not known' };

interface Column {
  readonly tactic: HeatmapTactic;
  readonly techniques: HeatmapTechnique[];
}

function columns(map: Heatmap, visible: (technique: HeatmapTechnique) => boolean): Column[] {
  const byTactic = new Map<string, Column>();
  for (const tactic of map.tactics) byTactic.set(tactic.shortname, { tactic, techniques: [] });
  const unplaced: Column = { tactic: UNPLACED, techniques: [] };
  for (const technique of map.techniques) {
    if (!visible(technique)) continue;
    const homes = technique.tactics
      .map((shortname) => byTactic.get(shortname))
      .filter((column): column is Column => column !== undefined);
    if (homes.length === 0) unplaced.techniques.push(technique);
    for (const column of homes) column.techniques.push(technique);
  }
  const out = [...byTactic.values(), ...(unplaced.techniques.length > 0 ? [unplaced] : [])];
  for (const column of out)
    column.techniques.sort(
      (a, b) => b.alertsSeen - a.alertsSeen || b.rules - a.rules || a.id.localeCompare(b.id),
    );
  return out;
}

function describe(technique: HeatmapTechnique): string {
  const coverage =
    technique.rules === 0
      ? 'no rule covers it'
      : `${formatCount(technique.rules)} rule${technique.rules === 1 ? '' : 's'}`;
  return `${technique.id}${technique.name !== undefined ? ` ${technique.name}` : ''}: ${formatCount(technique.alertsSeen)} alerts seen, ${coverage}`;
}

export async function attackView(context: ViewContext): Promise<void> {
  mount(context.root, pageHeader('ATT&CK'), loading());
  const map = await api.get<Heatmap>('/attack/heatmap', undefined, context.signal);
  if (context.signal.aborted) return;

  const max = Math.max(0, ...map.techniques.map((technique) => technique.alertsSeen));
  const seen = map.techniques.filter((technique) => technique.alertsSeen > 0).length;
  const covered = map.techniques.filter((technique) => technique.rules > 0).length;
  const seenUncovered = map.techniques.filter(
    (technique) => technique.alertsSeen > 0 && technique.rules === 0,
  ).length;

  const onlyActive = h('input', {
    type: 'checkbox',
    id: 'only-active',
    checked: context.query.get('all') !== '1',
  });
  const search = h('input', {
    type: 'search',
    placeholder: 'Filter techniques (id or name)',
    'data-search': true,
    'aria-label': 'Filter techniques',
    value: context.query.get('q') ?? '',
  });
  const info = h('p', { class: 'heat-info', role: 'status' }, 'Point at or focus a cell for details.');
  const grid = h('div', { class: 'heatmap-wrap' });

  const draw = (): void => {
    const text = search.value.trim().toLowerCase();
    const visible = (technique: HeatmapTechnique): boolean =>
      (!onlyActive.checked || technique.alertsSeen > 0 || technique.rules > 0) &&
      (text === '' ||
        technique.id.toLowerCase().includes(text) ||
        (technique.name ?? '').toLowerCase().includes(text));
    const cols = columns(map, visible).filter(
      (column) => column.techniques.length > 0 || !onlyActive.checked,
    );
    if (cols.length === 0) {
      mount(
        grid,
        emptyState(
          map.techniques.length === 0
            ? 'No ATT&CK data: import the catalogue and load rules with ATT&CK tags.'
            : 'No technique matches.',
        ),
      );
      return;
    }
    // Without tactics (no catalogue) there is one column of everything: lay it out as tiles instead.
    const tiles = cols.length === 1 && cols[0]!.tactic === UNPLACED;
    mount(
      grid,
      h(
        'div',
        {
          class: tiles ? 'heatmap tiles' : 'heatmap',
          role: 'group',
          'aria-label': 'ATT&CK techniques by tactic',
          'data-nav-list': true,
        },
        cols.map((column) =>
          h(
            'section',
            { class: 'heat-col' },
            h(
              'h2',
              { class: 'heat-tactic', title: column.tactic.id ?? column.tactic.shortname },
              column.tactic.name ?? column.tactic.shortname,
              h('span', { class: 'muted small' }, ` ${formatCount(column.techniques.length)}`),
            ),
            column.techniques.map((technique) => {
              const label = describe(technique);
              return h(
                'a',
                {
                  class: `heat-cell heat-${heatBucket(technique.alertsSeen, max)} ${technique.rules > 0 ? 'covered' : 'uncovered'}`,
                  href: buildHash('/alerts', { technique: technique.id }),
                  title: label,
                  'aria-label': label,
                  'data-nav-item': true,
                  'data-open': true,
                  'data-technique': technique.id,
                  onmouseenter: () => (info.textContent = label),
                  onfocus: () => (info.textContent = label),
                },
                h('span', { class: 'heat-id' }, technique.id),
                h('span', { class: 'heat-name' }, technique.name ?? ''),
                technique.alertsSeen > 0
                  ? h('span', { class: 'heat-count' }, formatCount(technique.alertsSeen))
                  : null,
              );
            }),
          ),
        ),
      ),
    );
  };
  onlyActive.addEventListener('change', draw);
  search.addEventListener('input', draw);

  mount(
    context.root,
    pageHeader('ATT&CK'),
    h(
      'div',
      { class: 'cards' },
      h(
        'div',
        { class: 'card' },
        h('span', { class: 'card-value' }, formatCount(seen)),
        h('span', { class: 'card-label' }, 'techniques seen in alerts'),
      ),
      h(
        'div',
        { class: 'card' },
        h('span', { class: 'card-value' }, formatCount(covered)),
        h('span', { class: 'card-label' }, `of ${formatCount(map.techniques.length)} covered by rules`),
      ),
      seenUncovered > 0
        ? h(
            'div',
            { class: 'card card-warn' },
            h('span', { class: 'card-value' }, formatCount(seenUncovered)),
            h('span', { class: 'card-label' }, 'seen without a rule of ours'),
          )
        : null,
    ),
    h(
      'div',
      { class: 'filters' },
      search,
      h('label', { class: 'check' }, onlyActive, ' Only techniques with rules or alerts'),
      h(
        'div',
        { class: 'heat-legend', 'aria-label': 'Legend' },
        h('span', {}, 'alerts:'),
        [0, 1, 2, 3, 4, 5].map((bucket) =>
          h('span', {
            class: `heat-swatch heat-${bucket}`,
            title: bucket === 0 ? 'none' : `level ${bucket} of 5 (log scale)`,
          }),
        ),
        h('span', { class: 'heat-swatch covered' }, 'rule'),
        h('span', { class: 'heat-swatch uncovered' }, 'no rule'),
      ),
    ),
    map.catalogue !== undefined && !map.catalogue.loaded
      ? h(
          'p',
          { class: 'notice' },
          h('strong', {}, 'No ATT&CK catalogue: '),
          map.catalogue.hint ?? 'technique names and tactics are unknown.',
        )
      : null,
    info,
    grid,
  );
  draw();
}
