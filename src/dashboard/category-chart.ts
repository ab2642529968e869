import type { CategoryCount } from "./dashboard-queries.js";
import { html, type SafeHtml } from "./html.js";

/** Categories in the order they stack, with fixed colours so a category looks the same every day. */
const PALETTE: ReadonlyArray<readonly [string, string]> = [
  ["test", "#d9534f"],
  ["build", "#f0ad4e"],
  ["typecheck", "#8e6cc1"],
  ["lint", "#5b9bd5"],
  ["format", "#70c1b3"],
  ["dependency", "#e377c2"],
  ["timeout", "#8c564b"],
  ["oom", "#7f7f7f"],
  ["infra", "#bcbd22"],
  ["security", "#17becf"],
  ["unknown", "#a0a7b4"],
  ["pending", "#d5d9e0"],
];
const OTHER_COLOUR = "#4d5666";

export function categoryColour(category: string): string {
  return PALETTE.find(([c]) => c === category)?.[1] ?? OTHER_COLOUR;
}

export interface DaySeries {
  /** UTC days, oldest first, YYYY-MM-DD. */
  readonly days: readonly string[];
  /** Categories present in the range, in stacking order. */
  readonly categories: readonly string[];
  /** counts[day][category]. */
  readonly counts: ReadonlyMap<string, ReadonlyMap<string, number>>;
  readonly max: number;
}

/** The first UTC midnight of a `days`-day window ending today. */
export function windowStart(days: number, now: Date = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - (days - 1)));
}

/** Every day of the window, with zero days kept (a gap in the chart is information too). */
export function daySeries(rows: readonly CategoryCount[], days: number, now: Date = new Date()): DaySeries {
  const start = windowStart(days, now);
  const list: string[] = [];
  for (let i = 0; i < days; i++) list.push(new Date(start.getTime() + i * 86_400_000).toISOString().slice(0, 10));
  const counts = new Map<string, Map<string, number>>(list.map((d) => [d, new Map()]));
  const seen = new Set<string>();
  for (const r of rows) {
    const day = counts.get(r.day);
    if (!day || r.count <= 0) continue;
    day.set(r.category, (day.get(r.category) ?? 0) + r.count);
    seen.add(r.category);
  }
  const known = PALETTE.map(([c]) => c);
  const categories = [...known.filter((c) => seen.has(c)), ...[...seen].filter((c) => !known.includes(c)).sort()];
  let max = 0;
  for (const day of counts.values())
    max = Math.max(
      max,
      [...day.values()].reduce((a, b) => a + b, 0),
    );
  return { days: list, categories, counts, max };
}

/**
 * Stacked bars, one per day, as inline SVG (no script, no library): each segment has a <title>
 * so hovering says what it is, and a legend names the colours. Sized by viewBox so it scales.
 */
export function categoryChart(series: DaySeries): SafeHtml {
  const width = 1000;
  const height = 220;
  const left = 36;
  const bottom = 28;
  const top = 10;
  const plotH = height - bottom - top;
  const slot = (width - left - 8) / Math.max(1, series.days.length);
  const barW = Math.max(4, slot * 0.7);
  const max = Math.max(1, niceCeiling(series.max));
  const y = (n: number) => top + plotH - (n / max) * plotH;
  const ticks = [0, max / 2, max].filter((t, i, a) => Number.isInteger(t) && a.indexOf(t) === i);

  const bars = series.days.map((day, i) => {
    const x = left + i * slot + (slot - barW) / 2;
    let acc = 0;
    const perDay = series.counts.get(day) ?? new Map<string, number>();
    const segments = series.categories.map((category) => {
      const n = perDay.get(category) ?? 0;
      if (n === 0) return html``;
      const y0 = y(acc + n);
      const h = y(acc) - y0;
      acc += n;
      return html`<rect
        class="bar"
        data-day="${day}"
        data-category="${category}"
        x="${x.toFixed(1)}"
        y="${y0.toFixed(1)}"
        width="${barW.toFixed(1)}"
        height="${Math.max(1, h).toFixed(1)}"
        fill="${categoryColour(category)}"
        ><title>${day}: ${n} ${category}</title></rect
      >`;
    });
    // Every other day is labelled, counting back from today so the newest bar always has its date.
    const label =
      (series.days.length - 1 - i) % 2 === 0 || series.days.length <= 7
        ? html`<text class="axis" x="${(x + barW / 2).toFixed(1)}" y="${height - 10}" text-anchor="middle"
            >${day.slice(5)}</text
          >`
        : html``;
    const total = [...perDay.values()].reduce((a, b) => a + b, 0);
    const totalLabel =
      total > 0
        ? html`<text
            class="total"
            x="${(x + barW / 2).toFixed(1)}"
            y="${(y(total) - 3).toFixed(1)}"
            text-anchor="middle"
            >${total}</text
          >`
        : html``;
    return html`${segments}${totalLabel}${label}`;
  });
  const grid = ticks.map(
    (t) =>
      html`<line class="grid" x1="${left}" x2="${width - 4}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}"></line
        ><text class="axis" x="${left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${t}</text>`,
  );
  const legend = series.categories.map(
    (c) =>
      html`<li>
        <svg width="12" height="12" aria-hidden="true">
          <rect width="12" height="12" fill="${categoryColour(c)}"></rect>
        </svg>
        ${c}
      </li>`,
  );
  const first = series.days[0] ?? "";
  const last = series.days[series.days.length - 1] ?? "";
  return html`<figure class="chart" id="category-chart">
    <svg viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="chart-title" preserveAspectRatio="xMidYMid meet">
      <title id="chart-title">Failures by category per day (UTC), ${first} to ${last}</title>
      ${grid}${bars}
    </svg>
    ${
      series.categories.length
        ? html`<ul class="legend">
            ${legend}
          </ul>`
        : html`<p class="empty">No failures in these ${series.days.length} days.</p>`
    }
  </figure>`;
}

/** 1, 2, 5, 10, 20, 50… so the axis reads in round numbers. */
function niceCeiling(n: number): number {
  if (n <= 2) return 2;
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 5, 10]) if (m * p >= n) return m * p;
  return 10 * p;
}
