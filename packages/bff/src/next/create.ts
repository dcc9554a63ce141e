// createNextTokenHandler: the token handler for a Next.js App Router app.
// The stateful core (the handler, its session store, refresh locks and
// upstream connections) is made once per process and kept on globalThis
// (memo.ts says why); each evaluation of the app's lib/bff.ts gets a thin
// surface over it, bound to that bundle layer's React (its `cache`).
import { OptionsError } from "@cognito-bearer/core";
import type { HandlerContext } from "../context.js";
import { buildTokenHandler, type TokenHandler } from "../handler.js";
import type { TokenHandlerOptions } from "../options.js";
import type { SessionInfo } from "../routes/session.js";
import { forget, memoised } from "./memo.js";
import { bindToRequest } from "./next-binding.js";
import { createOptimisticCheck, type OptimisticCheckOptions } from "./optimistic-check.js";
import { forCookies, type CookieSource, type ServerSession } from "./server-session.js";
import { createRouteHandlers, type RouteHandler } from "./route-handlers.js";
import { createWebProxy, type WebProxy } from "./web-proxy.js";

export interface NextTokenHandlerOptions extends TokenHandlerOptions {
  /**
   * The process-wide instance this call makes or finds (globalThis, under Symbol.for("cognito-bearer.next:" + name)).
   * Default "default"; another name for a second handler in one app. The first call's options win.
   */
  name?: string | undefined;
}

/** Who is signed in: never a token. `expiresAt` is when the session's current access token expires (seconds). */
export type NextSession = SessionInfo;

export interface NextTokenHandler {
  /** `export const { GET, POST } = bff.routeHandlers` in app/auth/[...route]/route.ts (your basePath). */
  readonly routeHandlers: { GET: RouteHandler; POST: RouteHandler };
  /** Proxy mode (`upstreams`): `export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = bff.proxyHandlers` in app/api/[...path]/route.ts. */
  readonly proxyHandlers: { GET: RouteHandler; HEAD: RouteHandler; POST: RouteHandler; PUT: RouteHandler; PATCH: RouteHandler; DELETE: RouteHandler; OPTIONS: RouteHandler };
  /** Who is signed in, or null; in server components, route handlers and server actions. */
  getSession(): Promise<NextSession | null>;
  /** The session's access token for server-side calls; throws SessionExpiredError or TokenHandlerUnavailableError. */
  getAccessToken(): Promise<string>;
  /** In a server action: signs out as POST /auth/logout does and clears the cookie; `redirect(logoutUrl)` next. */
  signOut(): Promise<{ logoutUrl: string }>;
  /** In proxy.ts: NextResponse.next(), or a redirect to sign in for a protected path without a session cookie. Never the real check. */
  optimisticCheck(request: Request, options: OptimisticCheckOptions): Response;
  /** The framework-free handler underneath (mounts, tests). */
  readonly handler: TokenHandler;
  /** Closes the handler (its session store, its verifier if it made it) and forgets the process-wide instance. */
  close(): Promise<void>;
}

interface Core {
  handler: TokenHandler;
  context: HandlerContext;
  proxy: WebProxy;
}

/** The context under each instance: for forCookiesOf (tests, and callers outside a Next.js request). */
const contexts = new WeakMap<NextTokenHandler, HandlerContext>();

/** getSession/getAccessToken/signOut for explicit cookies (a Cookie header or a cookie store), outside Next's request scope. Internal. */
export function forCookiesOf(bff: NextTokenHandler, source: CookieSource): ServerSession {
  const context = contexts.get(bff);
  if (context === undefined) throw new TypeError("not a handler made by createNextTokenHandler()");
  return forCookies(context, source);
}

export function createNextTokenHandler(options: NextTokenHandlerOptions): NextTokenHandler {
  if (options === null || typeof options !== "object") throw new OptionsError("createNextTokenHandler() needs an options object");
  const { name = "default", ...handlerOptions } = options;
  if (typeof name !== "string" || name === "") throw new OptionsError("name must be a non-empty string");
  const core = memoised<Core>(name, () => {
    const built = buildTokenHandler(handlerOptions);
    return { ...built, proxy: createWebProxy(built.context, built.context.o.proxy) };
  });
  const { handler, context, proxy } = core;
  const bound = bindToRequest(context);
  const optimisticCheck = createOptimisticCheck(context.o.cookieNames.session, context.o.basePath);
  const bff: NextTokenHandler = {
    routeHandlers: createRouteHandlers(handler),
    proxyHandlers: { GET: proxy, HEAD: proxy, POST: proxy, PUT: proxy, PATCH: proxy, DELETE: proxy, OPTIONS: proxy },
    getSession: bound.getSession,
    getAccessToken: bound.getAccessToken,
    signOut: bound.signOut,
    optimisticCheck,
    handler,
    async close() {
      forget(name, core);
      await handler.close();
    },
  };
  contexts.set(bff, context);
  return bff;
}
