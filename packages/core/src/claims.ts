// Checks aws-jwt-verify leaves to us, run inside its verification so the token
// is decoded once:
// - the header must not ask for anything we do not do (RFC 7515 §4.1.11 `crit`),
//   nor point at keys of its own (`jku`, `jwk`, `x5u`, `x5c`: we never fetch or
//   trust them, and Cognito never sends them), and its `alg` must be allowed;
// - the claims must have Cognito's access-token shape and types. aws-jwt-verify
//   checks `exp` only when present and accepts arrays for `client_id`; an access
//   token without `exp`, or with claims of the wrong type, is refused here.
import { callerKindOf, type CognitoAccessTokenClaims } from "./auth.js";
import { AuthError } from "./errors.js";

const EMBEDDED_KEY_HEADERS = ["jku", "jwk", "x5u", "x5c", "x5t", "x5t#S256"];

/** Header checks, before any key is looked up: a refused header never causes a JWKS fetch. */
export function assertAcceptableHeader(header: Record<string, unknown>, algorithms: ReadonlySet<string>, realm: string): void {
  if (typeof header.alg !== "string" || !algorithms.has(header.alg)) {
    throw new AuthError("algorithm_not_allowed", { realm });
  }
  if (typeof header.kid !== "string" || header.kid.length === 0) {
    throw new AuthError("unknown_key", { description: "The access token has no key id", realm });
  }
  if (header.crit !== undefined) {
    // We understand no JWS extension, so any `crit` list must be refused.
    throw new AuthError("unsupported_header", { description: "The access token requires an unsupported extension", realm });
  }
  for (const name of EMBEDDED_KEY_HEADERS) {
    if (header[name] !== undefined) {
      throw new AuthError("unsupported_header", { description: "The access token header references its own key", realm });
    }
  }
}

/**
 * The signature must be spelled in canonical base64url (no padding, zero trailing
 * bits). aws-jwt-verify decodes it leniently, so without this check one signature
 * has many spellings: distinct token strings, all verifying, that defeat anything
 * keyed by the token string (the verified-token cache, a denylist of tokens).
 */
export function assertCanonicalSignature(signatureB64: string, realm: string): void {
  // aws-jwt-verify's format check already limits it to base64url characters with
  // at most two trailing "="; what remains is padding, an impossible length, and
  // bits set in the last character beyond the encoded bytes.
  const length = signatureB64.length;
  const remainder = length % 4;
  const last = signatureB64.charCodeAt(length - 1);
  if (remainder === 1 || last === EQUALS_SIGN) throw new AuthError("invalid_signature", { realm });
  if (remainder === 0) return;
  const unusedBits = remainder === 2 ? 0b1111 : 0b11;
  if ((BASE64URL_ALPHABET.indexOf(String.fromCharCode(last)) & unusedBits) !== 0) {
    throw new AuthError("invalid_signature", { realm });
  }
}

const EQUALS_SIGN = 0x3d;
const BASE64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

export interface ClaimPolicy {
  clientIds: ReadonlySet<string>;
  graceSeconds: number;
  /** With the `audience` option: the resources (RFC 8707) one of which `aud` must name; undefined: `aud` is not read. */
  audiences?: ReadonlySet<string> | undefined;
}

/** Cognito access-token claims, typed and checked; `nowSeconds` is the verification time. */
export function assertCognitoAccessClaims(
  payload: Record<string, unknown>,
  policy: ClaimPolicy,
  nowSeconds: number,
  realm: string,
): asserts payload is CognitoAccessTokenClaims {
  if (payload.token_use !== "access") throw new AuthError("wrong_token_use", { realm });
  if (typeof payload.client_id !== "string" || !policy.clientIds.has(payload.client_id)) {
    throw new AuthError("client_not_accepted", { realm });
  }
  if (policy.audiences !== undefined && !hasAudience(payload.aud, policy.audiences)) throw new AuthError("audience", { realm });
  if (!isFiniteNumber(payload.exp)) throw invalid("The access token has no valid expiry", realm);
  if (payload.exp + policy.graceSeconds <= nowSeconds) throw new AuthError("expired", { realm });
  if (payload.nbf !== undefined && (!isFiniteNumber(payload.nbf) || payload.nbf - policy.graceSeconds > nowSeconds)) {
    throw new AuthError("not_yet_valid", { realm });
  }
  if (payload.iat !== undefined) {
    if (!isFiniteNumber(payload.iat)) throw invalid("The access token issue time is invalid", realm);
    if (payload.iat - policy.graceSeconds > nowSeconds) throw new AuthError("issued_in_future", { realm });
  }
  if (typeof payload.sub !== "string" || payload.sub === "") throw invalid("The access token has no subject", realm);
  if (typeof payload.iss !== "string") throw new AuthError("issuer_not_accepted", { realm });
  if (payload.username !== undefined && typeof payload.username !== "string") throw invalid("The access token username is invalid", realm);
  if (payload.scope !== undefined && typeof payload.scope !== "string") throw invalid("The access token scope is invalid", realm);
  if (payload.auth_time !== undefined && !isFiniteNumber(payload.auth_time)) throw invalid("The access token auth_time is invalid", realm);
  if (!isStringArray(payload["cognito:groups"])) throw invalid("The access token groups are invalid", realm);
  if (payload.acr !== undefined && typeof payload.acr !== "string") throw invalid("The access token acr is invalid", realm);
  if (!isStringArray(payload.amr)) throw invalid("The access token amr is invalid", realm);
  // A user's token has a username; a client-credentials token has none, and its sub is its client id.
  if (callerKindOf(payload as CognitoAccessTokenClaims) === undefined) {
    throw invalid("The access token has no username and is not a client-credentials token", realm);
  }
}

/** `aud` is a string or an array of strings (RFC 7519 §4.1.3); one of them must be an accepted resource. */
function hasAudience(aud: unknown, accepted: ReadonlySet<string>): boolean {
  if (typeof aud === "string") return accepted.has(aud);
  return Array.isArray(aud) && aud.some((value) => typeof value === "string" && accepted.has(value));
}

/** Absent, or an array of strings. */
function isStringArray(value: unknown): boolean {
  return value === undefined || (Array.isArray(value) && value.every((item) => typeof item === "string"));
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function invalid(description: string, realm: string): AuthError {
  return new AuthError("invalid_claims", { description, realm });
}
