// What a revocation list is to the verifier: a set of entries it consults on
// every request, cached token or not, synchronously, and the three ways to add
// to it. Cognito's own revocation (RevokeToken, /oauth2/revoke, GlobalSignOut)
// never reaches a verifier that checks JWTs locally, so this is how a sign-out
// or a ban bites before the access token expires.
import type { CognitoAccessTokenClaims, CognitoAuth } from "../auth.js";

/** What a list says of a token: nothing (it may pass), or why it may not. */
export type RevocationVerdict =
  /** A matching entry: 401 `invalid_token` (reason `revoked`). */
  | "revoked"
  /** No `origin_jti`, with `requireOriginJti`: 401 `invalid_token` (reason `not_revocable`). */
  | "not_revocable"
  /** The list cannot vouch for itself (a shared list out of touch beyond its bound): 503. */
  | "unavailable"
  | undefined;

export interface RevokeUserOptions {
  /** Tokens whose `auth_time` (sign-in time) is before this are refused. Default: now. A Date or milliseconds since the epoch. */
  before?: Date | number | undefined;
}

/** A revocation list, given to `createVerifier({ revocations })`. */
export interface RevocationList {
  /**
   * Refuse every token of this sign-in (its `origin_jti`), every refresh of it
   * included. A machine client's token (client-credentials: no sign-in, no
   * `origin_jti`) is its own session: that one token (its `jti`) is refused.
   */
  revokeSession(auth: CognitoAuth): Promise<void>;
  /** Refuse this one token (its `jti`). */
  revokeToken(auth: CognitoAuth): Promise<void>;
  /**
   * Refuse every token of this user (`sub`) signed in before `before` (default: now).
   * For a machine client, `sub` is its client id: every token it obtained before then.
   */
  revokeUser(sub: string, options?: RevokeUserOptions): Promise<void>;
  /** The verifier's check: synchronous and without I/O, on every request. */
  check(claims: Readonly<CognitoAccessTokenClaims>): RevocationVerdict;
  /** Entries held locally, for health checks and metrics. */
  stats(): RevocationStats;
  /** Release timers and connections (a verifier never closes the list it was given). */
  close(): Promise<void>;
}

export interface RevocationStats {
  sessions: number;
  tokens: number;
  users: number;
}

/** Options every revocation list takes. */
export interface RevocationListOptions {
  /**
   * The longest access-token lifetime of your app clients, in seconds: how long
   * a `revokeSession` or `revokeUser` entry is kept. Default 86400 (one day,
   * Cognito's maximum).
   */
  maxTokenLifetimeSeconds?: number | undefined;
  /** Extra time an entry is kept past the tokens it covers (clock skew). Default 300. */
  graceSeconds?: number | undefined;
  /**
   * Refuse users' tokens without `origin_jti` (revocation disabled on their app
   * client), which revokeSession cannot reach. Default false. Machine clients'
   * tokens never have one and are not refused for it.
   */
  requireOriginJti?: boolean | undefined;
}

/** True for an object the verifier can consult. */
export function isRevocationList(value: unknown): value is RevocationList {
  const list = value as Partial<RevocationList> | null;
  return (
    typeof list === "object" &&
    list !== null &&
    typeof list.check === "function" &&
    typeof list.revokeSession === "function" &&
    typeof list.revokeToken === "function" &&
    typeof list.revokeUser === "function"
  );
}
