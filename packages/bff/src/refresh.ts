// One refresh per session, however many requests and instances ask at once.
//
// A request whose session's access token expires within the margin takes the
// session's lock (a lease, so a holder that dies frees it), re-reads the
// session under the lock (another holder may have refreshed it meanwhile),
// calls Cognito, and writes the new tokens with a compare-and-set on the
// session's version, so a slow answer never overwrites newer tokens. Requests
// that find the lock taken wait for the session to change, then use it.
import { CognitoFailure, type CognitoClient, type TokenResponse } from "./cognito-client.js";
import type { SessionStore, StoredSession } from "./session-store.js";

/** The session is over: the SPA must sign in again (401 session_expired). */
export class SessionExpired extends Error {
  constructor(readonly reason: string) {
    super(`session expired: ${reason}`);
  }
}

export interface RefreshContext {
  store: SessionStore;
  cognito: CognitoClient;
  marginMs: number;
  lockLeaseMs: number;
  /** How long a request waits for another holder's refresh. */
  waitMs: number;
  /** The new session from a token response (verifies the access token). */
  renew(current: StoredSession, tokens: TokenResponse): Promise<StoredSession>;
  onRefreshed(session: StoredSession, rotated: boolean, durationMs: number): void;
}

const POLL_MS = 25;

export function isFresh(session: StoredSession, marginMs: number, now = Date.now()): boolean {
  return session.accessTokenExpiresAt - marginMs > now;
}

/** The session with an access token valid beyond the margin; throws SessionExpired or CognitoFailure. */
export async function freshSession(id: string, session: StoredSession, context: RefreshContext): Promise<StoredSession> {
  if (isFresh(session, context.marginMs)) return session;
  const deadline = Date.now() + context.waitMs;
  for (;;) {
    const release = await context.store.lock(id, context.lockLeaseMs);
    if (release !== undefined) {
      try {
        return await refreshUnderLock(id, context);
      } finally {
        await release().catch(() => undefined);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const current = await context.store.get(id);
    if (current === undefined) throw new SessionExpired("the session ended during a refresh");
    if (isFresh(current, context.marginMs)) return current;
    if (Date.now() > deadline) throw new CognitoFailure("unavailable", "another refresh of this session is still running");
  }
}

async function refreshUnderLock(id: string, context: RefreshContext): Promise<StoredSession> {
  const current = await context.store.get(id);
  if (current === undefined) throw new SessionExpired("the session ended during a refresh");
  if (isFresh(current, context.marginMs)) return current;
  const started = performance.now();
  let tokens: TokenResponse;
  try {
    tokens = await context.cognito.refresh(current.refreshToken);
  } catch (err) {
    if (err instanceof CognitoFailure && err.kind === "invalid_grant") {
      // A holder whose lease ran out may have rotated the refresh token and saved the result.
      const latest = await context.store.get(id);
      if (latest !== undefined && latest.version !== current.version && isFresh(latest, context.marginMs)) return latest;
      await context.store.delete(id);
      throw new SessionExpired("the refresh token was refused (invalid_grant)");
    }
    throw err;
  }
  const next = await context.renew(current, tokens);
  if (!(await context.store.replace(id, current.version, next))) {
    // Someone wrote newer tokens meanwhile: theirs win.
    const latest = await context.store.get(id);
    if (latest === undefined) throw new SessionExpired("the session ended during a refresh");
    return latest;
  }
  context.onRefreshed(next, tokens.refresh_token !== undefined, performance.now() - started);
  return next;
}
