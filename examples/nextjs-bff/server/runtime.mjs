// What runs beside Next.js in the `next start` process, started once by
// instrumentation.ts: the orders API (the BFF's upstream, on 127.0.0.1, a
// random port), the revocation list it shares with the BFF, and, offline (no
// COGNITO_* variables), a local Cognito: the test issuer of
// @cognito-bearer/testing with a demo user signed in without a form.
//
// Plain Node, loaded by Node's own `import()` rather than bundled by
// Turbopack: Express, Redis's client and the test issuer are servers, not app
// code, and stay exactly as the other examples run them (examples/shared).
//
// Why here, in the Next.js process, and not in a launcher that starts them and
// then `next start` with environment variables: the API must refuse an access
// token as soon as the BFF signs its session out, so both hold the SAME
// revocation list (in memory offline: an object, which only one process can
// share; with COGNITO_REDIS_URL, Redis shares it across processes and
// instances). And the offline callback URL needs the port `next start`
// actually listened on (PORT=0 picks one), which only this process knows.
import { createServer } from "node:http";
import express from "express";
import { createVerifier, extractBearerToken } from "@cognito-bearer/core";
import { cognitoAuth, requireScopes } from "@cognito-bearer/express";
import { createRedisSessionStore } from "@cognito-bearer/redis";
import { createTestIssuer } from "@cognito-bearer/testing";
import { fail, logJwksFailure, orExit, redisConnection, redisFromEnv, revocationsFromEnv } from "../../shared/config.mjs";
import { ORDERS } from "../../shared/orders.mjs";

const env = (/** @type {string} */ name) => process.env[name]?.trim() || undefined;
const SCOPES = ["openid", "email", "profile", "orders/read"];

/** Offline, access tokens live DEMO_ACCESS_TOKEN_SECONDS (default 60), so refreshes happen while you watch. */
function accessTokenSeconds() {
  const seconds = Number(env("DEMO_ACCESS_TOKEN_SECONDS") ?? 60);
  if (!Number.isFinite(seconds) || seconds < 2) fail(`DEMO_ACCESS_TOKEN_SECONDS must be a number of seconds >= 2, got "${env("DEMO_ACCESS_TOKEN_SECONDS")}"`);
  return seconds;
}

/** Listens on 127.0.0.1, a free port; resolves with the server's URL. */
async function listenLocally(/** @type {import("node:http").Server} */ server) {
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(undefined));
  });
  // Nothing here keeps the process alive: Next's server does, and its exit ends these.
  server.unref();
  const address = /** @type {import("node:net").AddressInfo} */ (server.address());
  return `http://127.0.0.1:${address.port}`;
}

/**
 * Starts the API (and offline, the issuer) and resolves with what the BFF
 * needs: the token handler's options and the API's URL.
 * @param {{ port: number }} app where `next start` listens (for the offline callback URL)
 */
export async function startRuntime({ port }) {
  const offline = env("COGNITO_USER_POOL_ID") === undefined;
  const issuer = offline
    ? await createTestIssuer({
        oauth: {
          redirectUris: [`http://localhost:${port}/auth/callback`],
          allowedScopes: SCOPES,
          users: [{ username: "demo", email: "demo@example.com", groups: ["admin"] }],
          accessTokenLifetimeSeconds: accessTokenSeconds(),
        },
      })
    : undefined;
  const pool = issuer
    ? { ...issuer.verifierOptions, domain: issuer.url, clientSecret: undefined, redirectUri: `http://localhost:${port}/auth/callback`, scopes: SCOPES }
    : {
        userPoolId: env("COGNITO_USER_POOL_ID"),
        // Comma-separated like the other examples: the API accepts them all; the first is the BFF's app client.
        clientId: (env("COGNITO_CLIENT_ID") ?? fail("COGNITO_CLIENT_ID is required")).split(",").map((id) => id.trim()).filter(Boolean),
        issuer: env("COGNITO_ISSUER"),
        jwksUri: env("COGNITO_JWKS_URI"),
        domain: env("COGNITO_DOMAIN") ?? fail("COGNITO_DOMAIN is required (your user pool domain, e.g. https://myapp.auth.eu-west-1.amazoncognito.com)"),
        clientSecret: env("COGNITO_CLIENT_SECRET"),
        redirectUri: env("COGNITO_REDIRECT_URI") ?? fail("COGNITO_REDIRECT_URI is required (e.g. https://app.example.com/auth/callback)"),
        scopes: env("COGNITO_SCOPES")?.split(/[\s,]+/),
      };

  // One list for the API and the BFF: the BFF's sign-out revokes the session's access tokens in it, the API refuses them.
  const redis = redisFromEnv();
  const revocations = await revocationsFromEnv(redis);
  const sessionSecret = redis.redisUrl
    ? (env("COGNITO_SESSION_SECRET") ?? fail("COGNITO_SESSION_SECRET is required with COGNITO_REDIS_URL (32 characters or more)"))
    : undefined;
  const sessions = redis.redisUrl ? orExit(() => createRedisSessionStore({ ...redisConnection({ redisUrl: /** @type {string} */ (redis.redisUrl), redisCluster: redis.redisCluster }), secret: /** @type {string} */ (sessionSecret) })) : undefined;
  const verifierOptions = { userPoolId: pool.userPoolId, clientId: pool.clientId, issuer: pool.issuer, jwksUri: pool.jwksUri, revocations, onEvent: logJwksFailure };
  const apiVerifier = orExit(() => createVerifier(verifierOptions));

  // Offline and DEMO_TEST_HOOKS=1 only (the browser test): a server of its own on 127.0.0.1, its URL printed, that
  // answers the local Cognito's counters and live managed-login sessions, and the last access token the API
  // accepted (to show that it is refused after sign-out). Not on the app's origin: nothing the page can reach
  // returns a token.
  const hooks = offline && env("DEMO_TEST_HOOKS") === "1";
  let lastAccessToken;

  // The orders API: what the BFF proxies /api/* to (the prefix is dropped: /api/orders → /orders), and what server
  // components and server actions call directly with the server-side token.
  const api = express();
  api.disable("x-powered-by");
  api.disable("etag");
  const auth = cognitoAuth(apiVerifier);
  const remember = (/** @type {express.Request} */ req, /** @type {express.Response} */ _res, /** @type {express.NextFunction} */ next) => {
    if (hooks) lastAccessToken = extractBearerToken(req.headers.authorization);
    next();
  };
  /** Orders placed through the API (the server action), per user. */
  const placed = new Map();
  api.get("/me", auth, remember, (req, res) => res.json({ sub: req.auth.sub, username: req.auth.username ?? null }));
  api.get("/orders", auth, requireScopes("orders/read"), remember, (req, res) => res.json({ orders: [...ORDERS, ...(placed.get(req.auth.sub) ?? [])] }));
  // The body is read only once the token is accepted.
  api.post("/orders", auth, requireScopes("orders/read"), remember, express.json({ limit: "4kb" }), (req, res) => {
    const item = typeof req.body?.item === "string" ? req.body.item.trim().slice(0, 100) : "";
    const quantity = Number(req.body?.quantity);
    if (item === "" || !Number.isInteger(quantity) || quantity < 1 || quantity > 1000) return res.status(400).json({ error: "invalid_order" });
    const mine = placed.get(req.auth.sub) ?? [];
    const order = { id: `ord_${2001 + mine.length}`, item, quantity, placedBy: req.auth.username ?? req.auth.sub };
    placed.set(req.auth.sub, [...mine, order]);
    res.status(201).json({ order });
  });
  api.use((_req, res) => res.status(404).json({ error: "not_found" }));
  const upstreamUrl = await listenLocally(createServer(api));

  if (hooks && issuer) {
    const state = createServer((req, res) => {
      if (req.method !== "GET" || req.url !== "/state") return res.writeHead(404).end();
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ counters: issuer.oauth.counters, managedSessions: issuer.oauth.managedSessions, lastAccessToken, apiUrl: upstreamUrl, issuerUrl: issuer.url }));
    });
    console.log(`test hooks: ${await listenLocally(state)}`);
  }

  /** @type {import("@cognito-bearer/bff").TokenHandlerOptions} */
  const tokenHandlerOptions = {
    cognito: { domain: pool.domain, clientId: [pool.clientId].flat()[0], clientSecret: pool.clientSecret, redirectUri: pool.redirectUri, scopes: pool.scopes },
    // The BFF's own verifier, on the same list: a token revoked at sign-out is not handed out again either.
    verifier: { userPoolId: pool.userPoolId, clientId: pool.clientId, issuer: pool.issuer, jwksUri: pool.jwksUri, revocations, onEvent: logJwksFailure },
    revocations,
    sessions,
    secret: sessionSecret,
    // Offline, tokens are short-lived: refresh at Cognito once a quarter of their life is left.
    refreshMarginSeconds: offline ? accessTokenSeconds() * 0.75 : undefined,
    // The full BFF: the browser reaches the API only through /api/*, the token attached on the server.
    upstreams: { "/api": upstreamUrl },
    onEvent: (event) => {
      // Faults an operator must see; never a token (events carry none).
      if (["cognito_unavailable", "configuration_error", "store_unavailable", "verifier_unavailable"].includes(event.type)) {
        console.error(`token handler: ${event.type}: ${"detail" in event ? event.detail : ""}`);
      }
      if (event.type === "upstream_unavailable") console.error(`token handler: upstream_unavailable: ${event.upstream}: ${event.detail}`);
      if (event.type === "sign_in_failed") console.error(`token handler: sign_in_failed: Cognito answered error=${event.error}`);
    },
  };
  if (issuer) console.log(`offline: a local Cognito at ${issuer.url}; open http://localhost:${port}/ and sign in as "demo"`);
  return { tokenHandlerOptions, upstreamUrl };
}
