// A session's usable access token: what POST /auth/token hands the SPA, what
// the proxy attaches upstream, and what getAccessToken() gives a Next.js
// server component. Refreshed when due (once per session: refresh.ts); a token
// already stored is checked again against the API's revocation list (a cache
// hit), and a sign-in the API revoked ends here (refresh token revoked at
// Cognito, session deleted) instead of looping. Faults are outcomes, never a
// sign-out; only the session store's own failure rejects.
import { isAuthError } from "@cognito-bearer/core";
import type { HandlerContext } from "./context.js";
import { classifyFailure, type FailureKind } from "./failure.js";
import { freshSession, SessionExpired, SessionRevoked } from "./refresh.js";
import { endSession } from "./session-end.js";
import type { StoredSession } from "./session-store.js";

export type TokenOutcome = { kind: "fresh"; session: StoredSession } | { kind: "expired" } | { kind: "failed"; failure: FailureKind };

/** With `refused` (a token an upstream refused), a session still holding it is refreshed however fresh it is. */
export async function usableSession(context: HandlerContext, id: string, session: StoredSession, refused?: string): Promise<TokenOutcome> {
  try {
    const fresh = await freshSession(id, session, context.refresh, refused);
    // A refresh verified its new token just now; one from the store is checked again (a cache hit) for revocation.
    if (fresh === session) await stillValid(context, fresh);
    return { kind: "fresh", session: fresh };
  } catch (err) {
    if (err instanceof SessionExpired) {
      context.emit({ type: "session_expired", sub: session.sub, reason: err.reason });
      return { kind: "expired" };
    }
    if (err instanceof SessionRevoked) {
      await endSession(context, id, err.session);
      context.emit({ type: "session_expired", sub: session.sub, reason: `the API's revocation list refuses this sign-in (${err.reason})` });
      return { kind: "expired" };
    }
    return { kind: "failed", failure: classifyFailure(context, err, "refresh") };
  }
}

/** Keeps the session from going idle; a missed extension costs at most an earlier sign-in, so it is an event, not a failure. */
export async function keepAlive(context: HandlerContext, id: string, session: StoredSession): Promise<void> {
  try {
    await context.o.sessions.touch(id, Math.min(session.expiresAt, Date.now() + context.o.idleTimeoutMs));
  } catch (err) {
    context.emit({ type: "store_unavailable", detail: `the session's idle deadline was not extended (${err instanceof Error ? err.message : String(err)})` });
  }
}

async function stillValid(context: HandlerContext, session: StoredSession): Promise<void> {
  try {
    await context.verify(session.accessToken);
  } catch (err) {
    if (isAuthError(err) && (err.reason === "revoked" || err.reason === "not_revocable")) throw new SessionRevoked(session, err.reason);
    throw err;
  }
}
