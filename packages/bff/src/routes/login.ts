// GET /login?returnTo=/path: starts a sign-in at Cognito (state, nonce, PKCE
// S256), the transaction sealed in a cookie of its own: nothing is stored.
// With `acr_values` and/or `max_age` (an API's RFC 9470 step-up challenge,
// passed on by @cognito-bearer/client), the sign-in asks Cognito for them; both
// are checked against core's bounds first, so nothing else reaches the URL.
import { ACR_VALUE, MAX_ACR_VALUES } from "@cognito-bearer/core";
import type { HandlerContext } from "../context.js";
import { header, json, redirect, type TokenHandlerRequest, type TokenHandlerResponse } from "../http.js";
import { codeChallenge } from "../pkce.js";
import { safeReturnTo } from "../return-to.js";

/** Set on the one redirect to the canonical origin, so a proxy that rewrites Host cannot make a loop. */
const CANONICAL_MARK = "cb_canonical";

export async function login(context: HandlerContext, req: TokenHandlerRequest, url: URL): Promise<TokenHandlerResponse> {
  const { o, transactions } = context;
  // The sign-in cookie must be set on the origin the callback comes back to (127.0.0.1 and localhost are two sites).
  const appHost = new URL(o.appOrigin).host;
  const host = (header(req, "x-forwarded-host") ?? header(req, "host"))?.split(",")[0]?.trim().toLowerCase();
  if (host !== undefined && host !== appHost && !url.searchParams.has(CANONICAL_MARK)) {
    const canonical = new URL(`${o.basePath}/login`, o.appOrigin);
    canonical.search = url.search;
    canonical.searchParams.set(CANONICAL_MARK, "1");
    return redirect(canonical.toString());
  }
  const requested = url.searchParams.get("returnTo");
  const safe = requested === null ? "/" : safeReturnTo(requested, o.appOrigin);
  if (safe === undefined) return json(400, { error: "invalid_request", error_description: "returnTo must be a path on this site, at most 2048 characters" });
  const returnTo = isPage(context, safe) ? safe : "/";
  const stepUp = stepUpParams(url.searchParams);
  if (stepUp === undefined) {
    return json(400, { error: "invalid_request", error_description: `acr_values must be 1 to ${MAX_ACR_VALUES} space-separated values of letters, digits and . _ : / ~ + = @ -; max_age a whole number of seconds` });
  }
  const { transaction, setCookies } = transactions.start(returnTo, header(req, "cookie"));
  const authorize = new URL(o.cognito.authorizeUrl);
  authorize.search = new URLSearchParams({
    response_type: "code",
    client_id: o.cognito.clientId,
    redirect_uri: o.cognito.redirectUri,
    scope: o.cognito.scopes.join(" "),
    state: transaction.state,
    nonce: transaction.nonce,
    code_challenge: codeChallenge(transaction.codeVerifier),
    code_challenge_method: "S256",
    ...stepUp,
  }).toString();
  return redirect(authorize.toString(), { "set-cookie": setCookies });
}

/**
 * Whether a returnTo is a page. The navigation after sign-in starts on our origin, so it carries the SameSite=Strict
 * session cookie: a cross-site link to /auth/login?returnTo=/api/… would otherwise bounce a signed-in user (whom
 * Cognito signs in again without a form) into an authenticated GET through the proxy, or a token-handler route.
 */
function isPage(context: HandlerContext, returnTo: string): boolean {
  const path = returnTo.split(/[?#]/, 1)[0];
  const under = (prefix: string) => path === prefix || path.startsWith(`${prefix}/`);
  return !under(context.o.basePath) && !(context.o.proxy?.upstreams ?? []).some((upstream) => under(upstream.prefix));
}

/** The greatest max_age passed on: one year, as core's requireAuthLevel. */
const MAX_AGE_LIMIT = 366 * 24 * 3600;

/** `acr_values` / `max_age` to pass to /oauth2/authorize ({} when absent), or undefined when either is malformed. */
function stepUpParams(query: URLSearchParams): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  const acrValues = query.getAll("acr_values");
  const maxAges = query.getAll("max_age");
  if (acrValues.length > 1 || maxAges.length > 1) return undefined;
  if (acrValues.length === 1) {
    const values = acrValues[0].split(" ");
    if (values.length > MAX_ACR_VALUES || values.some((value) => !ACR_VALUE.test(value))) return undefined;
    params.acr_values = values.join(" ");
  }
  if (maxAges.length === 1) {
    if (!/^\d{1,9}$/.test(maxAges[0]) || Number(maxAges[0]) > MAX_AGE_LIMIT) return undefined;
    params.max_age = String(Number(maxAges[0]));
  }
  return params;
}
