// The token handler and the API on one origin: `pnpm -C examples/bff start`.
//
// With no COGNITO_* variables it runs offline: it starts its own test issuer
// (Cognito's OAuth endpoints, a demo user signed in without a form). With
// COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID, COGNITO_DOMAIN, COGNITO_REDIRECT_URI
// (and COGNITO_CLIENT_SECRET for a confidential client) it talks to a real
// pool; COGNITO_REDIS_URL (with COGNITO_SESSION_SECRET) puts sessions and
// revocations in Redis, shared by every instance.
import { createServer } from "node:http";
import express from "express";
import { createVerifier } from "@cognito-bearer/core";
import { cognitoAuth, requireGroups, requireScopes } from "@cognito-bearer/express";
import { createTokenHandler } from "@cognito-bearer/bff";
import { tokenHandlerMiddleware } from "@cognito-bearer/bff/express";
import { createRedisSessionStore } from "@cognito-bearer/redis";
import { createTestIssuer } from "@cognito-bearer/testing";
import { fail, listen, logJwksFailure, logout, orExit, revocationsFromEnv } from "../shared/config.mjs";

const env = (name) => process.env[name]?.trim() || undefined;
const portText = env("PORT") ?? "3000";
if (!/^\d+$/.test(portText) || Number(portText) > 65535) fail(`PORT must be an integer from 0 to 65535, got "${portText}"`);
const config = { port: Number(portText), host: env("HOST") ?? "127.0.0.1", redisUrl: env("COGNITO_REDIS_URL") };

// A real pool, or an offline one of our own.
const offline = env("COGNITO_USER_POOL_ID") === undefined;
const issuer = offline
  ? await createTestIssuer({
      oauth: {
        redirectUris: ["http://localhost/placeholder"],
        allowedScopes: ["openid", "email", "profile", "orders/read"],
        users: [{ username: "demo", email: "demo@example.com", groups: ["admin"] }],
        accessTokenLifetimeSeconds: Number(env("DEMO_ACCESS_TOKEN_SECONDS") ?? 120),
      },
    })
  : undefined;
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
const sessions = config.redisUrl
  ? orExit(() => createRedisSessionStore({ url: config.redisUrl, secret: env("COGNITO_SESSION_SECRET") ?? fail("COGNITO_SESSION_SECRET is required with COGNITO_REDIS_URL (32 characters or more)") }))
  : undefined;
const verifier = orExit(() =>
  createVerifier({ userPoolId: pool.userPoolId, clientId: pool.clientId, issuer: pool.issuer, jwksUri: pool.jwksUri, revocations, onEvent: logJwksFailure }),
);
const auth = cognitoAuth(verifier);

let tokenHandler; // created once the port is known (the callback URL names it)
const app = express();
app.disable("x-powered-by");
app.disable("etag"); // answer exactly like the other examples
app.use((req, res, next) => (tokenHandler ? tokenHandlerMiddleware(tokenHandler)(req, res, next) : next()));
app.get("/health", (_req, res) => res.json({ status: "ok" }));
app.get("/me", auth, (req, res) => {
  const { sub, username, clientId, scopes, groups } = req.auth;
  res.json({ sub, username: username ?? null, clientId, scopes, groups });
});
const ORDERS = [
  { id: "ord_1001", item: "Coffee beans, 1 kg", quantity: 2 },
  { id: "ord_1002", item: "Paper filters", quantity: 100 },
];
app.get("/orders", auth, requireScopes("orders/read"), (_req, res) => res.json({ orders: ORDERS }));
app.get("/admin", auth, requireGroups("admin"), (_req, res) => res.json({ admin: true }));
app.get("/public", cognitoAuth(verifier, { optional: true }), (req, res) => res.json(req.auth ? { authenticated: true, sub: req.auth.sub } : { authenticated: false }));
app.post("/logout", auth, async (req, res) => {
  const [status, body, headers] = await logout(revocations, req.auth);
  res.status(status).set(headers);
  if (body) res.json(body);
  else res.end();
});
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
      onEvent: (event) => {
        if (["cognito_unavailable", "configuration_error", "store_unavailable"].includes(event.type)) console.error(`token handler: ${event.type}: ${event.detail}`);
      },
    }),
  );
  if (offline) console.log(`offline: a local Cognito at ${issuer.url}; sign in as "demo" at http://localhost:${port}/auth/login`);
});
listen(server, config);
