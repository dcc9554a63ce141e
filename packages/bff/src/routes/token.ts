// POST /token: the SPA's access token, refreshed at Cognito when it is due.
// A token already stored is checked against the API's revocation list before
// it is handed out, and a sign-in the API revoked ends here (refresh token
// revoked at Cognito, session deleted, 401 session_expired) instead of looping.
// Each call keeps the session from going idle.
import { isAuthError } from "@cognito-bearer/core";
import type { HandlerContext } from "../context.js";
import { readIdCookie } from "../cookies.js";
import { classifyFailure } from "../failure.js";
import { header, json, type TokenHandlerRequest, type TokenHandlerResponse } from "../http.js";
import { freshSession, SessionExpired, SessionRevoked } from "../refresh.js";
import { endSession } from "../session-end.js";
import type { StoredSession } from "../session-store.js";

export async function token(context: HandlerContext, req: TokenHandlerRequest): Promise<TokenHandlerResponse> {
  const { o, emit } = context;
  const id = readIdCookie(header(req, "cookie"), o.cookieNames.session);
  const session = id === undefined ? undefined : await o.sessions.get(id);
  if (id === undefined || session === undefined) return context.sessionExpired(id !== undefined);
  let fresh: StoredSession;
  try {
    fresh = await freshSession(id, session, context.refresh);
    // A refresh verified its new token just now; one from the store is checked again (a cache hit) for revocation.
    if (fresh === session) await checkStillValid(context, fresh);
  } catch (err) {
    if (err instanceof SessionExpired) {
      emit({ type: "session_expired", sub: session.sub, reason: err.reason });
      return context.sessionExpired(true);
    }
    if (err instanceof SessionRevoked) {
      await endSession(context, id, err.session);
      emit({ type: "session_expired", sub: session.sub, reason: `the API's revocation list refuses this sign-in (${err.reason})` });
      return context.sessionExpired(true);
    }
    const kind = classifyFailure(context, err, "refresh");
    if (kind.status === 500) return json(500, { error: "server_error", error_description: "The sign-in service is misconfigured" });
    return json(503, { error: "temporarily_unavailable", error_description: "Signing in is temporarily unavailable; retry" }, { "retry-after": kind.retryAfter });
  }
  const now = Date.now();
  try {
    await o.sessions.touch(id, Math.min(fresh.expiresAt, now + o.idleTimeoutMs));
  } catch (err) {
    // The token is good: a missed idle extension costs at most an earlier sign-in.
    emit({ type: "store_unavailable", detail: `the session's idle deadline was not extended (${err instanceof Error ? err.message : String(err)})` });
  }
  return json(200, { access_token: fresh.accessToken, expires_in: Math.max(0, Math.floor((fresh.accessTokenExpiresAt - now) / 1000)), token_type: "Bearer" });
}

async function checkStillValid(context: HandlerContext, session: StoredSession): Promise<void> {
  try {
    await context.verify(session.accessToken);
  } catch (err) {
    if (isAuthError(err) && (err.reason === "revoked" || err.reason === "not_revocable")) throw new SessionRevoked(session, err.reason);
    throw err;
  }
}
