// The token handler and the API on one origin: `pnpm -C examples/bff start`.
//
// With no COGNITO_* variables it runs offline: it starts its own test issuer
// (Cognito's OAuth endpoints, a demo user signed in without a form). With
// COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID, COGNITO_DOMAIN, COGNITO_REDIRECT_URI
// (and COGNITO_CLIENT_SECRET for a confidential client) it talks to a real
// pool; COGNITO_REDIS_URL (with COGNITO_SESSION_SECRET) puts sessions and
// revocations in Redis, shared by every instance.
//
// BFF_MODE=proxy is the full BFF: the API below runs as an upstream of its own
// on 127.0.0.1 (a random port), reached only through the token handler's proxy
// under /api/ (/api/me, /api/orders, …), which attaches the access token on the
// server; POST /auth/token is not served, and no token reaches the browser.
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import express from "express";
import { createVerifier } from "@cognito-bearer/core";
import { cognitoAuth, requireGroups, requireScopes } from "@cognito-bearer/express";
import { createTokenHandler } from "@cognito-bearer/bff";
import { tokenHandlerMiddleware } from "@cognito-bearer/bff/express";
import { createRedisSessionStore } from "@cognito-bearer/redis";
import { createTestIssuer } from "@cognito-bearer/testing";
import { fail, listen, logJwksFailure, logout, orExit, redisConnection, redisFromEnv, revocationsFromEnv, signOutVerifier } from "../shared/config.mjs";
import { withMetrics } from "../shared/metrics.mjs";
import { ORDERS } from "../shared/orders.mjs";

const env = (name) => process.env[name]?.trim() || undefined;
const portText = env("PORT") ?? "3000";
if (!/^\d+$/.test(portText) || Number(portText) > 65535) fail(`PORT must be an integer from 0 to 65535, got "${portText}"`);
const metricsFlag = env("COGNITO_METRICS") ?? "0";
if (metricsFlag !== "0" && metricsFlag !== "1") fail(`COGNITO_METRICS must be 1 (Prometheus text at GET /metrics) or 0, got "${metricsFlag}"`);
// COGNITO_METRICS=1: the verifier's and the token handler's telemetry (sign-ins, refreshes, sign-outs, the token endpoint's latency) at GET /metrics.
// withMetrics() wraps a verifier hook: this example builds its verifiers itself, so it takes the hook from there.
const { metrics, cognito: verifierHooks } = await withMetrics({ metricsEnabled: metricsFlag === "1", cognito: { onEvent: logJwksFailure } });
const config = { port: Number(portText), host: env("HOST") ?? "127.0.0.1", ...redisFromEnv(), metrics };
const mode = env("BFF_MODE") ?? "token";
if (mode !== "token" && mode !== "proxy") fail(`BFF_MODE must be "token" or "proxy", got "${mode}"`);

// A real pool, or an offline one of our own.
const offline = env("COGNITO_USER_POOL_ID") === undefined;
const issuer = offline
  ? await createTestIssuer({
      oauth: {
        redirectUris: ["http://localhost/placeholder"],
        allowedScopes: ["openid", "email", "profile", "orders/read"],
        users: [{ username: "demo", email: "demo@example.com", groups: ["admin"] }],
        accessTokenLifetimeSeconds: accessTokenSeconds(),
      },
    })
  : undefined;

/** Offline, access tokens live DEMO_ACCESS_TOKEN_SECONDS (default 60), so refreshes happen while you watch. */
function accessTokenSeconds() {
  const seconds = Number(env("DEMO_ACCESS_TOKEN_SECONDS") ?? 60);
  if (!Number.isFinite(seconds) || seconds < 2) fail(`DEMO_ACCESS_TOKEN_SECONDS must be a number of seconds >= 2, got "${env("DEMO_ACCESS_TOKEN_SECONDS")}"`);
  return seconds;
}
const pool = offline
  ? { ...issuer.verifierOptions, domain: issuer.url, scopes: ["openid", "email", "profile", "orders/read"] }
  : {
      userPoolId: env("COGNITO_USER_POOL_ID"),
      // Comma-separated like the other examples: the API accepts them all; the first is the token handler's app client.
      clientId: (env("COGNITO_CLIENT_ID") ?? fail("COGNITO_CLIENT_ID is required")).split(",").map((id) => id.trim()).filter(Boolean),
      issuer: env("COGNITO_ISSUER"),
      jwksUri: env("COGNITO_JWKS_URI"),
      domain: env("COGNITO_DOMAIN") ?? fail("COGNITO_DOMAIN is required (your user pool domain, e.g. https://myapp.auth.eu-west-1.amazoncognito.com)"),
      clientSecret: env("COGNITO_CLIENT_SECRET"),
      redirectUri: env("COGNITO_REDIRECT_URI") ?? fail("COGNITO_REDIRECT_URI is required (e.g. https://app.example.com/auth/callback)"),
      scopes: env("COGNITO_SCOPES")?.split(/[\s,]+/),
    };

const revocations = await revocationsFromEnv(config);
// With Redis, one secret seals the sessions at rest and the sign-in cookies, so every instance opens both.
const sessionSecret = config.redisUrl ? (env("COGNITO_SESSION_SECRET") ?? fail("COGNITO_SESSION_SECRET is required with COGNITO_REDIS_URL (32 characters or more)")) : undefined;
const sessions = config.redisUrl ? orExit(() => createRedisSessionStore({ ...redisConnection(config), secret: sessionSecret })) : undefined;
const verifier = orExit(() =>
  createVerifier({ userPoolId: pool.userPoolId, clientId: pool.clientId, issuer: pool.issuer, jwksUri: pool.jwksUri, revocations, onEvent: verifierHooks.onEvent }),
);
metrics?.telemetry.observeVerifier(verifier);
const auth = cognitoAuth(verifier);
// POST /logout checks the token but not the list: a retried sign-out (the token already revoked here) is done again, not refused.
const signOutAuth = cognitoAuth(
  signOutVerifier(createVerifier, { cognito: { userPoolId: pool.userPoolId, clientId: pool.clientId, issuer: pool.issuer, jwksUri: pool.jwksUri, onEvent: logJwksFailure } }),
);

let tokenHandler; // created once the port is known (the callback URL names it)
const app = express();
app.disable("x-powered-by");
app.disable("etag"); // answer exactly like the other examples
app.use((req, res, next) => (tokenHandler ? tokenHandlerMiddleware(tokenHandler)(req, res, next) : next()));
app.get("/health", (_req, res) => res.json({ status: "ok" }));

// The demo SPA (public/) and the client module it imports, straight from @cognito-bearer/client's build.
const here = dirname(fileURLToPath(import.meta.url));
const clientBuild = join(dirname(createRequire(import.meta.url).resolve("@cognito-bearer/client/package.json")), "dist", "esm");
app.use(express.static(join(here, "public")));
app.use("/vendor/client", express.static(clientBuild));
// What the page needs to know about the mode (offline, the demo controls' settings too).
if (!offline && mode === "proxy") app.get("/demo/config", (_req, res) => res.json({ mode, apiPrefix: "/api" }));
if (offline) {
  // Demo controls, offline only: the refresh margins that make refreshes visible, a JWKS outage, a GlobalSignOut.
  const lifetime = accessTokenSeconds();
  app.get("/demo/config", (_req, res) => res.json({ accessTokenSeconds: lifetime, clientMarginSeconds: lifetime / 2, mode, apiPrefix: mode === "proxy" ? "/api" : "" }));
  app.post("/demo/jwks", express.json(), (req, res) => {
    if (req.get("x-csrf") !== "1") return res.status(403).json({ error: "forbidden" });
    if (req.body?.down) {
      issuer.setFault({ mode: "down" });
      // Tokens signed from now on carry a kid the API has not cached: checking them needs the JWKS.
      issuer.rotateKey({ retireOthers: true });
    } else issuer.setFault(null);
    res.status(204).end();
  });
  app.post("/demo/global-sign-out", (req, res) => {
    if (req.get("x-csrf") !== "1") return res.status(403).json({ error: "forbidden" });
    res.json({ revoked: issuer.oauth.globalSignOut("demo") });
  });
}
// The API: on this origin (token mode), or an upstream of its own behind the proxy (proxy mode).
const api = express.Router();
api.get("/me", auth, (req, res) => {
  const { sub, username, clientId, scopes, groups } = req.auth;
  res.json({ sub, username: username ?? null, clientId, scopes, groups });
});
api.get("/orders", auth, requireScopes("orders/read"), (_req, res) => res.json({ orders: ORDERS }));
api.get("/admin", auth, requireGroups("admin"), (_req, res) => res.json({ admin: true }));
api.get("/public", cognitoAuth(verifier, { optional: true }), (req, res) => res.json(req.auth ? { authenticated: true, sub: req.auth.sub } : { authenticated: false }));
api.post("/logout", signOutAuth, async (req, res) => {
  const [status, body, headers] = await logout(revocations, req.auth);
  res.status(status).set(headers);
  if (body) res.json(body);
  else res.end();
});
let upstreamUrl;
if (mode === "proxy") {
  const upstream = express();
  upstream.disable("x-powered-by");
  upstream.disable("etag");
  upstream.use(api);
  upstream.use((_req, res) => res.status(404).json({ error: "not_found" }));
  const apiServer = createServer(upstream);
  await new Promise((resolve) => apiServer.listen(0, "127.0.0.1", resolve));
  apiServer.unref();
  upstreamUrl = `http://127.0.0.1:${apiServer.address().port}`;
} else app.use(api);
app.use((_req, res) => res.status(404).json({ error: "not_found" }));

const server = createServer(app);
// Runs before listen() prints its line: the handler exists once the port is announced.
server.once("listening", () => {
  const { port } = server.address();
  const redirectUri = pool.redirectUri ?? `http://localhost:${port}/auth/callback`;
  issuer?.oauth.addRedirectUri(redirectUri);
  tokenHandler = orExit(() =>
    createTokenHandler({
      cognito: { domain: pool.domain, clientId: [pool.clientId].flat()[0], clientSecret: pool.clientSecret, redirectUri, scopes: pool.scopes },
      verifier,
      revocations,
      sessions,
      secret: sessionSecret,
      // Offline, tokens are short-lived: refresh at Cognito once a quarter of their life is left.
      refreshMarginSeconds: offline ? accessTokenSeconds() * 0.75 : undefined,
      // Proxy mode: /api/* goes to the API's own server, the token attached here; no POST /auth/token.
      upstreams: mode === "proxy" ? { "/api": upstreamUrl } : undefined,
      // COGNITO_METRICS=1: the latency of each call to Cognito's token and revoke endpoints (and a span, where an app sets up tracing).
      fetch: metrics?.telemetry.tracedFetch(),
      onEvent: (event) => {
        metrics?.telemetry.onTokenHandlerEvent(event);
        if (["cognito_unavailable", "configuration_error", "store_unavailable", "verifier_unavailable"].includes(event.type)) console.error(`token handler: ${event.type}: ${event.detail}`);
        if (event.type === "upstream_unavailable") console.error(`token handler: upstream_unavailable: ${event.upstream}: ${event.detail}`);
        if (event.type === "sign_in_failed") console.error(`token handler: sign_in_failed: Cognito answered error=${event.error}`);
      },
    }),
  );
  if (offline) console.log(`offline: a local Cognito at ${issuer.url}; open http://localhost:${port}/ and sign in as "demo"`);
});
listen(server, config, revocations);
