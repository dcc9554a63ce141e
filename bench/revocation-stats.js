// Small numeric helpers of the revocation bench (nearest-rank percentiles, medians).

/** Nearest-rank percentile of `values` (0 < p ≤ 100). */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function median(values) {
  return percentile(values, 50);
}

export const ms = (value) => `${value.toFixed(value < 10 ? 2 : 1)} ms`;
export const int = (value) => Math.round(value).toLocaleString("en");
export const mib = (bytes) => `${(bytes / 1048576).toFixed(1)} MiB`;
