import { h, svg } from './dom.js';

/**
 * Bar charts by day, drawn as SVG by hand (smaller than any chart library: a few hundred bytes of
 * code). Several series stack. Each bar has a <title> (hover), the chart an accessible summary; the
 * numbers themselves are in the table under the charts and in the CSV.
 */

export interface Series {
  name: string;
  values: number[];
  /** One of the palette classes: s1 … s4. */
  tone: string;
}

export interface ChartOptions {
  title: string;
  days: string[];
  series: Series[];
  format(value: number): string;
  /** Counts (generations, deploys): the axis never shows a half. */
  integer?: boolean;
}

const WIDTH = 440;
const HEIGHT = 170;
const LEFT = 48;
const BOTTOM = 22;
const TOP = 8;

export function barChart(options: ChartOptions): HTMLElement {
  const { days, series, format } = options;
  const totals = days.map((_, index) => series.reduce((sum, one) => sum + (one.values[index] ?? 0), 0));
  const max = Math.max(0, ...totals);
  const scaleMax = options.integer ? Math.max(2, niceCeiling(max)) : niceCeiling(max);
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const plotWidth = WIDTH - LEFT - 4;
  const slot = plotWidth / Math.max(1, days.length);
  const barWidth = Math.max(1, slot * 0.72);
  const y = (value: number) => TOP + plotHeight - (scaleMax === 0 ? 0 : (value / scaleMax) * plotHeight);
  const sum = totals.reduce((a, b) => a + b, 0);
  const busiest = totals.indexOf(max);
  const summary = `${options.title}: ${format(sum)} in total over ${days.length} days${max > 0 ? `; the most on ${days[busiest]} (${format(max)})` : ''}.`;

  // An empty range draws its baseline and says so, rather than stacking three zero labels.
  const grid = (scaleMax === 0 ? [0] : [0, 0.5, 1]).map((fraction) => {
    const value = scaleMax * fraction;
    return svg('g', { class: 'grid' }, svg('line', { x1: LEFT, x2: WIDTH - 4, y1: y(value), y2: y(value) }), svg('text', { x: LEFT - 6, y: y(value) + 4, 'text-anchor': 'end' }, format(value)));
  });
  const bars = days.map((day, index) => {
    let base = 0;
    const x = LEFT + index * slot + (slot - barWidth) / 2;
    return svg(
      'g',
      null,
      series.map((one) => {
        const value = one.values[index] ?? 0;
        if (value <= 0) return null;
        const top = y(base + value);
        const rect = svg('rect', { class: one.tone, x: x.toFixed(1), y: top.toFixed(1), width: barWidth.toFixed(1), height: Math.max(0.5, y(base) - top).toFixed(1) }, svg('title', null, `${day}: ${one.name} ${format(value)}`));
        base += value;
        return rect;
      }),
    );
  });
  const labelEvery = Math.max(1, Math.ceil(days.length / 6));
  const labels = days.map((day, index) =>
    // The last label ends at the edge instead of running past it; one too close to it gives way.
    index === days.length - 1
      ? svg('text', { class: 'axis', x: WIDTH - 4, y: HEIGHT - 6, 'text-anchor': 'end' }, day.slice(5))
      : index % labelEvery === 0 && days.length - 1 - index >= labelEvery / 2
        ? svg('text', { class: 'axis', x: (LEFT + index * slot + slot / 2).toFixed(1), y: HEIGHT - 6, 'text-anchor': 'middle' }, day.slice(5))
        : null,
  );
  return h(
    'figure',
    { class: 'chart' },
    h('figcaption', null, h('span', { class: 'chart-title' }, options.title), h('span', { class: 'chart-total' }, format(sum))),
    svg(
      'svg',
      { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': summary, preserveAspectRatio: 'xMidYMid meet' },
      grid,
      bars,
      labels,
      max === 0 ? svg('text', { class: 'no-data', x: LEFT + plotWidth / 2, y: TOP + plotHeight / 2, 'text-anchor': 'middle' }, 'Nothing in this range') : null,
    ),
    series.length > 1 ? h('ul', { class: 'legend' }, series.map((one) => h('li', null, h('span', { class: `swatch ${one.tone}`, 'aria-hidden': 'true' }), one.name))) : null,
  );
}

/** 1, 2, 4, 6, 8 × 10ⁿ at or above the value (0 stays 0). */
function niceCeiling(value: number): number {
  if (value <= 0) return 0;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 4, 6, 8, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

/** A horizontal gauge: how much of a limit is used (a native <meter>, so it is announced as one). */
export function gauge(label: string, used: number, limit: number | null | undefined, format: (value: number) => string, resetsAt?: string | null): HTMLElement {
  const id = `g-${label.replace(/\W+/g, '-').toLowerCase()}`;
  const unlimited = limit === null || limit === undefined;
  const share = unlimited || limit === 0 ? 0 : used / limit;
  // No limit, no meter: a gauge with nothing to fill would read as "empty".
  return h(
    'div',
    { class: `gauge${share >= 0.9 ? ' high' : share >= 0.7 ? ' medium' : ''}` },
    unlimited ? h('p', { class: 'gauge-label' }, label) : h('label', { for: id }, label),
    unlimited ? null : h('meter', { id, min: '0', max: String(limit || 1), value: String(Math.min(used, limit || 0)), low: String((limit || 1) * 0.7), high: String((limit || 1) * 0.9), optimum: '0' }),
    h('p', { class: 'gauge-figures' }, unlimited ? `${format(used)} used · no limit` : `${format(used)} of ${format(limit!)}${resetsAt ? ` · resets ${resetsAt.slice(0, 10)}` : ''}`),
  );
}
