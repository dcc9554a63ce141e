// createTokenHandler: the token handler ("backend for frontend") that keeps the
// refresh token off the browser. Framework-free: a request in, a response out;
// the mounts for Express, Koa and node:http only translate. Under its base
// path (default /auth), one module per route (routes/):
//   GET  /login?returnTo=/path  starts a sign-in (state, nonce, PKCE) at Cognito
//   GET  /callback              finishes it: a server-side session, a cookie with its id
//   POST /token                 the SPA's access token, refreshed at Cognito when due
//   GET  /session               who is signed in (never a token)
//   POST /logout                revokes everything, ends the session
// In proxy mode (`upstreams`), requests under an upstream's prefix are
// forwarded with the session's access token (proxy/), streamed: the mounts
// hand them to forward() with node:http's request and response.
import type { IncomingMessage, ServerResponse } from "node:http";
import { createContext, type HandlerContext } from "./context.js";
import { classifyFailure } from "./failure.js";
import { json, type TokenHandlerRequest, type TokenHandlerResponse } from "./http.js";
import { resolveTokenHandlerOptions, type TokenHandlerOptions } from "./options.js";
import { createProxy } from "./proxy/forward.js";
import { match } from "./router.js";

export interface TokenHandler {
  readonly basePath: string;
  /** The answer to a request under the base path, or undefined for any other path (pass it on). */
  handle(req: TokenHandlerRequest): Promise<TokenHandlerResponse | undefined>;
  /**
   * Proxy mode: true when `target` (the request target as received, default `req.url`) is under an upstream's
   * prefix, and the proxy answers `res` itself (streamed); false for any other path, and always without `upstreams`.
   */
  forward(req: IncomingMessage, res: ServerResponse, target?: string): boolean;
  /** Closes the session store, and the verifier if the handler created it. */
  close(): Promise<void>;
}

export function createTokenHandler(options: TokenHandlerOptions): TokenHandler {
  return buildTokenHandler(options).handler;
}

/** The handler and the context its routes share: for the mounts that need more than a request in and a response out (next/). */
export function buildTokenHandler(options: TokenHandlerOptions): { handler: TokenHandler; context: HandlerContext } {
  const o = resolveTokenHandlerOptions(options);
  const context = createContext(o);
  const proxy = o.proxy === undefined ? undefined : createProxy(context, o.proxy);
  const handler: TokenHandler = {
    basePath: o.basePath,
    forward: (req, res, target) => proxy !== undefined && proxy.forward(req, res, target ?? req.url ?? "/"),
    async handle(req) {
      const matched = match(context, req);
      if (matched === undefined || !("route" in matched)) return matched;
      try {
        return await matched.route.run(context, req, matched.url);
      } catch (err) {
        // The session store (Redis) failed: a server fault, never a sign-out.
        const kind = classifyFailure(context, err, matched.route.name === "callback" ? "callback" : "refresh");
        if (kind.status === 500) return json(500, { error: "server_error", error_description: "The sign-in service is misconfigured" });
        return json(503, { error: "temporarily_unavailable", error_description: "Temporarily unavailable; retry" }, { "retry-after": kind.retryAfter });
      }
    },
    async close() {
      proxy?.close();
      await o.sessions.close();
      if (o.ownsVerifier) o.verifier.close();
    },
  };
  return { handler, context };
}
