// The plain node:http example: `pnpm -C examples/node start` (see README.md for the environment).
import { createServer } from "node:http";
import { authenticate, createVerifier, isAuthError, requireGroups, requireScopes, sendAuthError } from "@cognito-bearer/node";
import { configFromEnv, listen, logout, orExit, revocationsFromEnv, signOutVerifier } from "../shared/config.mjs";
import { withMetrics } from "../shared/metrics.mjs";
import { ORDERS } from "../shared/orders.mjs";

const config = await withMetrics(configFromEnv()); // COGNITO_METRICS=1: Prometheus text at GET /metrics
// In Redis with COGNITO_REDIS_URL (shared by every instance), else in memory.
const revocations = await revocationsFromEnv(config);
const verifier = orExit(() => createVerifier({ ...config.cognito, revocations }));
config.metrics?.telemetry.observeVerifier(verifier); // cache size, key set age
// POST /logout checks the token but not the list: a retried sign-out (the token already revoked here) is done again, not refused.
const signOut = signOutVerifier(createVerifier, config);
// Checks on a verified token: they throw an AuthError (403) when it lacks the scope / group.
const canReadOrders = requireScopes("orders/read");
const isAdmin = requireGroups("admin");

/** Resolves to [status, body, headers?]; authenticate() rejects with an AuthError (400/401/503). */
async function route(req) {
  // Matched as Express and @koa/router do by default: case-insensitive, optional trailing slash.
  const path = (req.url ?? "/").split("?")[0].toLowerCase().replace(/(.)\/$/, "$1");
  // Signs the caller out: the same access token is refused from now on, on every instance sharing the list.
  if (req.method === "POST" && path === "/logout") return logout(revocations, await authenticate(req, signOut));
  if (req.method !== "GET" && req.method !== "HEAD") return [404, { error: "not_found" }];
  switch (path) {
    case "/health":
      return [200, { status: "ok" }];
    case "/me": {
      const { sub, username, clientId, scopes, groups } = await authenticate(req, verifier);
      return [200, { sub, username: username ?? null, clientId, scopes, groups }];
    }
    case "/orders":
      canReadOrders(await authenticate(req, verifier));
      return [200, { orders: ORDERS }];
    case "/admin":
      isAdmin(await authenticate(req, verifier));
      return [200, { admin: true }];
    case "/public": {
      const auth = await authenticate(req, verifier, { optional: true });
      return [200, auth ? { authenticated: true, sub: auth.sub } : { authenticated: false }];
    }
    default:
      return [404, { error: "not_found" }];
  }
}

function sendJson(res, status, body, headers = {}) {
  if (body === undefined) return void res.writeHead(status, headers).end();
  const json = JSON.stringify(body);
  res.writeHead(status, { ...headers, "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(json) });
  res.end(json);
}

const server = createServer((req, res) => {
  route(req).then(
    ([status, body, headers]) => sendJson(res, status, body, headers),
    (err) => {
      if (isAuthError(err)) return sendAuthError(res, err); // status, WWW-Authenticate / Retry-After, JSON body
      console.error(err);
      sendJson(res, 500, { error: "server_error" });
    },
  );
});

listen(server, config, revocations);
