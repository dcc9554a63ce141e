// Where the token handler keeps sessions and sign-in transactions: in memory
// (one instance) or in Redis (@cognito-bearer/redis, several instances). The
// store also provides the lock that makes one refresh per session, across
// instances, and the compare-and-set write that keeps a slow refresh from
// overwriting newer tokens.

/** A signed-in browser: the user's tokens, refresh token included, never sent to it. */
export interface StoredSession {
  /** Incremented by every write: the compare-and-set of replace(). */
  version: number;
  sub: string;
  username: string | undefined;
  accessToken: string;
  idToken: string;
  refreshToken: string;
  /** When the access token expires (ms since the epoch). */
  accessTokenExpiresAt: number;
  /** The sign-ins (origin_jti) whose access tokens this session handed out: revoked at sign-out. */
  originJtis: string[];
  createdAt: number;
  /** When the session ends (ms): the refresh token's lifetime. */
  expiresAt: number;
}

/** A sign-in in progress, between /login and /callback. */
export interface Transaction {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
}

export interface SessionStore {
  get(id: string): Promise<StoredSession | undefined>;
  /** Stores a new session until `session.expiresAt`. */
  create(id: string, session: StoredSession): Promise<void>;
  /** Writes `session` only if the stored version is still `expectedVersion`; false otherwise. */
  replace(id: string, expectedVersion: number, session: StoredSession): Promise<boolean>;
  delete(id: string): Promise<void>;
  /** Takes the session's refresh lock for `leaseMs`; resolves to its release, or undefined when another holder has it. */
  lock(id: string, leaseMs: number): Promise<(() => Promise<void>) | undefined>;
  putTransaction(id: string, transaction: Transaction, ttlMs: number): Promise<void>;
  /** Reads and deletes in one step: a transaction is single-use. */
  takeTransaction(id: string): Promise<Transaction | undefined>;
  close(): Promise<void>;
}
