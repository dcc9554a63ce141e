// GET /callback: finishes a sign-in. The transaction is the one this browser
// holds for the returned state (a wrong state consumes nothing); the code is
// exchanged with the PKCE verifier, the access token verified, the ID token
// tied to the nonce. A new server-side session replaces any earlier one of
// this browser (which is ended: its refresh token revoked).
//
// The callback is a top-level navigation: failures are a small page (or the
// app's errorPath), never raw JSON, and each is an event for the operator.
import type { CognitoAuth } from "@cognito-bearer/core";
import { isAuthError } from "@cognito-bearer/core";
import { CognitoFailure, type TokenResponse } from "../cognito-client.js";
import { sessionFields, type HandlerContext } from "../context.js";
import { newId, readIdCookie } from "../cookies.js";
import { classifyFailure } from "../failure.js";
import { escapeHtml, header, navigate, page, type TokenHandlerRequest, type TokenHandlerResponse } from "../http.js";
import { idTokenMatches } from "../id-token.js";
import { returnUrl } from "../return-to.js";
import { endSession } from "../session-end.js";
import type { StoredSession } from "../session-store.js";

/** The error codes of RFC 6749 4.1.2.1 and OpenID Connect Core 3.1.2.6 that Cognito may send back. */
const SIGN_IN_ERRORS: ReadonlySet<string> = new Set([
  "invalid_request",
  "unauthorized_client",
  "access_denied",
  "unsupported_response_type",
  "invalid_scope",
  "server_error",
  "temporarily_unavailable",
  "interaction_required",
  "login_required",
  "account_selection_required",
  "consent_required",
  "invalid_request_uri",
  "invalid_request_object",
  "request_not_supported",
  "request_uri_not_supported",
  "registration_not_supported",
]);

export async function callback(context: HandlerContext, req: TokenHandlerRequest, url: URL): Promise<TokenHandlerResponse> {
  const { o, emit } = context;
  const query = url.searchParams;
  const cookies = header(req, "cookie");
  const { transaction, clear } = context.transactions.take(cookies, query.get("state"));
  const cleared = clear === undefined ? [] : [clear];
  if (transaction === undefined) {
    emit({ type: "refused", reason: "state" });
    return failed(context, 400, "invalid_state", "No matching sign-in is in progress in this browser; start again", cleared);
  }
  const error = query.get("error");
  if (error !== null) {
    // Only codes Cognito and OAuth define: the value is the browser's to choose, and it reaches logs and warnings.
    const code = SIGN_IN_ERRORS.has(error) ? error : "unrecognized_error";
    emit({ type: "sign_in_failed", error: code });
    return failed(context, 400, code, "The sign-in did not complete", cleared);
  }
  const code = query.get("code");
  if (code === null || code === "") return failed(context, 400, "invalid_request", "The callback has no code", cleared);

  let tokens: TokenResponse;
  let auth: CognitoAuth;
  try {
    tokens = await context.cognito.exchangeCode(code, o.cognito.redirectUri, transaction.codeVerifier);
  } catch (err) {
    if (err instanceof CognitoFailure && err.kind === "invalid_grant") return failed(context, 400, "invalid_grant", "The sign-in code was refused; start again", cleared);
    return unavailable(context, err, cleared);
  }
  try {
    auth = await context.verify(tokens.access_token);
  } catch (err) {
    if (isAuthError(err) && (err.reason === "revoked" || err.reason === "not_revocable")) {
      emit({ type: "refused", reason: "token" });
      return failed(context, 403, "access_denied", "This sign-in is refused", cleared);
    }
    return unavailable(context, err, cleared);
  }
  if (!idTokenMatches(tokens.id_token, transaction.nonce, o.cognito.clientId, auth.sub)) {
    emit({ type: "refused", reason: "token" });
    return failed(context, 400, "invalid_token", "The ID token does not match this sign-in", cleared);
  }
  const now = Date.now();
  const session: StoredSession = { ...sessionFields(auth, tokens), version: 1, createdAt: now, expiresAt: now + o.sessionLifetimeMs };
  const id = newId();
  try {
    await o.sessions.create(id, session, now + o.idleTimeoutMs);
  } catch (err) {
    return unavailable(context, err, cleared);
  }
  emit({ type: "signed_in", sub: session.sub });
  await endEarlierSession(context, readIdCookie(cookies, o.cookieNames.session));
  const target = returnUrl(o.appOrigin, transaction.returnTo) ?? `${o.appOrigin}/`;
  return navigate(target, { "set-cookie": [...cleared, context.sessionCookie(id)] });
}

/** Signing in again ends the session this browser had: its refresh token would otherwise live on for its whole lifetime. */
async function endEarlierSession(context: HandlerContext, earlierId: string | undefined): Promise<void> {
  if (earlierId === undefined) return;
  try {
    const earlier = await context.o.sessions.get(earlierId);
    if (earlier === undefined) return;
    const { cognitoRevoked } = await endSession(context, earlierId, earlier);
    context.emit({ type: "session_expired", sub: earlier.sub, reason: `replaced by a new sign-in${cognitoRevoked ? "" : " (Cognito was not told)"}` });
  } catch (err) {
    context.emit({ type: "store_unavailable", detail: `the earlier session of this browser could not be ended (${err instanceof Error ? err.message : String(err)})` });
  }
}

function unavailable(context: HandlerContext, err: unknown, cookies: string[]): TokenHandlerResponse {
  const kind = classifyFailure(context, err, "callback");
  if (kind.status === 500) return failed(context, 500, "server_error", "The sign-in service is misconfigured", cookies);
  return failed(context, 503, "temporarily_unavailable", "Signing in is temporarily unavailable; try again in a moment", cookies, { "retry-after": kind.retryAfter });
}

/** A failed sign-in for the browser: the app's errorPath with `?error=code`, or a small page with a link to start again. */
function failed(context: HandlerContext, status: number, code: string, description: string, cookies: string[], headers: Record<string, string> = {}): TokenHandlerResponse {
  const { o } = context;
  const all = { ...headers, "set-cookie": cookies };
  if (o.errorPath !== undefined) return navigate(`${o.appOrigin}${o.errorPath}?error=${encodeURIComponent(code)}`, all);
  const again = escapeHtml(`${o.basePath}/login`);
  return page(status, "Sign-in did not complete", "", `<h1>Sign-in did not complete</h1><p>${escapeHtml(description)} (<code>${escapeHtml(code)}</code>).</p><p><a href="${again}">Sign in again</a></p>`, all);
}
