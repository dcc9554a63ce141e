// Unknown option keys are refused, because an ignored key can switch a check
// off: `{ scope: "admin/write" }` would otherwise accept tokens without that
// scope. TypeScript catches literal typos; plain JavaScript and options built
// from other objects (configuration files, spreads) are the users at risk.
import { OptionsError } from "./option-error.js";

/**
 * Throw an OptionsError for the first key of `value` that is not in `known`,
 * naming the key that was probably meant. `where` prefixes the key in the
 * message (`jwks.`, `[1].`); `hint` may explain a key that belongs elsewhere.
 */
export function assertKnownKeys(
  value: object,
  known: readonly string[],
  where: string,
  hint?: (key: string) => string | undefined,
): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const explained = hint?.(key);
    if (explained !== undefined) throw new OptionsError(`${where}${key}: ${explained}`);
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
    // A unit or plural left off or added: `maxAge` for `maxAgeSeconds`, `timeoutMsec` for `timeoutMs`.
    if (lower.length >= 4 && candidateLower.length >= 4 && (candidateLower.startsWith(lower) || lower.startsWith(candidateLower))) return candidate;
    const distance = editDistance(lower, candidateLower);
    // A third of the longer word, at most three edits: a typo, not another word.
    if (distance <= Math.min(3, Math.floor(Math.max(key.length, candidate.length) / 3)) && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance, for keys of a few characters. */
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
