// getSession(), getAccessToken() and signOut() for one request's cookies. The
// Next.js binding (next-binding.ts) hands them `await cookies()`; anything
// else with get(name) (and set() to sign out) will do, a Cookie header too,
// which is how they are tested outside a Next.js request.
import type { HandlerContext } from "../context.js";
import { readIdCookie } from "../cookies.js";
import type { FailureKind } from "../failure.js";
import { logout } from "../routes/logout.js";
import { sessionInfo, type SessionInfo } from "../routes/session.js";
import { keepAlive, usableSession } from "../session-token.js";
import { SessionExpiredError, TokenHandlerUnavailableError } from "./errors.js";

/** A request's cookies: Next's `cookies()` store (get, and set where a response may set them), or a Cookie header. */
export type CookieSource = string | undefined | CookieJar;

export interface CookieJar {
  get(name: string): { value: string } | undefined;
  set?(name: string, value: string, options: { path: string; httpOnly: boolean; secure: boolean; sameSite: "lax"; maxAge: number }): unknown;
}

export interface ServerSession {
  /** Who is signed in, or null. Never a token. */
  getSession(): Promise<SessionInfo | null>;
  /** The session's access token, refreshed when due; throws SessionExpiredError or TokenHandlerUnavailableError. */
  getAccessToken(): Promise<string>;
  /** Signs out as POST /auth/logout does, clears the session cookie; Cognito's /logout URL to send the browser to. */
  signOut(): Promise<{ logoutUrl: string }>;
}

export function forCookies(context: HandlerContext, source: CookieSource): ServerSession {
  const name = context.o.cookieNames.session;
  const cookieHeader = typeof source === "object" ? cookieLine(name, source.get(name)?.value) : source;
  /** A store fault: the session is kept, the caller retries later. */
  const unavailable = (err: unknown): never => {
    context.emit({ type: "store_unavailable", detail: err instanceof Error ? err.message : String(err) });
    throw new TokenHandlerUnavailableError(503, 5);
  };

  return {
    async getSession() {
      return sessionInfo(context, cookieHeader).catch(unavailable);
    },
    async getAccessToken() {
      const id = readIdCookie(cookieHeader, name);
      const session = id === undefined ? undefined : await context.o.sessions.get(id).catch(unavailable);
      if (id === undefined || session === undefined) throw new SessionExpiredError();
      const outcome = await usableSession(context, id, session).catch(unavailable);
      if (outcome.kind === "expired") throw new SessionExpiredError("The session is over: sign in again");
      if (outcome.kind === "failed") throw failure(outcome.failure);
      await keepAlive(context, id, outcome.session);
      return outcome.session.accessToken;
    },
    async signOut() {
      const answer = await logout(context, { method: "POST", url: `${context.o.basePath}/logout`, headers: { cookie: cookieHeader } }).catch(unavailable);
      if (answer.status !== 200) throw new TokenHandlerUnavailableError(503, Number(answer.headers["retry-after"] ?? 5), "The sign-out could not be recorded; retry");
      if (typeof source === "object") source.set?.(name, "", { path: "/", httpOnly: true, secure: context.o.secureCookies, sameSite: "lax", maxAge: 0 });
      return { logoutUrl: (JSON.parse(answer.body) as { logoutUrl: string }).logoutUrl };
    },
  };
}

function cookieLine(name: string, value: string | undefined): string | undefined {
  return value === undefined ? undefined : `${name}=${value}`;
}

function failure(kind: FailureKind): TokenHandlerUnavailableError {
  return kind.status === 500 ? new TokenHandlerUnavailableError(500, undefined) : new TokenHandlerUnavailableError(503, Number(kind.retryAfter));
}
