// One refresh per session, however many requests and instances ask at once,
// and never a refresh token lost.
//
// A request whose session's access token expires within the margin takes the
// session's lock (a lease, renewed while the holder works, so a holder that
// dies frees it and a slow one keeps it), re-reads the session under the lock
// (another holder may have refreshed it meanwhile), and calls Cognito. With
// rotation, the new refresh token is saved before anything else can fail (the
// old one is dead once Cognito's grace period passes); then the new access
// token is verified and saved. Every write is fenced by the lock: a holder
// that lost it writes nothing and deletes nothing, and re-reads instead.
// Requests that find the lock taken wait for the session to change, then use it.
import { isAuthError, type CognitoAuth } from "@cognito-bearer/core";
import { CognitoFailure, type CognitoClient, type TokenResponse } from "./cognito-client.js";
import type { SessionLock, SessionStore, StoredSession } from "./session-store.js";

/** The session is over: the SPA must sign in again (401 session_expired). */
export class SessionExpired extends Error {
  constructor(readonly reason: string) {
    super(`session expired: ${reason}`);
  }
}

/** The API's revocation list refuses this sign-in: the session must be ended (refresh token revoked at Cognito too). */
export class SessionRevoked extends Error {
  constructor(
    readonly session: StoredSession,
    readonly reason: "revoked" | "not_revocable",
  ) {
    super(`session revoked: ${reason}`);
  }
}

export interface RefreshContext {
  store: SessionStore;
  cognito: CognitoClient;
  marginMs: number;
  lockLeaseMs: number;
  /** How long a request waits for another holder's refresh. */
  waitMs: number;
  /** Verifies an access token from Cognito (the verifier, and the handler's revocation list). */
  verify(accessToken: string): Promise<CognitoAuth>;
  /** The next session from the current one, a token response and its verified access token. */
  build(current: StoredSession, tokens: TokenResponse, auth: CognitoAuth): StoredSession;
  onRefreshed(session: StoredSession, rotated: boolean, durationMs: number): void;
}

const POLL_MS = 25;

function usableNow(session: StoredSession, context: RefreshContext, refused: string | undefined): boolean {
  return isFresh(session, context.marginMs) && (refused === undefined || session.accessToken !== refused);
}

export function isFresh(session: StoredSession, marginMs: number, now = Date.now()): boolean {
  return session.accessTokenExpiresAt - marginMs > now;
}

/**
 * The session with an access token valid beyond the margin; throws SessionExpired, SessionRevoked, CognitoFailure or
 * the verifier's AuthError. With `refused` (an access token an upstream API refused), a session still holding that
 * token is refreshed however fresh it is: once, whoever else asks at the same time.
 */
export async function freshSession(id: string, session: StoredSession, context: RefreshContext, refused?: string): Promise<StoredSession> {
  if (usableNow(session, context, refused)) return session;
  const deadline = Date.now() + context.waitMs;
  for (;;) {
    const lock = await context.store.lock(id, context.lockLeaseMs);
    if (lock !== undefined) {
      const renewal = keepRenewed(lock, context.lockLeaseMs);
      try {
        return await refreshUnderLock(id, lock, context, refused);
      } finally {
        clearInterval(renewal);
        await lock.release().catch(() => undefined);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const current = await context.store.get(id);
    if (current === undefined) throw new SessionExpired("the session ended during a refresh");
    if (usableNow(current, context, refused)) return current;
    if (Date.now() > deadline) throw new CognitoFailure("unavailable", "another refresh of this session is still running");
  }
}

/** Renews the lease a few times per lease while the holder works; a failed renewal shows in the fenced writes. */
function keepRenewed(lock: SessionLock, leaseMs: number): NodeJS.Timeout {
  const timer = setInterval(() => void lock.renew(leaseMs).catch(() => false), Math.max(50, leaseMs / 3));
  timer.unref?.();
  return timer;
}

async function refreshUnderLock(id: string, lock: SessionLock, context: RefreshContext, refused?: string): Promise<StoredSession> {
  const current = await context.store.get(id);
  if (current === undefined) throw new SessionExpired("the session ended during a refresh");
  if (usableNow(current, context, refused)) return current;
  const started = performance.now();
  let tokens: TokenResponse;
  try {
    tokens = await context.cognito.refresh(current.refreshToken);
  } catch (err) {
    if (err instanceof CognitoFailure && err.kind === "invalid_grant") return afterInvalidGrant(id, lock, current, context);
    throw err;
  }
  let base = current;
  const rotated = tokens.refresh_token !== undefined && tokens.refresh_token !== current.refreshToken;
  if (rotated) {
    // Saved first: whatever fails next, the session keeps the only refresh token that still works.
    const saved: StoredSession = { ...current, refreshToken: tokens.refresh_token!, accessToken: "", accessTokenExpiresAt: 0, version: current.version + 1 };
    if (!(await context.store.replace(id, current.version, saved, lock))) return afterLostLock(id, context);
    base = saved;
  }
  let auth: CognitoAuth;
  try {
    auth = await context.verify(tokens.access_token);
  } catch (err) {
    if (isAuthError(err) && (err.reason === "revoked" || err.reason === "not_revocable")) throw new SessionRevoked(base, err.reason);
    throw err;
  }
  const next = context.build(base, tokens, auth);
  if (!(await context.store.replace(id, base.version, next, lock))) return afterLostLock(id, context);
  context.onRefreshed(next, rotated, performance.now() - started);
  return next;
}

/** Cognito refused the refresh token: the session is over, unless another holder already replaced it. */
async function afterInvalidGrant(id: string, lock: SessionLock, current: StoredSession, context: RefreshContext): Promise<StoredSession> {
  const latest = await context.store.get(id);
  if (latest === undefined) throw new SessionExpired("the session ended during a refresh");
  if (latest.version !== current.version) return usable(latest, context);
  // Deleted only while this request still holds the lock: one that lost it may be refusing a token another holder already rotated.
  if (await context.store.delete(id, lock)) throw new SessionExpired("the refresh token was refused (invalid_grant)");
  return afterLostLock(id, context);
}

/** This holder lost its lock: another holder's tokens win; a retry uses them. */
async function afterLostLock(id: string, context: RefreshContext): Promise<StoredSession> {
  const latest = await context.store.get(id);
  if (latest === undefined) throw new SessionExpired("the session ended during a refresh");
  return usable(latest, context);
}

function usable(session: StoredSession, context: RefreshContext): StoredSession {
  if (isFresh(session, context.marginMs)) return session;
  throw new CognitoFailure("unavailable", "the session was being refreshed by another request; retry");
}
