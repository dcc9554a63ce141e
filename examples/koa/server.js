// The Koa example: `pnpm -C examples/koa start` (see README.md for the environment).
import { createServer } from "node:http";
import Koa from "koa";
import { Router } from "@koa/router";
import { cognitoAuth, createVerifier, requireGroups, requireScopes } from "@cognito-bearer/koa";
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

const router = new Router();

router.get("/health", (ctx) => {
  ctx.body = { status: "ok" };
});

router.get("/me", auth, (ctx) => {
  const { sub, username, clientId, scopes, groups } = ctx.state.auth; // set by `auth`
  ctx.body = { sub, username: username ?? null, clientId, scopes, groups };
});

// Signs the caller out: the same access token is refused from now on, on every instance sharing the list.
router.post("/logout", signOutAuth, async (ctx) => {
  const [status, body, headers] = await logout(revocations, ctx.state.auth);
  ctx.set(headers);
  ctx.status = status;
  if (body) ctx.body = body;
});

router.get("/orders", auth, requireScopes("orders/read"), (ctx) => {
  ctx.body = { orders: ORDERS };
});

router.get("/admin", auth, requireGroups("admin"), (ctx) => {
  ctx.body = { admin: true };
});

router.get("/public", optionalAuth, (ctx) => {
  const { auth } = ctx.state;
  ctx.body = auth ? { authenticated: true, sub: auth.sub } : { authenticated: false };
});

const app = new Koa();
app.use(router.routes());
app.use((ctx) => {
  ctx.status = 404;
  ctx.body = { error: "not_found" };
});

listen(createServer(app.callback()), config, revocations);
