// Formatting of the `WWW-Authenticate` challenge (RFC 6750 §3, RFC 9110 §11.6.1).
// Attribute values become quoted-strings; anything that could end the quoted
// string or the header line is escaped or dropped, so a value can never inject
// a header or another attribute.

const UNSAFE_IN_QUOTED_STRING = /[^\x20-\x7e]/g;

/** Quote a value as an RFC 9110 quoted-string, keeping printable ASCII only. */
export function quoteHeaderValue(value: string): string {
  return `"${value.replace(UNSAFE_IN_QUOTED_STRING, "").replace(/[\\"]/g, "\\$&")}"`;
}

export interface ChallengeParams {
  realm: string;
  error?: string;
  errorDescription?: string;
  scope?: string;
  /** RFC 9470 step-up: acceptable acr values, space-separated. */
  acrValues?: string;
  /** RFC 9470 step-up: the greatest acceptable age of the sign-in, in seconds. */
  maxAge?: number;
  /** RFC 9728 §5.1: the absolute URL of the protected resource metadata document. */
  resourceMetadata?: string | undefined;
}

/** `Bearer realm="api", error="invalid_token", error_description="…"` */
export function formatBearerChallenge({ realm, error, errorDescription, scope, acrValues, maxAge, resourceMetadata }: ChallengeParams): string {
  let challenge = `Bearer realm=${quoteHeaderValue(realm)}`;
  if (error !== undefined) challenge += `, error=${quoteHeaderValue(error)}`;
  if (errorDescription !== undefined) challenge += `, error_description=${quoteHeaderValue(errorDescription)}`;
  if (scope !== undefined) challenge += `, scope=${quoteHeaderValue(scope)}`;
  // RFC 9470 §3 quotes both (its example: max_age="5").
  if (acrValues !== undefined) challenge += `, acr_values=${quoteHeaderValue(acrValues)}`;
  if (maxAge !== undefined) challenge += `, max_age=${quoteHeaderValue(String(maxAge))}`;
  if (resourceMetadata !== undefined) challenge += `, resource_metadata=${quoteHeaderValue(resourceMetadata)}`;
  return challenge;
}
