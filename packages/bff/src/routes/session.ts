// GET /session: who is signed in, for the SPA's first paint. Never a token.
import type { HandlerContext } from "../context.js";
import { readIdCookie } from "../cookies.js";
import { header, json, type TokenHandlerRequest, type TokenHandlerResponse } from "../http.js";

export async function session(context: HandlerContext, req: TokenHandlerRequest): Promise<TokenHandlerResponse> {
  const id = readIdCookie(header(req, "cookie"), context.o.cookieNames.session);
  const current = id === undefined ? undefined : await context.o.sessions.get(id);
  if (current === undefined) return json(200, { authenticated: false });
  return json(200, { authenticated: true, sub: current.sub, username: current.username ?? null, expiresAt: Math.floor(current.accessTokenExpiresAt / 1000) });
}
