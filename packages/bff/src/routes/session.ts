// GET /session: who is signed in, for the SPA's first paint. Never a token.
import type { HandlerContext } from "../context.js";
import { readIdCookie } from "../cookies.js";
import { header, json, type TokenHandlerRequest, type TokenHandlerResponse } from "../http.js";

export interface SessionInfo {
  sub: string;
  username: string | null;
  /** When the session's current access token expires (seconds since the epoch). */
  expiresAt: number;
}

export async function session(context: HandlerContext, req: TokenHandlerRequest): Promise<TokenHandlerResponse> {
  const info = await sessionInfo(context, header(req, "cookie"));
  return json(200, info === null ? { authenticated: false } : { authenticated: true, ...info });
}

/** Who the session in `cookieHeader` belongs to, or null; also getSession() in Next.js. */
export async function sessionInfo(context: HandlerContext, cookieHeader: string | undefined): Promise<SessionInfo | null> {
  const id = readIdCookie(cookieHeader, context.o.cookieNames.session);
  const current = id === undefined ? undefined : await context.o.sessions.get(id);
  if (current === undefined) return null;
  return { sub: current.sub, username: current.username ?? null, expiresAt: Math.floor(current.accessTokenExpiresAt / 1000) };
}
