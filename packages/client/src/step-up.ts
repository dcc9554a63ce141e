// RFC 9470 step-up, the client's side: an API's 401 with
// error="insufficient_user_authentication" names the acr_values and/or max_age
// it needs; the user signs in once more with them (through the token handler's
// /auth/login, which passes them to Cognito) and comes back to this page.
// What passes from the challenge into a URL is bounded here, as core and the
// token handler bound it: known-safe characters only, a few values, no injection.

/** What an API's step-up challenge asks for. */
export interface StepUpChallenge {
  /** Acceptable acr values (the token's `acr` must be one of them). */
  acrValues?: string[];
  /** The sign-in must be at most this many seconds old. */
  maxAge?: number;
}

/** The same bounds as core's requireAuthLevel and the token handler's /auth/login. */
const ACR_VALUE = /^[A-Za-z0-9._:/~+=@-]{1,128}$/;
const MAX_ACR_VALUES = 8;
const MAX_AGE_LIMIT = 366 * 24 * 3600;
/** `name=value` auth-params of a challenge: a token or a quoted-string (RFC 9110 §11.2). */
const AUTH_PARAM = /([A-Za-z0-9_-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]+)/g;

/**
 * The step-up a 401's `WWW-Authenticate` asks for, or undefined when it is not
 * a step-up challenge, or carries values outside the bounds (then no sign-in starts).
 */
export function stepUpChallengeOf(header: string | null): StepUpChallenge | undefined {
  if (header === null || header.length > 4096) return undefined;
  const params = new Map<string, string>();
  for (const [, name, raw] of header.matchAll(AUTH_PARAM)) {
    const value = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, "$1") : raw;
    if (!params.has(name.toLowerCase())) params.set(name.toLowerCase(), value);
  }
  if (params.get("error") !== "insufficient_user_authentication") return undefined;
  const challenge: StepUpChallenge = {};
  const acr = params.get("acr_values");
  if (acr !== undefined) {
    const values = acr.split(" ");
    if (values.length > MAX_ACR_VALUES || values.some((value) => !ACR_VALUE.test(value))) return undefined;
    challenge.acrValues = values;
  }
  const maxAge = params.get("max_age");
  if (maxAge !== undefined) {
    if (!/^\d{1,9}$/.test(maxAge) || Number(maxAge) > MAX_AGE_LIMIT) return undefined;
    challenge.maxAge = Number(maxAge);
  }
  return challenge;
}

/** The token handler's sign-in URL for a step-up that returns to `returnTo`. */
export function stepUpLoginUrl(loginUrl: string, base: string, returnTo: string, challenge: StepUpChallenge): string {
  const url = new URL(loginUrl, base);
  url.searchParams.set("returnTo", returnTo);
  if (challenge.acrValues !== undefined) url.searchParams.set("acr_values", challenge.acrValues.join(" "));
  if (challenge.maxAge !== undefined) url.searchParams.set("max_age", String(challenge.maxAge));
  return url.toString();
}
