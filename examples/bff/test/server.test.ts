// examples/bff as a real child process, offline (its own test issuer): the
// whole sign-in by an HTTP client with a cookie jar, the API on the same
// origin, the POST checks, sign-out biting at the API; and with Redis.
import { Browser } from "../../../packages/bff/test/support";
import { startRedisServer, type RedisServer } from "../../../test/support/redis-server";
import { createTestIssuer } from "@cognito-bearer/testing";
import { issuerEnv, request, routeCases, runToExit, startExample, stopAllExamples, type Running } from "../../shared/harness";

jest.setTimeout(60_000);

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await stopAllExamples();
  await redis.stop();
});

/** The example's own origin, as its callback URL names it (localhost, a secure context for browsers). */
const originOf = (app: Running) => app.url.replace("127.0.0.1", "localhost");

async function walk(app: Running): Promise<void> {
  expect(app.stdout()).toMatch(/offline: a local Cognito at http:\/\/127\.0\.0\.1:\d+; open http:\/\/localhost:\d+\/ and sign in as "demo"/);
  const browser = new Browser(originOf(app));
  const signedIn = await browser.signIn("/orders");
  expect(signedIn.status).toBe(200);
  expect(signedIn.text).toContain(`url=${originOf(app)}/orders`);
  const token = await browser.accessToken();
  const api = (path: string, init: RequestInit = {}) => fetch(`${app.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}` } });
  expect(await (await api("/me")).json()).toMatchObject({ username: "demo", groups: ["admin"] });
  expect((await api("/orders")).status).toBe(200);
  expect((await api("/admin")).status).toBe(200);
  expect((await browser.request("/auth/session")).json()).toMatchObject({ authenticated: true, username: "demo" });

  expect((await browser.post("/auth/token", { origin: originOf(app) })).status).toBe(403);
  expect((await browser.post("/auth/token", { "x-csrf": "1", origin: "http://evil.example" })).status).toBe(403);

  const out = await browser.post("/auth/logout");
  expect(out.status).toBe(200);
  expect(out.json().logoutUrl).toMatch(/\/logout\?client_id=/);
  expect((await api("/me")).status).toBe(401);
  expect((await browser.request("/auth/session")).json()).toEqual({ authenticated: false });
}

test("offline, in memory: sign in, call the API, sign out", async () => {
  const app = await startExample("bff", { PORT: "0", HOST: "127.0.0.1" });
  await walk(app);
  await app.stop();
});

test("with a pool's configuration: the API answers the examples' shared route table exactly", async () => {
  const issuer = await createTestIssuer();
  try {
    const app = await startExample("bff", { ...issuerEnv(issuer), COGNITO_DOMAIN: issuer.url, COGNITO_REDIRECT_URI: "http://localhost:3000/auth/callback" });
    for (const { name, method, path, authorization, expected } of routeCases(issuer)) {
      const answer = await request(app.url, path, { method, authorization });
      expect({ case: name, ...answer }).toEqual({ case: name, ...expected });
    }
    await app.stop();
  } finally {
    await issuer.close();
  }
});

test("offline, sessions and revocations in Redis", async () => {
  const app = await startExample("bff", { PORT: "0", HOST: "127.0.0.1", COGNITO_REDIS_URL: redis.url, COGNITO_SESSION_SECRET: "a secret for the example, 32 characters or more" });
  await walk(app);
  await app.stop();
});

test("Redis without a session secret: exits at start, naming the variable", async () => {
  const exit = await runToExit("bff", { PORT: "0", COGNITO_REDIS_URL: redis.url });
  expect(exit.code).toBe(1);
  expect(exit.stderr.trim()).toBe("COGNITO_SESSION_SECRET is required with COGNITO_REDIS_URL (32 characters or more)");
});

test("a real pool's configuration without its domain: exits at start, naming the variable", async () => {
  const exit = await runToExit("bff", { PORT: "0", COGNITO_USER_POOL_ID: "eu-west-1_AbCdEf123", COGNITO_CLIENT_ID: "abc" });
  expect(exit.code).toBe(1);
  expect(exit.stderr).toMatch(/^COGNITO_DOMAIN is required/);
});

test("BFF_MODE=proxy: the API only under /api/ through the proxy, with the cookie alone; no POST /auth/token, no token to the browser", async () => {
  const app = await startExample("bff", { PORT: "0", HOST: "127.0.0.1", BFF_MODE: "proxy" });
  const browser = new Browser(originOf(app));
  expect((await browser.signIn("/")).status).toBe(200);
  const me = await browser.request("/api/me");
  expect([me.status, me.json()]).toEqual([200, expect.objectContaining({ username: "demo", groups: ["admin"] })]);
  expect((await browser.request("/api/orders")).json()).toEqual({ orders: expect.any(Array) });
  expect((await browser.request("/api/admin")).status).toBe(200);
  for (const answer of [me, await browser.request("/auth/session")]) expect(answer.text).not.toMatch(/eyJ[\w-]{8,}\./);
  // The API is not on the origin any more, and the token endpoint is gone.
  expect((await browser.request("/me")).status).toBe(404);
  const token = await browser.post("/auth/token");
  expect([token.status, token.text]).toEqual([404, '{"error":"not_found"}']);
  // A state-changing call through the proxy needs the anti-CSRF header and the Origin.
  expect((await browser.request("/api/logout", { method: "POST", headers: { origin: originOf(app) } })).status).toBe(403);
  expect((await browser.post("/auth/logout")).status).toBe(200);
  const after = await browser.request("/api/me");
  expect([after.status, after.headers.get("x-cb-session")]).toEqual([401, "expired"]);
  await app.stop();
});

test("COGNITO_METRICS=1: GET /metrics counts the sign-in, the API's verifications and the sign-out; no token in it", async () => {
  const app = await startExample("bff", { PORT: "0", HOST: "127.0.0.1", COGNITO_METRICS: "1" });
  const scrape = async () => {
    const res = await fetch(`${app.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    return res.text();
  };
  expect(await scrape()).not.toMatch(/^cognito_bearer_token_handler_sign_ins_total/m);
  const browser = new Browser(originOf(app));
  expect((await browser.signIn("/orders")).status).toBe(200);
  const token = await browser.accessToken();
  expect((await fetch(`${app.url}/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  expect((await fetch(`${app.url}/me`, { headers: { authorization: "Bearer not-a-jwt" } })).status).toBe(401);
  expect((await browser.post("/auth/logout")).status).toBe(200);

  const text = await scrape();
  expect(text).toMatch(/^cognito_bearer_token_handler_sign_ins_total\{[^}]*cognito_bearer_outcome="success"[^}]*\} 1\b/m);
  expect(text).toMatch(/^cognito_bearer_token_handler_sign_outs_total\{[^}]*\} 1\b/m);
  expect(text).toMatch(/^cognito_bearer_verification_refusals_total\{[^}]*error_type="malformed_token"[^}]*\} 1\b/m);
  expect(text).toMatch(/^cognito_bearer_verification_duration_count\{[^}]*cognito_bearer_outcome="success"[^}]*\} [1-9]/m);
  // The token handler's fetch option: the code exchange and the sign-out's revoke, timed.
  expect(text).toMatch(/^cognito_bearer_token_endpoint_duration_count\{[^}]*http_request_method="POST"[^}]*http_response_status_code="200"[^}]*\} 2\b/m);
  for (const part of token.split(".")) expect(text).not.toContain(part);
  await app.stop();
});
