/**
 * Small hand-made SVG charts: bars over time, a donut of shares, horizontal bars for top-N lists. Colours
 * come from CSS classes (style.css), sizes from SVG attributes, so nothing needs an inline style (CSP).
 * Every mark carries a `<title>` (hover text and screen readers) and every chart an `aria-label`.
 */
import type { Child } from './dom.js';
import { h, s } from './dom.js';
import { formatCount, niceMax } from './format.js';

export interface BarPoint {
  readonly label: string;
  readonly value: number;
  readonly href?: string;
}

/** Vertical bars, e.g. alerts per day. Labels are thinned out so they never overlap. */
export function barChart(points: readonly BarPoint[], label: string, className = 'bar'): SVGSVGElement {
  const width = 640;
  const height = 180;
  const left = 44;
  const bottom = 22;
  const top = 8;
  const plotWidth = width - left - 4;
  const plotHeight = height - top - bottom;
  const max = niceMax(Math.max(0, ...points.map((point) => point.value)));
  const step = points.length === 0 ? plotWidth : plotWidth / points.length;
  const barWidth = Math.max(1, step * 0.8);
  const labelEvery = Math.max(1, Math.ceil(points.length / 8));
  const marks: Child[] = [];
  for (const [index, point] of points.entries()) {
    const barHeight = (point.value / max) * plotHeight;
    const x = left + index * step + (step - barWidth) / 2;
    const bar = s(
      'rect',
      {
        class: className,
        x: x.toFixed(1),
        y: (top + plotHeight - barHeight).toFixed(1),
        width: barWidth.toFixed(1),
        height: barHeight.toFixed(1),
      },
      s('title', {}, `${point.label}: ${formatCount(point.value)}`),
    );
    marks.push(point.href !== undefined ? s('a', { href: point.href }, bar) : bar);
    if (index % labelEvery === 0)
      marks.push(
        s(
          'text',
          {
            class: 'axis-label',
            x: (left + index * step + step / 2).toFixed(1),
            y: height - 6,
            'text-anchor': 'middle',
          },
          point.label,
        ),
      );
  }
  return s(
    'svg',
    {
      class: 'chart',
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-label': label,
      preserveAspectRatio: 'xMidYMid meet',
    },
    s('title', {}, label),
    s('line', { class: 'axis', x1: left, y1: top + plotHeight, x2: width - 4, y2: top + plotHeight }),
    s('line', { class: 'grid', x1: left, y1: top, x2: width - 4, y2: top }),
    s('line', { class: 'grid', x1: left, y1: top + plotHeight / 2, x2: width - 4, y2: top + plotHeight / 2 }),
    s('text', { class: 'axis-label', x: left - 6, y: top + 4, 'text-anchor': 'end' }, formatCount(max)),
    s(
      'text',
      { class: 'axis-label', x: left - 6, y: top + plotHeight / 2 + 4, 'text-anchor': 'end' },
      formatCount(max / 2),
    ),
    s('text', { class: 'axis-label', x: left - 6, y: top + plotHeight + 4, 'text-anchor': 'end' }, '0'),
    marks,
    points.length === 0
      ? s('text', { class: 'empty-label', x: width / 2, y: height / 2, 'text-anchor': 'middle' }, 'No data')
      : null,
  );
}

export interface Segment {
  readonly label: string;
  readonly value: number;
  /** CSS class giving the colour, e.g. `level-critical`. */
  readonly className: string;
  readonly href?: string;
}

/** A donut with the total in the middle and a legend beside it. */
export function donut(segments: readonly Segment[], label: string): HTMLElement {
  const total = segments.reduce((sum, segment) => sum + segment.value, 0);
  // r = 100 / 2π, so the circumference is 100 and dash lengths are percentages.
  const radius = 15.91549430918954;
  let offset = 25; // start at 12 o'clock
  const arcs: Child[] = [];
  for (const segment of segments) {
    if (segment.value <= 0 || total === 0) continue;
    const share = (segment.value / total) * 100;
    const arc = s(
      'circle',
      {
        class: `arc ${segment.className}`,
        cx: 21,
        cy: 21,
        r: radius,
        fill: 'none',
        'stroke-width': 6,
        'stroke-dasharray': `${share.toFixed(3)} ${(100 - share).toFixed(3)}`,
        'stroke-dashoffset': offset.toFixed(3),
      },
      s('title', {}, `${segment.label}: ${formatCount(segment.value)} (${share.toFixed(1)}%)`),
    );
    arcs.push(segment.href !== undefined ? s('a', { href: segment.href }, arc) : arc);
    offset = (offset - share + 100) % 100;
  }
  const svg = s(
    'svg',
    { class: 'donut', viewBox: '0 0 42 42', role: 'img', 'aria-label': label },
    s('title', {}, label),
    s('circle', { class: 'donut-ring', cx: 21, cy: 21, r: radius, fill: 'none', 'stroke-width': 6 }),
    arcs,
    s('text', { class: 'donut-total', x: 21, y: 22.5, 'text-anchor': 'middle' }, formatCount(total)),
  );
  return h(
    'div',
    { class: 'donut-wrap' },
    svg,
    h(
      'ul',
      { class: 'legend' },
      segments.map((segment) =>
        h(
          'li',
          {},
          h('span', { class: `swatch ${segment.className}`, 'aria-hidden': 'true' }),
          segment.href !== undefined ? h('a', { href: segment.href }, segment.label) : segment.label,
          h('span', { class: 'legend-count' }, formatCount(segment.value)),
        ),
      ),
    ),
  );
}

export interface RankItem {
  readonly label: string;
  readonly value: number;
  readonly href?: string;
  readonly className?: string;
  readonly badge?: Child;
}

/** Horizontal bars for a ranking (top rules, top hosts): the label stays readable text, the bar is SVG. */
export function rankList(items: readonly RankItem[], label: string): HTMLElement {
  const max = Math.max(1, ...items.map((item) => item.value));
  if (items.length === 0) return h('p', { class: 'muted' }, 'No data yet.');
  return h(
    'ol',
    { class: 'rank', 'aria-label': label },
    items.map((item) =>
      h(
        'li',
        {},
        h(
          'span',
          { class: 'rank-label' },
          item.badge ?? null,
          item.href !== undefined ? h('a', { href: item.href }, item.label) : item.label,
        ),
        h('span', { class: 'rank-count' }, formatCount(item.value)),
        s(
          'svg',
          { class: 'rank-bar', viewBox: '0 0 100 4', preserveAspectRatio: 'none', 'aria-hidden': 'true' },
          s('rect', {
            class: item.className ?? 'bar',
            x: 0,
            y: 0,
            height: 4,
            width: ((item.value / max) * 100).toFixed(2),
          }),
        ),
      ),
    ),
  );
}
