// Small numeric helpers shared by the sections and the report.

export function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function ratio(a, b) {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : NaN;
}

/** 12345.6 -> "12,346" */
export function fmtInt(value) {
  return Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "n/a";
}

/** 0.912 -> "91.2%" */
export function fmtPct(value, digits = 1) {
  return Number.isFinite(value) ? `${(value * 100).toFixed(digits)}%` : "n/a";
}

/** 12.345 -> "12.3×" */
export function fmtX(value, digits = 2) {
  return Number.isFinite(value) ? `${value.toFixed(digits)}×` : "n/a";
}

export function fmtMs(value, digits = 1) {
  return Number.isFinite(value) ? `${value.toFixed(digits)} ms` : "n/a";
}

export function fmtMiB(bytes, digits = 1) {
  return Number.isFinite(bytes) ? `${(bytes / 1048576).toFixed(digits)} MiB` : "n/a";
}
