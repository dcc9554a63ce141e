// A Lambda proxy handler behind API Gateway (HTTP API, payload 2.0) with the
// examples' routes. In AWS, deploy this file; locally, server.js runs it.
import { createVerifier, requireGroups, requireScopes, withCognitoAuth } from "@cognito-bearer/lambda";
import { logout } from "../shared/config.mjs";
import { ORDERS } from "../shared/orders.mjs";

const json = (body, statusCode = 200, headers = {}) => ({ statusCode, headers: { ...headers, "Content-Type": "application/json; charset=utf-8" }, body: JSON.stringify(body) });
const canReadOrders = requireScopes("orders/read");
const isAdmin = requireGroups("admin");

/** The handler, for a verifier and a revocation list made once per container (outside the handler: warm invocations share their caches). */
export function createHandler(verifierOptions, revocations) {
  const verifier = createVerifier({ ...verifierOptions, revocations });
  const protectedRoutes = withCognitoAuth(verifier, async (event, _context, auth) => {
    switch (routeOf(event)) {
      case "GET /me": {
        const { sub, username, clientId, scopes, groups } = auth;
        return json({ sub, username: username ?? null, clientId, scopes, groups });
      }
      case "GET /orders":
        canReadOrders(auth);
        return json({ orders: ORDERS });
      case "GET /admin":
        isAdmin(auth);
        return json({ admin: true });
      default:
        return json({ error: "not_found" }, 404);
    }
  }, { allowPreflight: false });
  // POST /logout checks the token but not the list: a retried sign-out (the token already revoked here) is done again, not refused.
  const signOutRoute = withCognitoAuth(createVerifier(verifierOptions), async (_event, _context, auth) => {
    const [status, body, headers] = await logout(revocations, auth);
    return body === undefined ? { statusCode: status, headers } : json(body, status, headers);
  }, { allowPreflight: false });
  const publicRoute = withCognitoAuth(verifier, async (_event, _context, auth) => json(auth ? { authenticated: true, sub: auth.sub } : { authenticated: false }), { optional: true });
  const handler = async (event, context) => {
    const route = routeOf(event);
    if (route === "GET /health") return json({ status: "ok" });
    if (route === "GET /public") return publicRoute(event, context);
    if (route === "POST /logout") return signOutRoute(event, context);
    if (["GET /me", "GET /orders", "GET /admin"].includes(route)) return protectedRoutes(event, context);
    return json({ error: "not_found" }, 404);
  };
  return { handler, verifier };
}

/** "METHOD /path", matched case-insensitively with an optional trailing slash, as the other examples do. */
function routeOf(event) {
  const path = event.rawPath.toLowerCase().replace(/(.)\/$/, "$1");
  return `${event.requestContext.http.method} ${path}`;
}
