// The daily spend chart: uPlot bars, stacked by engine/model. uPlot does not stack by itself, so each series is
// drawn as its running total from the bottom of the stack, topmost first, and every lower series paints over the
// part of the bar below it. What the chart shows in words (legend, hover line, data table) uses the real values.
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { html } from './finance-html.js';
import { formatUsd } from './finance-model.js';

/** Distinguishable on white and for the common colour-vision deficiencies (Okabe-Ito, then greys). */
export const SERIES_COLOURS = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#555555'];
export const colourOf = (i) => SERIES_COLOURS[i % SERIES_COLOURS.length];

const DAY_S = 86_400;
const HALF_DAY_S = DAY_S / 2;
const DAY_STEPS = [1, 2, 3, 7, 14, 28, 56, 91, 182, 364].map((n) => n * DAY_S);
const dayLabel = (seconds) =>
  new Date(seconds * 1000).toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
const dollars = (v) =>
  v === 0
    ? '$0'
    : Math.abs(v) >= 100
      ? `$${v.toFixed(0)}`
      : Math.abs(v) >= 1
        ? `$${v.toFixed(2)}`
        : `$${v.toPrecision(2)}`;

function chartOptions(width, series, onHover) {
  const bars = uPlot.paths.bars({ size: [0.72, 56], gap: 1 });
  const drawn = series.map((s, i) => ({ s, i })).reverse();
  return {
    width,
    height: 300,
    legend: { show: false },
    cursor: { points: { show: false }, drag: { x: false, y: false, setScale: false }, y: false },
    // Bars sit on UTC midnights; half a day either side keeps the first and last bar whole.
    scales: {
      x: { time: true, range: (u, min, max) => [min - HALF_DAY_S, max + HALF_DAY_S] },
      y: { range: (u, min, max) => [0, max > 0 ? max * 1.08 : 1] },
    },
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
    axes: [
      {
        stroke: '#4b5563',
        grid: { show: false },
        ticks: { stroke: '#dde1e6' },
        // Whole days only: one label per bar while they fit, then every few days.
        incrs: DAY_STEPS,
        space: 44,
        values: (u, splits) => splits.map(dayLabel),
      },
      {
        stroke: '#4b5563',
        size: 64,
        grid: { stroke: '#eceff3' },
        ticks: { show: false },
        values: (u, splits) => splits.map(dollars),
      },
    ],
    series: [
      {},
      ...drawn.map(({ s, i }) => ({
        label: s.name,
        fill: colourOf(i),
        stroke: colourOf(i),
        width: 0,
        paths: bars,
        points: { show: false },
      })),
    ],
    hooks: { setCursor: [(u) => onHover(u.cursor.idx ?? null)] },
  };
}

/** uPlot's data: x in seconds, then each series' running total, topmost first (the order it is drawn in). */
function chartData(days, series) {
  const xs = days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
  const stacked = [];
  let running = days.map(() => 0);
  for (const s of series) {
    running = running.map((v, i) => v + s.values[i]);
    stacked.push(running);
  }
  return [xs, ...stacked.reverse()];
}

/** @param {{days: string[], series: {name: string, total: string, perDay: string[], values: number[]}[]}} props */
export function SpendChart({ days, series }) {
  const host = useRef(null);
  const [hover, setHover] = useState(null);

  useEffect(() => {
    const element = host.current;
    if (!element || series.length === 0) return undefined;
    const plot = new uPlot(chartOptions(element.clientWidth, series, setHover), chartData(days, series), element);
    const resize = new ResizeObserver(() => plot.setSize({ width: element.clientWidth, height: 300 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [days, series]);

  if (series.length === 0) return html`<p class="empty" id="chart-empty">No priced spend in this range.</p>`;
  const hovered = hover === null ? null : days[hover];
  return html`
    <div
      class="chart"
      id="spend-chart"
      ref=${host}
      role="img"
      aria-label=${`Daily spend from ${days[0]} to ${days.at(-1)}, stacked by engine and model; the same figures are in the table below the chart.`}
    ></div>
    <p class="hover-line" aria-live="off" id="chart-hover">
      ${
        hovered
          ? html`<strong>${hovered}</strong> ${series.map(
                (s, i) =>
                  html`<span class="hover-item"
                    ><span class="swatch" style=${{ background: colourOf(i) }}></span
                    >${`${s.name}: ${formatUsd(s.perDay[hover])}`}</span
                  >`,
              )}`
          : html`<span class="muted">Point at a bar for that day's figures.</span>`
      }
    </p>
    <ul class="legend" id="chart-legend" aria-label="Series totals for the range">
      ${series.map(
        (s, i) =>
          html`<li data-series=${s.name} data-usd=${s.total}>
            <span class="swatch" style=${{ background: colourOf(i) }}></span>
            <span class="legend-name">${s.name}</span>
            <span class="legend-total" title=${`$${s.total}`}>${formatUsd(s.total)}</span>
          </li>`,
      )}
    </ul>
    <details class="chart-data">
      <summary>The chart's figures as a table</summary>
      <div class="table-scroll">
        <table id="chart-table">
          <caption class="visually-hidden">
            Priced spend per UTC day and engine/model, USD
          </caption>
          <thead>
            <tr>
              <th scope="col">Day (UTC)</th>
              ${series.map((s) => html`<th scope="col">${s.name}</th>`)}
            </tr>
          </thead>
          <tbody>
            ${days.map(
              (d, row) =>
                html`<tr>
                  <th scope="row">${d}</th>
                  ${series.map((s) => html`<td class="num" data-usd=${s.perDay[row]}>${formatUsd(s.perDay[row])}</td>`)}
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
    </details>
  `;
}
