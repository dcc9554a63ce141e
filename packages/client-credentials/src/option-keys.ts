// Unknown option keys are refused with the key that was probably meant, as in
// @cognito-bearer/core: an ignored `scope` (for `scopes`) would silently ask
// Cognito for every scope of the client. Kept here rather than imported, so this
// package depends on nothing.
import { OptionsError } from "./errors.js";

export function assertKnownKeys(value: object, known: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const meant = closestKey(key, known);
    const suggestion = meant === undefined ? `known options: ${known.join(", ")}` : `did you mean "${meant}"?`;
    throw new OptionsError(`unknown option "${where}${key}" (${suggestion})`);
  }
}

/** The known key closest to `key`: same letters in another case, one the start of the other, or a small edit distance. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const candidateLower = candidate.toLowerCase();
    if (candidateLower === lower) return candidate;
    if (lower.length >= 4 && candidateLower.length >= 4 && (candidateLower.startsWith(lower) || lower.startsWith(candidateLower))) return candidate;
    const distance = editDistance(lower, candidateLower);
    if (distance <= Math.min(3, Math.floor(Math.max(key.length, candidate.length) / 3)) && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
