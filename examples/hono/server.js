// The Hono example, on @hono/node-server: `pnpm -C examples/hono start` (the examples' environment and routes).
import { createServer } from "node:http";
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";
import { createVerifier } from "@cognito-bearer/fetch";
import { authOf, cognitoAuth, requireGroups, requireScopes } from "@cognito-bearer/fetch/hono";
import { configFromEnv, listen, logout, orExit, revocationsFromEnv, signOutVerifier } from "../shared/config.mjs";
import { withMetrics } from "../shared/metrics.mjs";
import { ORDERS } from "../shared/orders.mjs";

const config = await withMetrics(configFromEnv()); // COGNITO_METRICS=1: Prometheus text at GET /metrics
// In Redis with COGNITO_REDIS_URL (shared by every instance), else in memory.
const revocations = await revocationsFromEnv(config);
// One verifier for both middlewares: one JWKS cache, one verified-token cache.
const verifier = orExit(() => createVerifier({ ...config.cognito, revocations }));
config.metrics?.telemetry.observeVerifier(verifier); // cache size, key set age
const auth = cognitoAuth(verifier); // 401 without a valid access token
const optionalAuth = cognitoAuth(verifier, { optional: true }); // anonymous is fine, a bad token is not
// POST /logout checks the token but not the list: a retried sign-out (the token already revoked here) is done again, not refused.
const signOutAuth = cognitoAuth(signOutVerifier(createVerifier, config));

/** JSON with the charset, as the other examples answer. */
const json = (c, body, status = 200) => c.body(JSON.stringify(body), status, { "Content-Type": "application/json; charset=utf-8" });

const app = new Hono();
app.get("/health", (c) => json(c, { status: "ok" }));
app.get("/me", auth, (c) => {
  const { sub, username, clientId, scopes, groups } = authOf(c);
  return json(c, { sub, username: username ?? null, clientId, scopes, groups });
});
app.get("/orders", auth, requireScopes("orders/read"), (c) => json(c, { orders: ORDERS }));
app.get("/admin", auth, requireGroups("admin"), (c) => json(c, { admin: true }));
app.get("/public", optionalAuth, (c) => json(c, c.var.auth ? { authenticated: true, sub: c.var.auth.sub } : { authenticated: false }));
app.post("/logout", signOutAuth, async (c) => {
  const [status, body, headers] = await logout(revocations, authOf(c));
  return body === undefined ? c.body(null, status, headers) : c.body(JSON.stringify(body), status, { ...headers, "Content-Type": "application/json; charset=utf-8" });
});
app.notFound((c) => json(c, { error: "not_found" }, 404));

listen(createServer(getRequestListener(app.fetch)), config, revocations);
