// Where the token handler keeps sessions: in memory (one instance) or in Redis
// (@cognito-bearer/redis, several instances). The store also provides the lock
// that makes one refresh per session across instances, and the writes fenced by
// that lock, so that a holder whose lease ran out can neither overwrite newer
// tokens nor delete a session another holder has just refreshed.
//
// Sign-in transactions are not stored at all: they travel sealed in a cookie
// (transaction.ts), so anonymous requests cost the store nothing.

/** A signed-in browser: the user's tokens, refresh token included, never sent to it. */
export interface StoredSession {
  /** Incremented by every write: the compare-and-set of replace(). */
  version: number;
  sub: string;
  username: string | undefined;
  /** The current access token; empty while a rotated refresh token is saved but its access token not yet verified. */
  accessToken: string;
  idToken: string;
  refreshToken: string;
  /** When the access token expires (ms since the epoch); 0 while it is not to be handed out. */
  accessTokenExpiresAt: number;
  /** The sign-ins (origin_jti) whose access tokens this session handed out: revoked at sign-out. */
  originJtis: string[];
  /**
   * The access tokens handed out (jti and expiry in seconds) that have not expired:
   * revoked one by one at sign-out when the app client issues no origin_jti.
   */
  accessTokenIds: { jti: string; exp: number }[];
  createdAt: number;
  /** When the session ends whatever happens (ms): the refresh token's absolute lifetime. Refreshes never move it. */
  expiresAt: number;
}

/** A held refresh lock. Writes given it succeed only while it is still held (fencing). */
export interface SessionLock {
  /** Extends the lease by `leaseMs` from now; false when the lock was lost (lease ran out, taken by another). */
  renew(leaseMs: number): Promise<boolean>;
  /** Frees the lock if it is still ours. */
  release(): Promise<void>;
}

export interface SessionStore {
  get(id: string): Promise<StoredSession | undefined>;
  /** Stores a new session; it lives until `idleUntil` (ms) unless touched, and never past `session.expiresAt`. */
  create(id: string, session: StoredSession, idleUntil: number): Promise<void>;
  /**
   * Writes `session` only if the stored version is still `expectedVersion` and,
   * when `lock` is given, the lock is still held; false otherwise. Never extends its lifetime.
   */
  replace(id: string, expectedVersion: number, session: StoredSession, lock?: SessionLock): Promise<boolean>;
  /** Extends the idle deadline to `until` (ms), which the caller keeps within `expiresAt`. No-op for a missing session. */
  touch(id: string, until: number): Promise<void>;
  /** Deletes the session; with `lock`, only while that lock is still held. Resolves to whether it deleted. */
  delete(id: string, lock?: SessionLock): Promise<boolean>;
  /** Takes the session's refresh lock for `leaseMs`; undefined when another holder has it. */
  lock(id: string, leaseMs: number): Promise<SessionLock | undefined>;
  /** The longest one call may take before it rejects (Redis's command timeout): bounds the lock lease. */
  readonly commandTimeoutMs?: number;
  close(): Promise<void>;
}
