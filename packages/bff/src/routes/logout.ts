// POST /logout: the access tokens handed out stop working at the API at once,
// the refresh token is revoked at Cognito, the session is deleted; the answer
// names Cognito's /logout, which ends the managed-login session too.
import type { HandlerContext } from "../context.js";
import { readIdCookie } from "../cookies.js";
import { RETRY_AFTER } from "../failure.js";
import { header, json, type TokenHandlerRequest, type TokenHandlerResponse } from "../http.js";
import { revokeAtCognito, revokeHandedOut } from "../session-end.js";

export async function logout(context: HandlerContext, req: TokenHandlerRequest): Promise<TokenHandlerResponse> {
  const { o, emit } = context;
  let revocation: "stored" | "queued" | undefined;
  const id = readIdCookie(header(req, "cookie"), o.cookieNames.session);
  const current = id === undefined ? undefined : await o.sessions.get(id);
  if (id !== undefined && current !== undefined) {
    // If the list cannot record the sign-out, the session stays so that a retry can (never a silent half sign-out).
    // A revocation the list applied and queued (its outbox, while Redis is unreachable) is recorded: the sign-out goes on.
    try {
      revocation = await revokeHandedOut(context, current);
    } catch {
      emit({ type: "store_unavailable", detail: "the revocation list did not record the sign-out" });
      return json(503, { error: "temporarily_unavailable", error_description: "The sign-out could not be recorded; retry" }, { "retry-after": RETRY_AFTER });
    }
    // Only this server ever held the refresh token, and it is deleted next: signing out goes on if Cognito is unreachable.
    const cognitoRevoked = await revokeAtCognito(context, current);
    await o.sessions.delete(id);
    emit({ type: "signed_out", sub: current.sub, cognitoRevoked, apiRevoked: o.revocations !== undefined });
  }
  const logoutUrl = new URL(o.cognito.logoutUrl);
  logoutUrl.search = new URLSearchParams({ client_id: o.cognito.clientId, logout_uri: o.cognito.logoutUri }).toString();
  // `revocation: "queued"`: the API's instances refuse the handed-out tokens once the list's Redis answers again.
  const body = revocation === "queued" ? { logoutUrl: logoutUrl.toString(), revocation } : { logoutUrl: logoutUrl.toString() };
  return json(200, body, { "set-cookie": context.clearSessionCookie() });
}
