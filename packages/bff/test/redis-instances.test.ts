// Three token-handler instances sharing a real Redis (sessions and the
// revocation list): one refresh per session across instances, recovery from a
// lock holder that died, encryption at rest, and Redis down = 503, never a sign-out.
import { createHash } from "node:crypto";
import { createClient } from "redis";
import { createRedisRevocationList, createRedisSessionStore } from "@cognito-bearer/redis";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { startRedisServer, type RedisServer } from "../../../test/support/redis-server";
import { Browser, claimsOf, sleep, startApp, type App } from "./support";

jest.setTimeout(60_000);

const SECRET = "a test secret that is long enough to derive a key";
let redis: RedisServer;
const running: { close(): Promise<unknown> | unknown }[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis.stop());
afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.close();
});

let prefixes = 0;

test("50 concurrent /auth/token calls across 3 instances on an expiring token: exactly one refresh at Cognito, no invalid_grant", async () => {
  // Tokens live 6 s and are refreshed within 3 s of expiry: stale after 3 s, and the new one stays fresh
  // for 3 s, long enough for all 50 calls even on a loaded machine.
  const { issuer, apps } = await clusterWithCallbacks({ accessTokenLifetimeSeconds: 6, refreshTokenRotation: { retryGraceSeconds: 0 } }, { refreshMarginSeconds: 3 });
  const browser = new Browser(apps[0].url);
  expect((await browser.signIn()).status).toBe(200);
  const cookie = browser.cookie("__Host-Http-cb-session")!;
  await sleep(3100);
  const calls = Array.from({ length: 50 }, (_, i) => {
    const tab = new Browser(apps[i % 3].url);
    tab.setCookie("__Host-Http-cb-session", cookie);
    return tab.post("/auth/token");
  });
  const answers = await Promise.all(calls);
  expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(200));
  expect(new Set(answers.map((answer) => answer.json().access_token)).size).toBe(1);
  expect(issuer.oauth!.counters.refresh_token).toBe(1);
  for (const app of apps) expect(app.events.filter((event) => event.type === "session_expired")).toEqual([]);
});

test("a lock holder that died mid-refresh: its lease runs out and the next request refreshes", async () => {
  const { issuer, apps, prefix } = await clusterWithCallbacks({ accessTokenLifetimeSeconds: 3 }, { refreshMarginSeconds: 2 });
  const browser = new Browser(apps[0].url);
  await browser.signIn();
  const sessionId = browser.cookie("__Host-Http-cb-session")!;
  // A holder takes the lock and dies without releasing it (as a killed process would).
  const dead = createRedisSessionStore({ url: redis.url, secret: SECRET, keyPrefix: `${prefix}bff:` });
  expect(await dead.lock(sessionId, 800)).toEqual(expect.objectContaining({ renew: expect.any(Function), release: expect.any(Function) }));
  await dead.close();
  await sleep(1100);
  const started = performance.now();
  const other = new Browser(apps[1].url);
  other.setCookie("__Host-Http-cb-session", sessionId);
  const res = await other.post("/auth/token");
  expect(res.status).toBe(200);
  expect(performance.now() - started).toBeLessThan(5000);
  expect(issuer.oauth!.counters.refresh_token).toBe(1);
});

test("sessions are encrypted at rest (no token in Redis), and an old secret still opens them after rotation", async () => {
  const { apps, prefix } = await clusterWithCallbacks({});
  const browser = new Browser(apps[0].url);
  await browser.signIn();
  const accessToken = await browser.accessToken();
  const raw = createClient({ url: redis.url });
  await raw.connect();
  running.push({ close: () => raw.destroy() });
  const keys = await raw.keys(`${prefix}bff:*`);
  expect(keys).toEqual([expect.stringMatching(/:\{[\w-]{43}\}:session$/)]);
  const stored = JSON.stringify(await raw.hGetAll(keys[0]));
  for (const part of accessToken.split(".")) expect(stored).not.toContain(part);
  // The key lives as long as the session may stay idle (8 hours by default), extended by each /auth/token.
  expect(Number(await raw.pTTL(keys[0]))).toBeGreaterThan(8 * 3600_000 - 60_000);
  expect(Number(await raw.pTTL(keys[0]))).toBeLessThanOrEqual(8 * 3600_000);
  // The key names the SHA-256 of the session id, never the id (whoever lists keys must not hold a session).
  const sessionId = browser.cookie("__Host-Http-cb-session")!;
  expect(keys[0]).toBe(`${prefix}bff:{${createHash("sha256").update(sessionId).digest("base64url")}}:session`);
  expect(keys.join()).not.toContain(sessionId);

  const rotated = createRedisSessionStore({ url: redis.url, secret: ["a brand new secret, also long enough for the key", SECRET], keyPrefix: `${prefix}bff:` });
  const wrong = createRedisSessionStore({ url: redis.url, secret: "some other secret that is long enough, but wrong", keyPrefix: `${prefix}bff:` });
  running.push(rotated, wrong);
  expect((await rotated.get(sessionId))?.accessToken).toBe(accessToken);
  expect(await wrong.get(sessionId)).toBeUndefined();
  // A tampered record is no session either.
  await raw.hSet(keys[0], "d", "AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  expect(await rotated.get(sessionId)).toBeUndefined();
});

test("sign-out on one instance: the access token is refused by the API on every instance", async () => {
  const { apps } = await clusterWithCallbacks({});
  const browser = new Browser(apps[0].url);
  await browser.signIn();
  const accessToken = await browser.accessToken();
  for (const app of apps) expect((await fetch(`${app.url}/api/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status).toBe(200);
  expect((await browser.post("/auth/logout")).status).toBe(200);
  for (const app of apps) {
    let status = 200;
    for (let i = 0; i < 100 && status === 200; i++) {
      status = (await fetch(`${app.url}/api/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status;
      if (status === 200) await sleep(10);
    }
    expect(status).toBe(401);
  }
  expect(claimsOf(accessToken).origin_jti).toEqual(expect.any(String));
});

test("Redis down: /auth/token answers 503 with Retry-After, never 401, and leaves the cookie alone", async () => {
  const { apps } = await clusterWithCallbacks({}, { timeoutMs: 1000 });
  const browser = new Browser(apps[0].url);
  await browser.signIn();
  await redis.kill();
  let during;
  try {
    during = await browser.post("/auth/token");
  } finally {
    // Without persistence, a restarted Redis is empty: the session is gone then, a 401 that is Redis's doing.
    await redis.start();
  }
  expect([during.status, during.json().error]).toEqual([503, "temporarily_unavailable"]);
  expect(during.headers.get("retry-after")).toBe("5");
  expect(during.headers.getSetCookie()).toEqual([]);
});

/** cluster(), with the issuer told every instance's callback URL. */
async function clusterWithCallbacks(oauth: Record<string, unknown>, options: Record<string, unknown> = {}) {
  const prefix = `cluster${++prefixes}:`;
  const redirectUris: string[] = [];
  const issuer = await createTestIssuer({ oauth: { redirectUris: ["http://127.0.0.1/placeholder"], users: [{ username: "alice" }], ...oauth } });
  running.push(issuer);
  const apps: App[] = [];
  for (let i = 0; i < 3; i++) {
    const sessions = createRedisSessionStore({ url: redis.url, secret: SECRET, keyPrefix: `${prefix}bff:` });
    const revocations = createRedisRevocationList({ url: redis.url, keyPrefix: `${prefix}rev:` });
    running.push(revocations);
    await revocations.ready();
    const app = await startApp(async (redirectUri) => {
      redirectUris.push(redirectUri);
      return issuer;
    }, { sessions, secret: SECRET, revocations, ...options });
    running.push(app);
    apps.push(app);
  }
  for (const uri of redirectUris) issuer.oauth!.addRedirectUri(uri);
  return { issuer, apps, prefix };
}
