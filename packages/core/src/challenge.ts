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
}

/** `Bearer realm="api", error="invalid_token", error_description="…"` */
export function formatBearerChallenge({ realm, error, errorDescription, scope }: ChallengeParams): string {
  let challenge = `Bearer realm=${quoteHeaderValue(realm)}`;
  if (error !== undefined) challenge += `, error=${quoteHeaderValue(error)}`;
  if (errorDescription !== undefined) challenge += `, error_description=${quoteHeaderValue(errorDescription)}`;
  if (scope !== undefined) challenge += `, scope=${quoteHeaderValue(scope)}`;
  return challenge;
}
