// The claims a test passes to mintAccessToken(): Cognito's own names, the
// shorthands `groups` and `scopes` (the names test users take), and claims of
// the test's own under a namespaced name. Any other key is refused, naming the
// claim probably meant: an ignored `groups` would mint a token without
// `cognito:groups`, and the test would then see a 403 it did not ask for.
import type { ClaimOverrides } from "./tokens.js";

/**
 * Cognito access-token claims (and `nbf`, `aud`, which attack tests set), and
 * `acr` / `amr` (RFC 9470: what a pre-token-generation trigger adds for step-up,
 * and what core's requireAuthLevel() reads; step-up tests mint them).
 */
export const ACCESS_TOKEN_CLAIMS = [
  "sub",
  "cognito:groups",
  "iss",
  "version",
  "client_id",
  "origin_jti",
  "event_id",
  "token_use",
  "scope",
  "auth_time",
  "exp",
  "iat",
  "jti",
  "username",
  "device_key",
  "nbf",
  "aud",
  "acr",
  "amr",
] as const;

/** What mintAccessToken() takes: claim overrides, plus `groups` and `scopes` as arrays. */
export type AccessClaimOverrides = ClaimOverrides & {
  /** The user's groups: `cognito:groups`. */
  groups?: readonly string[] | undefined;
  /** The token's scopes: `scope`, space-separated. */
  scopes?: readonly string[] | undefined;
};

const SHORTHANDS = { groups: "cognito:groups", scopes: "scope" } as const;
const KNOWN: readonly string[] = [...ACCESS_TOKEN_CLAIMS, ...Object.keys(SHORTHANDS)];

/**
 * A claim of the test's own: `custom:tenant`, `https://example.com/roles`
 * (Cognito's and OIDC's naming for added claims); `cognito:` names are Cognito's.
 */
const namespaced = (key: string) => !key.startsWith("cognito:") && (key.includes(":") || key.includes("/"));

/** The claim overrides for accessTokenClaims(): shorthands spelled out; throws a TypeError for an unknown key. */
export function accessClaimOverrides(claims: AccessClaimOverrides | undefined): ClaimOverrides | undefined {
  if (claims === undefined) return undefined;
  const overrides: ClaimOverrides = {};
  for (const [key, value] of Object.entries(claims)) {
    if (key === "groups" || key === "scopes") {
      const claim = SHORTHANDS[key];
      if (claim in claims) throw new TypeError(`mintAccessToken: "${key}" and "${claim}" both given; pass one`);
      if (value !== undefined && (!Array.isArray(value) || value.some((item) => typeof item !== "string"))) {
        throw new TypeError(`mintAccessToken: "${key}" must be an array of strings`);
      }
      overrides[claim] = value === undefined || key === "groups" ? value : (value as string[]).join(" ");
    } else if (KNOWN.includes(key) || namespaced(key)) {
      overrides[key] = value;
    } else {
      const meant = closest(key, KNOWN);
      const hint = meant === undefined ? `a claim of your own needs a namespaced name, such as "custom:${key}"` : `did you mean "${meant}"?`;
      throw new TypeError(`mintAccessToken: unknown claim "${key}" (${hint})`);
    }
  }
  return overrides;
}

// The same rule as core's option errors (closestKey in option-keys.ts); the
// test kit depends on no other package, so it keeps its own few lines.
function closest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const sameLetters = known.find((candidate) => candidate.toLowerCase() === lower);
  if (sameLetters !== undefined) return sameLetters;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const other = candidate.toLowerCase();
    if ((lower.length >= 4 && other.length >= 4 && (other.startsWith(lower) || lower.startsWith(other)))) return candidate;
    const distance = editDistance(lower, other);
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
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
