// The Fastify example: `pnpm -C examples/fastify start` (the examples' environment and routes).
import { createServer } from "node:http";
import Fastify from "fastify";
import { authOf, cognitoAuth, createVerifier, requireGroups, requireScopes } from "@cognito-bearer/fastify";
import { configFromEnv, listen, logout, orExit, revocationsFromEnv, signOutVerifier } from "../shared/config.mjs";
import { withMetrics } from "../shared/metrics.mjs";
import { ORDERS } from "../shared/orders.mjs";

const config = await withMetrics(configFromEnv()); // COGNITO_METRICS=1: Prometheus text at GET /metrics
// In Redis with COGNITO_REDIS_URL (shared by every instance), else in memory.
const revocations = await revocationsFromEnv(config);
// One verifier, shared by both contexts below: one JWKS cache, one verified-token cache.
const verifier = orExit(() => createVerifier({ ...config.cognito, revocations }));
config.metrics?.telemetry.observeVerifier(verifier); // cache size, key set age

// Our own node:http server, so that listening and shutdown work as in the other examples.
let server;
const app = Fastify({ serverFactory: (handler) => (server = createServer(handler)) });
app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: "not_found" }));
app.get("/health", async () => ({ status: "ok" }));

// Anonymous is fine here, a bad token is not.
app.register(async (open) => {
  await open.register(cognitoAuth, { verifier, optional: true });
  open.get("/public", async (request) => (request.auth ? { authenticated: true, sub: request.auth.sub } : { authenticated: false }));
});

// Everything in this context needs a valid access token.
app.register(async (api) => {
  await api.register(cognitoAuth, { verifier });
  api.get("/me", async (request) => {
    const { sub, username, clientId, scopes, groups } = authOf(request);
    return { sub, username: username ?? null, clientId, scopes, groups };
  });
  api.get("/orders", { preHandler: requireScopes("orders/read") }, async () => ({ orders: ORDERS }));
  api.get("/admin", { preHandler: requireGroups("admin") }, async () => ({ admin: true }));
});

// POST /logout checks the token but not the list: a retried sign-out (the token already revoked here) is done again, not refused.
const signOut = signOutVerifier(createVerifier, config);
app.register(async (api) => {
  await api.register(cognitoAuth, { verifier: signOut });
  api.post("/logout", async (request, reply) => {
    const [status, body, headers] = await logout(revocations, authOf(request));
    reply.code(status).headers(headers);
    return body === undefined ? reply.send() : reply.send(body);
  });
});

await app.ready();
listen(server, config, revocations);
