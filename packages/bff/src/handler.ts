// createTokenHandler: the token handler ("backend for frontend") that keeps the
// refresh token off the browser. Framework-free: a request in, a response out;
// the mounts for Express, Koa and node:http only translate. Under its base
// path (default /auth):
//   GET  /login?returnTo=/path  starts a sign-in (state, nonce, PKCE) at Cognito
//   GET  /callback              finishes it: a server-side session, a cookie with its id
//   POST /token                 the SPA's access token, refreshed at Cognito when due
//   GET  /session               who is signed in (never a token)
//   POST /logout                revokes everything, ends the session
import { isAuthError, type CognitoAuth } from "@cognito-bearer/core";
import { CognitoClient, CognitoFailure, type TokenResponse } from "./cognito-client.js";
import { clearCookie, newId, readIdCookie, setCookie } from "./cookies.js";
import { header, json, navigate, redirect, type TokenHandlerRequest, type TokenHandlerResponse } from "./http.js";
import { resolveTokenHandlerOptions, type ResolvedTokenHandlerOptions, type TokenHandlerEvent, type TokenHandlerOptions } from "./options.js";
import { codeChallenge, randomToken } from "./pkce.js";
import { freshSession, SessionExpired, type RefreshContext } from "./refresh.js";
import { safeReturnTo } from "./return-to.js";
import type { StoredSession } from "./session-store.js";

export interface TokenHandler {
  readonly basePath: string;
  /** The answer to a request under the base path, or undefined for any other path (pass it on). */
  handle(req: TokenHandlerRequest): Promise<TokenHandlerResponse | undefined>;
  /** Closes the session store, and the verifier if the handler created it. */
  close(): Promise<void>;
}

const RETRY_AFTER = "5";
const ROUTES: Record<string, string> = { login: "GET", callback: "GET", token: "POST", session: "GET", logout: "POST" };

export function createTokenHandler(options: TokenHandlerOptions): TokenHandler {
  const o = resolveTokenHandlerOptions(options);
  const cognito = new CognitoClient({ tokenUrl: o.cognito.tokenUrl, revokeUrl: o.cognito.revokeUrl, clientId: o.cognito.clientId, clientSecret: o.cognito.clientSecret, timeoutMs: o.timeoutMs });
  const emit = (event: TokenHandlerEvent) => {
    try {
      o.onEvent(event);
    } catch {
      // The listener is the user's logger: its failure is not the request's.
    }
  };
  const refresh: RefreshContext = {
    store: o.sessions,
    cognito,
    marginMs: o.refreshMarginMs,
    lockLeaseMs: o.lockLeaseMs,
    waitMs: o.lockLeaseMs + o.timeoutMs,
    renew: async (current, tokens) => {
      const auth = await o.verifier.verify(tokens.access_token);
      return { ...sessionFields(auth, tokens, current), version: current.version + 1, createdAt: current.createdAt, expiresAt: current.expiresAt };
    },
    onRefreshed: (session, rotated, durationMs) => emit({ type: "refreshed", sub: session.sub, rotated, durationMs }),
  };
  const sessionCookie = (id: string) => setCookie(o.cookieNames.session, id, { sameSite: "Strict", maxAgeSeconds: o.sessionLifetimeMs / 1000, secure: o.secureCookies });
  const endSession = () => clearCookie(o.cookieNames.session, o.secureCookies);
  const sessionExpired = () => json(401, { error: "session_expired", error_description: "Sign in again" }, { "set-cookie": endSession() });

  async function login(query: URLSearchParams): Promise<TokenHandlerResponse> {
    const requested = query.get("returnTo");
    const returnTo = requested === null ? "/" : safeReturnTo(requested);
    if (returnTo === undefined) return json(400, { error: "invalid_request", error_description: "returnTo must be a path on this site" });
    const transaction = { state: randomToken(), nonce: randomToken(), codeVerifier: randomToken(), returnTo };
    const id = newId();
    await o.sessions.putTransaction(id, transaction, o.transactionLifetimeMs);
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
    }).toString();
    return redirect(authorize.toString(), {
      "set-cookie": setCookie(o.cookieNames.transaction, id, { sameSite: "Lax", maxAgeSeconds: o.transactionLifetimeMs / 1000, secure: o.secureCookies }),
    });
  }

  async function callback(req: TokenHandlerRequest, query: URLSearchParams): Promise<TokenHandlerResponse> {
    const clearTransaction = { "set-cookie": clearCookie(o.cookieNames.transaction, o.secureCookies) };
    const transactionId = readIdCookie(header(req, "cookie"), o.cookieNames.transaction);
    const transaction = transactionId === undefined ? undefined : await o.sessions.takeTransaction(transactionId);
    if (transaction === undefined || query.get("state") !== transaction.state) {
      emit({ type: "refused", reason: "state" });
      return json(400, { error: "invalid_state", error_description: "No matching sign-in is in progress; start again" }, clearTransaction);
    }
    const error = query.get("error");
    if (error !== null) return json(400, { error: /^[a-z_]{1,64}$/.test(error) ? error : "access_denied", error_description: "The sign-in did not complete" }, clearTransaction);
    const code = query.get("code");
    if (code === null || code === "") return json(400, { error: "invalid_request", error_description: "The callback has no code" }, clearTransaction);

    let tokens: TokenResponse;
    try {
      tokens = await cognito.exchangeCode(code, o.cognito.redirectUri, transaction.codeVerifier);
    } catch (err) {
      if (err instanceof CognitoFailure && err.kind === "invalid_grant") {
        return json(400, { error: "invalid_grant", error_description: "The sign-in code was refused; start again" }, clearTransaction);
      }
      return failure(err, "callback", clearTransaction);
    }
    let auth: CognitoAuth;
    try {
      auth = await o.verifier.verify(tokens.access_token);
    } catch (err) {
      return failure(err, "callback", clearTransaction);
    }
    if (!idTokenMatches(tokens.id_token, transaction.nonce, o.cognito.clientId, auth.sub)) {
      emit({ type: "refused", reason: "token" });
      return json(400, { error: "invalid_token", error_description: "The ID token does not match this sign-in" }, clearTransaction);
    }
    const now = Date.now();
    const session: StoredSession = { ...sessionFields(auth, tokens), version: 1, createdAt: now, expiresAt: now + o.sessionLifetimeMs };
    const id = newId();
    await o.sessions.create(id, session);
    emit({ type: "signed_in", sub: session.sub });
    return navigate(transaction.returnTo, { "set-cookie": [clearTransaction["set-cookie"], sessionCookie(id)] });
  }

  async function token(req: TokenHandlerRequest): Promise<TokenHandlerResponse> {
    const id = readIdCookie(header(req, "cookie"), o.cookieNames.session);
    const session = id === undefined ? undefined : await o.sessions.get(id);
    if (id === undefined || session === undefined) return sessionExpired();
    let fresh: StoredSession;
    try {
      fresh = await freshSession(id, session, refresh);
    } catch (err) {
      if (err instanceof SessionExpired) {
        emit({ type: "session_expired", sub: session.sub, reason: err.reason });
        return sessionExpired();
      }
      return failure(err, "refresh");
    }
    return json(200, { access_token: fresh.accessToken, expires_in: Math.max(0, Math.floor((fresh.accessTokenExpiresAt - Date.now()) / 1000)), token_type: "Bearer" });
  }

  async function session(req: TokenHandlerRequest): Promise<TokenHandlerResponse> {
    const id = readIdCookie(header(req, "cookie"), o.cookieNames.session);
    const current = id === undefined ? undefined : await o.sessions.get(id);
    if (current === undefined) return json(200, { authenticated: false });
    return json(200, { authenticated: true, sub: current.sub, username: current.username ?? null, expiresAt: Math.floor(current.accessTokenExpiresAt / 1000) });
  }

  async function logout(req: TokenHandlerRequest): Promise<TokenHandlerResponse> {
    const id = readIdCookie(header(req, "cookie"), o.cookieNames.session);
    const current = id === undefined ? undefined : await o.sessions.get(id);
    if (id !== undefined && current !== undefined) {
      // The access tokens already handed out stop working at once; if the list cannot
      // record that, the session stays so that a retry can (never a silent half sign-out).
      try {
        for (const originJti of current.originJtis) await o.revocations?.revokeSession({ claims: { origin_jti: originJti } } as unknown as CognitoAuth);
      } catch {
        emit({ type: "store_unavailable", detail: "the revocation list did not record the sign-out" });
        return json(503, { error: "temporarily_unavailable", error_description: "The sign-out could not be recorded; retry" }, { "retry-after": RETRY_AFTER });
      }
      let cognitoRevoked = true;
      try {
        await cognito.revoke(current.refreshToken);
      } catch (err) {
        // Only this server ever held the refresh token, and it is deleted next: signing out goes on.
        cognitoRevoked = false;
        if (err instanceof CognitoFailure) emit({ type: err.kind === "misconfigured" ? "configuration_error" : "cognito_unavailable", operation: "revoke", detail: err.detail });
      }
      await o.sessions.delete(id);
      emit({ type: "signed_out", sub: current.sub, cognitoRevoked });
    }
    const logoutUrl = new URL(o.cognito.logoutUrl);
    logoutUrl.search = new URLSearchParams({ client_id: o.cognito.clientId, logout_uri: o.cognito.logoutUri }).toString();
    return json(200, { logoutUrl: logoutUrl.toString() }, { "set-cookie": endSession() });
  }

  /** Cognito's fault or ours, never the user's: 503 with Retry-After, or 500 for a configuration error. */
  function failure(err: unknown, operation: "callback" | "refresh", headers: Record<string, string> = {}): TokenHandlerResponse {
    if (err instanceof CognitoFailure && err.kind === "misconfigured") {
      emit({ type: "configuration_error", operation, detail: err.detail });
      return json(500, { error: "server_error", error_description: "The sign-in service is misconfigured" }, headers);
    }
    if (isAuthError(err) && err.status !== 503) {
      // Cognito handed us an access token our own verifier refuses: the pool or client settings disagree.
      emit({ type: "configuration_error", operation, detail: `the access token from Cognito was refused (${err.reason})` });
      return json(500, { error: "server_error", error_description: "The sign-in service is misconfigured" }, headers);
    }
    if (err instanceof CognitoFailure) emit({ type: "cognito_unavailable", operation, detail: err.detail });
    else emit({ type: "store_unavailable", detail: err instanceof Error ? err.message : String(err) });
    const retryAfter = err instanceof CognitoFailure && err.retryAfter !== undefined ? String(Math.ceil(err.retryAfter)) : RETRY_AFTER;
    return json(503, { error: "temporarily_unavailable", error_description: "Signing in is temporarily unavailable; retry" }, { ...headers, "retry-after": retryAfter });
  }

  /** POSTs change state: they need our custom header (a cross-site form cannot send one) and an allowed Origin. */
  function refusedPost(req: TokenHandlerRequest): TokenHandlerResponse | undefined {
    if (header(req, o.csrfHeader.name) !== o.csrfHeader.value) {
      emit({ type: "refused", reason: "csrf_header" });
      return json(403, { error: "forbidden", error_description: `The ${o.csrfHeader.name} header is required` });
    }
    const origin = header(req, "origin");
    if (origin === undefined || !o.allowedOrigins.has(origin)) {
      emit({ type: "refused", reason: "origin" });
      return json(403, { error: "forbidden", error_description: "The request's Origin is not allowed" });
    }
    return undefined;
  }

  return {
    basePath: o.basePath,
    async handle(req) {
      const url = new URL(req.url, "http://token-handler.invalid");
      if (!url.pathname.startsWith(`${o.basePath}/`)) return undefined;
      const route = url.pathname.slice(o.basePath.length + 1);
      const method = ROUTES[route];
      if (method === undefined) return json(404, { error: "not_found" });
      if (req.method !== method && !(method === "GET" && req.method === "HEAD")) return json(405, { error: "method_not_allowed" }, { allow: method });
      if (method === "POST") {
        const refused = refusedPost(req);
        if (refused !== undefined) return refused;
      }
      try {
        switch (route) {
          case "login":
            return await login(url.searchParams);
          case "callback":
            return await callback(req, url.searchParams);
          case "token":
            return await token(req);
          case "session":
            return await session(req);
          default:
            return await logout(req);
        }
      } catch (err) {
        // The session store (Redis) failed: a server fault, never a sign-out.
        return failure(err, route === "callback" ? "callback" : "refresh");
      }
    },
    async close() {
      await o.sessions.close();
      if (o.ownsVerifier) o.verifier.close();
    },
  };
}

/** The parts of a session that come from a token response. */
function sessionFields(auth: CognitoAuth, tokens: TokenResponse, current?: StoredSession): Omit<StoredSession, "version" | "createdAt" | "expiresAt"> {
  const originJti = auth.claims.origin_jti;
  const originJtis = current?.originJtis ?? [];
  return {
    sub: auth.sub,
    username: auth.username,
    accessToken: tokens.access_token,
    idToken: tokens.id_token,
    refreshToken: tokens.refresh_token ?? current?.refreshToken ?? "",
    accessTokenExpiresAt: auth.claims.exp * 1000,
    originJtis: typeof originJti === "string" && !originJtis.includes(originJti) ? [...originJtis, originJti] : originJtis,
  };
}

/**
 * The ID token came straight from Cognito's token endpoint over TLS, so its
 * signature is not checked again (OpenID Connect Core 3.1.3.7); what ties it to
 * this sign-in is its nonce, its audience and its subject.
 */
function idTokenMatches(idToken: string, nonce: string, clientId: string, sub: string): boolean {
  try {
    const claims = JSON.parse(Buffer.from(idToken.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    return claims.nonce === nonce && aud.includes(clientId) && claims.sub === sub && claims.token_use === "id";
  } catch {
    return false;
  }
}
