// What every route of the token handler shares: the resolved options, the
// Cognito client, the sealed sign-in cookies, the refresh machinery, events,
// and the session cookie. Built once per handler.
import { AuthError, type CognitoAuth } from "@cognito-bearer/core";
import { CognitoClient, type TokenResponse } from "./cognito-client.js";
import { clearCookie, setCookie } from "./cookies.js";
import { json, type TokenHandlerResponse } from "./http.js";
import type { ResolvedTokenHandlerOptions, TokenHandlerEvent } from "./options.js";
import type { RefreshContext } from "./refresh.js";
import type { StoredSession } from "./session-store.js";
import { createTransactionCookies, type TransactionCookies } from "./transaction.js";

export interface HandlerContext {
  readonly o: ResolvedTokenHandlerOptions;
  readonly cognito: CognitoClient;
  readonly transactions: TransactionCookies;
  readonly refresh: RefreshContext;
  emit(event: TokenHandlerEvent): void;
  /** An access token from Cognito, verified, and checked against the handler's revocation list. */
  verify(accessToken: string): Promise<CognitoAuth>;
  sessionCookie(id: string): string;
  clearSessionCookie(): string;
  /**
   * 401 session_expired: the SPA must sign in again. The session cookie is cleared only when the request presented
   * one (`presented`): a request without it may be a cross-site navigation, for which the browser withheld the
   * SameSite=Strict cookie, and clearing it then would let any site sign the user out.
   */
  sessionExpired(presented: boolean): TokenHandlerResponse;
}

export function createContext(o: ResolvedTokenHandlerOptions): HandlerContext {
  const cognito = new CognitoClient({ tokenUrl: o.cognito.tokenUrl, revokeUrl: o.cognito.revokeUrl, clientId: o.cognito.clientId, clientSecret: o.cognito.clientSecret, timeoutMs: o.timeoutMs, fetch: o.fetch });
  const emit = (event: TokenHandlerEvent) => {
    try {
      o.onEvent(event);
    } catch {
      // The listener is the user's logger: its failure is not the request's.
    }
  };
  const verify = async (accessToken: string): Promise<CognitoAuth> => {
    const auth = await o.verifier.verify(accessToken);
    // The handler's list is consulted even when its verifier was built without it (brought up to date first, if it must be).
    await o.revocations?.catchUp?.();
    const verdict = o.revocations?.check(auth.claims);
    if (verdict === "revoked" || verdict === "not_revocable") throw new AuthError(verdict);
    if (verdict === "unavailable") throw new AuthError("revocation_check_failed");
    return auth;
  };
  const clearSessionCookie = () => clearCookie(o.cookieNames.session, o.secureCookies);
  return {
    o,
    cognito,
    transactions: createTransactionCookies({ prefix: o.cookieNames.transaction, sealer: o.sealer, lifetimeMs: o.transactionLifetimeMs, secure: o.secureCookies }),
    refresh: {
      store: o.sessions,
      cognito,
      marginMs: o.refreshMarginMs,
      lockLeaseMs: o.lockLeaseMs,
      waitMs: o.lockLeaseMs + o.timeoutMs,
      verify,
      build: (current, tokens, auth) => ({ ...sessionFields(auth, tokens, current), version: current.version + 1, createdAt: current.createdAt, expiresAt: current.expiresAt }),
      onRefreshed: (session, rotated, durationMs) => emit({ type: "refreshed", sub: session.sub, rotated, durationMs }),
    },
    emit,
    verify,
    sessionCookie: (id) => setCookie(o.cookieNames.session, id, { sameSite: "Strict", maxAgeSeconds: o.sessionLifetimeMs / 1000, secure: o.secureCookies }),
    clearSessionCookie,
    sessionExpired: (presented) => json(401, { error: "session_expired", error_description: "Sign in again" }, presented ? { "set-cookie": clearSessionCookie() } : {}),
  };
}

/** The parts of a session that come from a token response and its verified access token. */
export function sessionFields(auth: CognitoAuth, tokens: TokenResponse, current?: StoredSession): Omit<StoredSession, "version" | "createdAt" | "expiresAt"> {
  const originJti = auth.claims.origin_jti;
  const originJtis = current?.originJtis ?? [];
  const nowSeconds = Date.now() / 1000;
  // The access tokens handed out and still alive: what sign-out revokes by jti when there is no origin_jti.
  const accessTokenIds = (current?.accessTokenIds ?? []).filter((entry) => entry.exp > nowSeconds);
  if (typeof auth.claims.jti === "string" && !accessTokenIds.some((entry) => entry.jti === auth.claims.jti)) accessTokenIds.push({ jti: auth.claims.jti, exp: auth.claims.exp });
  return {
    sub: auth.sub,
    username: auth.username,
    accessToken: tokens.access_token,
    idToken: tokens.id_token,
    refreshToken: tokens.refresh_token ?? current?.refreshToken ?? "",
    accessTokenExpiresAt: auth.claims.exp * 1000,
    originJtis: typeof originJti === "string" && !originJtis.includes(originJti) ? [...originJtis, originJti] : originJtis,
    accessTokenIds,
  };
}
