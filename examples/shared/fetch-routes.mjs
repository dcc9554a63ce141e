// @ts-check
// The examples' route table as one fetch handler (Request in, Response out),
// for the runtimes that serve fetch handlers: Deno.serve, Bun.serve and
// Next.js route handlers. @cognito-bearer/fetch does the auth: withCognitoAuth()
// on the protected routes, authenticateRequest() on the optional one.
import { authErrorResponse, authenticateRequest, requireGroups, requireScopes, withCognitoAuth } from "@cognito-bearer/fetch";
import { ORDERS } from "./orders.mjs";

/** JSON with the charset, as the other examples answer. */
const json = (/** @type {unknown} */ body, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json; charset=utf-8" } });

/**
 * @param {import("@cognito-bearer/fetch").Verifier} verifier one verifier for every route: one JWKS cache, one verified-token cache
 * @param {{ prefix?: string }} [options] a path prefix to strip (a Next.js catch-all route mounted under it)
 * @returns {(request: Request) => Promise<Response>}
 */
export function fetchRoutes(verifier, { prefix = "" } = {}) {
  const canReadOrders = requireScopes("orders/read");
  const isAdmin = requireGroups("admin");
  // withCognitoAuth answers 400/401/503 itself, and the 403 of a requirement the handler throws.
  /** @type {Record<string, (request: Request) => Promise<Response>>} */
  const routes = {
    "/health": async () => json({ status: "ok" }),
    "/me": withCognitoAuth(verifier, (_request, { sub, username, clientId, scopes, groups }) => json({ sub, username: username ?? null, clientId, scopes, groups })),
    "/orders": withCognitoAuth(verifier, (_request, auth) => {
      canReadOrders(auth);
      return json({ orders: ORDERS });
    }),
    "/admin": withCognitoAuth(verifier, (_request, auth) => {
      isAdmin(auth);
      return json({ admin: true });
    }),
    // Anonymous is fine; a bad token is not.
    "/public": async (request) => {
      try {
        const auth = await authenticateRequest(request, verifier, { optional: true });
        return json(auth ? { authenticated: true, sub: auth.sub } : { authenticated: false });
      } catch (err) {
        return authErrorResponse(err);
      }
    },
  };
  return async (request) => {
    // Matched as Express does by default: case-insensitive, optional trailing slash.
    const path = new URL(request.url).pathname.slice(prefix.length).toLowerCase().replace(/(.)\/$/, "$1");
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (route === undefined || (request.method !== "GET" && request.method !== "HEAD")) return json({ error: "not_found" }, 404);
    return route(request);
  };
}
