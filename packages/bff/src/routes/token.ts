// POST /token: the SPA's access token, refreshed at Cognito when it is due,
// checked against the API's revocation list (session-token.ts). Each call
// keeps the session from going idle.
import type { HandlerContext } from "../context.js";
import { readIdCookie } from "../cookies.js";
import { header, json, type TokenHandlerRequest, type TokenHandlerResponse } from "../http.js";
import { keepAlive, usableSession } from "../session-token.js";

export async function token(context: HandlerContext, req: TokenHandlerRequest): Promise<TokenHandlerResponse> {
  const { o } = context;
  const id = readIdCookie(header(req, "cookie"), o.cookieNames.session);
  const session = id === undefined ? undefined : await o.sessions.get(id);
  if (id === undefined || session === undefined) return context.sessionExpired();
  const outcome = await usableSession(context, id, session);
  if (outcome.kind === "expired") return context.sessionExpired();
  if (outcome.kind === "failed") {
    if (outcome.failure.status === 500) return json(500, { error: "server_error", error_description: "The sign-in service is misconfigured" });
    return json(503, { error: "temporarily_unavailable", error_description: "Signing in is temporarily unavailable; retry" }, { "retry-after": outcome.failure.retryAfter });
  }
  const fresh = outcome.session;
  await keepAlive(context, id, fresh);
  return json(200, { access_token: fresh.accessToken, expires_in: Math.max(0, Math.floor((fresh.accessTokenExpiresAt - Date.now()) / 1000)), token_type: "Bearer" });
}
