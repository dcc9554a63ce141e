// Bearer credentials in the Authorization header, per RFC 6750 §2.1:
//   credentials = "Bearer" 1*SP b64token
//   b64token    = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
// The scheme is case-insensitive (RFC 9110 §11.1). Splitting the header from
// checking the token's characters lets a cached token skip the character scan:
// a token in the verified-token cache passed it already, byte for byte.
import { AuthError } from "./errors.js";

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const BEARER_LOWER = "bearer";
const SCHEME_LENGTH = BEARER_LOWER.length;
const SPACE = 0x20;
const TAB = 0x09;

/**
 * The raw credentials of a Bearer Authorization header, unchecked.
 * Returns `undefined` when there are no Bearer credentials at all (no header, or
 * another scheme such as Basic): the request is anonymous, not malformed.
 * Throws `invalid_request` when the Bearer scheme carries no token.
 */
export function readBearerCredentials(authorization: string | string[] | undefined, realm?: string): string | undefined {
  if (authorization === undefined) return undefined;
  if (typeof authorization !== "string") {
    // Node keeps only the first Authorization header; an array means a caller assembled several.
    if (authorization.length === 0) return undefined;
    if (authorization.length > 1) throw malformed("Several Authorization headers were sent", realm);
    authorization = authorization[0];
  }
  if (!startsWithBearerScheme(authorization)) return undefined;
  if (authorization.length === SCHEME_LENGTH) throw malformed("The Bearer token is empty", realm);
  const separator = authorization.charCodeAt(SCHEME_LENGTH);
  if (separator === TAB) throw malformed("The Bearer scheme must be followed by a space", realm);
  if (separator !== SPACE) return undefined; // e.g. "BearerXYZ": another scheme
  let start = SCHEME_LENGTH + 1;
  while (start < authorization.length && authorization.charCodeAt(start) === SPACE) start++;
  const credentials = authorization.slice(start).trimEnd();
  if (credentials.length === 0) throw malformed("The Bearer token is empty", realm);
  return credentials;
}

/** Throws `invalid_request` unless the credentials are a single RFC 6750 b64token. */
export function assertBearerTokenSyntax(credentials: string, realm?: string): void {
  if (B64TOKEN.test(credentials)) return;
  if (/\s/.test(credentials)) throw malformed("The Bearer credentials must be a single token", realm);
  throw malformed("The Bearer token contains characters that are not allowed", realm);
}

/**
 * Extract the Bearer token of an Authorization header value (RFC 6750 §2.1).
 * `undefined` when no Bearer credentials were sent; throws AuthError (400
 * `invalid_request`) when they are malformed.
 */
export function extractBearerToken(authorization: string | string[] | undefined, realm?: string): string | undefined {
  const credentials = readBearerCredentials(authorization, realm);
  if (credentials !== undefined) assertBearerTokenSyntax(credentials, realm);
  return credentials;
}

/** Case-insensitive "Bearer" prefix, compared in place: this runs on every request. */
function startsWithBearerScheme(value: string): boolean {
  if (value.length < SCHEME_LENGTH) return false;
  for (let i = 0; i < SCHEME_LENGTH; i++) {
    // ASCII letters: setting bit 0x20 lower-cases them.
    if ((value.charCodeAt(i) | 0x20) !== BEARER_LOWER.charCodeAt(i)) return false;
  }
  return true;
}

function malformed(description: string, realm: string | undefined): AuthError {
  return new AuthError("malformed_credentials", { description, realm });
}
