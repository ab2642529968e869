// Small numeric helpers shared by the benches: percentiles over recorded samples, and formatting.

/** The p-th percentile (0-100) of `samples` by nearest rank; NaN when there are none. */
export function percentile(samples, p) {
  if (samples.length === 0) return NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** p50, p90, p99, p99.9 and max of latency samples in milliseconds. */
export function latencySummary(samples) {
  const sorted = Float64Array.from(samples).sort();
  const at = (p) =>
    sorted.length === 0
      ? NaN
      : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  return {
    count: sorted.length,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    p999: at(99.9),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
  };
}

export const ms = (v) => (Number.isFinite(v) ? `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ms` : "n/a");
export const int = (v) => Math.round(v).toLocaleString("en-US");
export const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
export const ratio = (a, b) => (b > 0 ? `${(a / b).toFixed(2)}x` : "n/a");
export const verdict = (ok) => (ok ? "MET" : "NOT MET");
