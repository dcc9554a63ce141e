// The Express example: `pnpm -C examples/express start` (see README.md for the environment).
import { createServer } from "node:http";
import express from "express";
import { cognitoAuth, createVerifier, requireGroups, requireScopes } from "@cognito-bearer/express";
import { configFromEnv, listen, logout, orExit, revocationsFromEnv, signOutVerifier } from "../shared/config.mjs";
import { withMetrics } from "../shared/metrics.mjs";
import { ORDERS } from "../shared/orders.mjs";

const config = await withMetrics(configFromEnv()); // COGNITO_METRICS=1: Prometheus text at GET /metrics
// In Redis with COGNITO_REDIS_URL (shared by every instance), else in memory.
const revocations = await revocationsFromEnv(config);
// One verifier, so both middlewares share its JWKS and verified-token caches.
const verifier = orExit(() => createVerifier({ ...config.cognito, revocations }));
config.metrics?.telemetry.observeVerifier(verifier); // cache size, key set age
const auth = cognitoAuth(verifier); // 401 without a valid access token
const optionalAuth = cognitoAuth(verifier, { optional: true }); // anonymous is fine, a bad token is not
// POST /logout checks the token but not the list: a retried sign-out (the token already revoked here) is done again, not refused.
const signOutAuth = cognitoAuth(signOutVerifier(createVerifier, config));

const app = express();
app.disable("x-powered-by");
app.disable("etag"); // answer exactly like the Koa and Node examples

app.get("/health", (_req, res) => {
  res.json({ status: "ok" });
});

app.get("/me", auth, (req, res) => {
  const { sub, username, clientId, scopes, groups } = req.auth; // set by `auth`
  res.json({ sub, username: username ?? null, clientId, scopes, groups });
});

app.get("/orders", auth, requireScopes("orders/read"), (_req, res) => {
  res.json({ orders: ORDERS });
});

app.get("/admin", auth, requireGroups("admin"), (_req, res) => {
  res.json({ admin: true });
});

app.get("/public", optionalAuth, (req, res) => {
  res.json(req.auth ? { authenticated: true, sub: req.auth.sub } : { authenticated: false });
});

// Signs the caller out: the same access token is refused from now on, on every instance sharing the list.
app.post("/logout", signOutAuth, async (req, res) => {
  const [status, body, headers] = await logout(revocations, req.auth);
  res.status(status).set(headers);
  if (body) res.json(body);
  else res.end();
});

app.use((_req, res) => {
  res.status(404).json({ error: "not_found" });
});

listen(createServer(app), config, revocations);
