// Which route a request is for, and the checks every route of a kind shares:
// the method, and for state-changing POSTs our custom header (a cross-site
// form cannot send one) and an allowed Origin. Only origin-form targets
// ("/auth/…") are ours: an absolute-form target ("http://host/auth/…") or
// "//host/auth/…" is passed on, not read as our path.
import type { HandlerContext } from "./context.js";
import { header, json, type TokenHandlerRequest, type TokenHandlerResponse } from "./http.js";
import { callback } from "./routes/callback.js";
import { login } from "./routes/login.js";
import { logout } from "./routes/logout.js";
import { session } from "./routes/session.js";
import { token } from "./routes/token.js";

type Run = (context: HandlerContext, req: TokenHandlerRequest, url: URL) => Promise<TokenHandlerResponse>;
export interface Route {
  readonly name: "login" | "callback" | "token" | "session" | "logout";
  readonly method: "GET" | "POST";
  readonly run: Run;
}

const ROUTES: ReadonlyMap<string, Route> = new Map<string, Route>([
  ["login", { name: "login", method: "GET", run: login }],
  ["callback", { name: "callback", method: "GET", run: callback }],
  ["token", { name: "token", method: "POST", run: token }],
  ["session", { name: "session", method: "GET", run: session }],
  ["logout", { name: "logout", method: "POST", run: logout }],
]);

/** The route for `req` and its parsed URL; a response when it is under the base path but refused; undefined when it is not ours. */
export function match(context: HandlerContext, req: TokenHandlerRequest): { route: Route; url: URL } | TokenHandlerResponse | undefined {
  const target = req.url;
  if (!target.startsWith("/") || target.startsWith("//")) return undefined;
  const end = target.search(/[?#]/);
  const path = end < 0 ? target : target.slice(0, end);
  const prefix = `${context.o.basePath}/`;
  if (!path.startsWith(prefix)) return undefined;
  const route = ROUTES.get(path.slice(prefix.length));
  // Proxy mode's default: no access token for the browser, so no /token at all.
  if (route === undefined || (route.name === "token" && !context.o.exposeAccessToken)) return json(404, { error: "not_found" });
  if (req.method !== route.method && !(route.method === "GET" && req.method === "HEAD")) return json(405, { error: "method_not_allowed" }, { allow: route.method });
  if (route.method === "POST") {
    const refused = refusedPost(context, req);
    if (refused !== undefined) return refused;
  }
  return { route, url: new URL(target, "http://token-handler.invalid") };
}

/** The anti-CSRF checks of a state-changing request: our custom header, and an allowed Origin. */
export function refusedPost(context: HandlerContext, req: TokenHandlerRequest): TokenHandlerResponse | undefined {
  const { o, emit } = context;
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
