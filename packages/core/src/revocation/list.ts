// What a revocation list is to the verifier: a set of entries it consults on
// every request, cached token or not, synchronously, and the three ways to add
// to it. A list that is not kept current by itself (a shared list in a process
// frozen between requests, such as AWS Lambda) may also bring itself up to date
// before a check (`catchUp`): the verifier waits for that only when the list
// says it must, so the check stays synchronous while the list is current. Cognito's own revocation (RevokeToken, /oauth2/revoke, GlobalSignOut)
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
  /**
   * Optional: called right before every check. Returns `undefined` when the list is current (the check follows
   * synchronously, nothing allocated), or a promise that settles once the list has brought itself up to date
   * (e.g. one round trip to read what it missed); the check runs after it. It should not reject: a list that
   * could not catch up says so in its check ("unavailable"). A rejection is answered 503, like "unavailable".
   */
  catchUp?(): Promise<void> | undefined;
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
