// Proxy mode on three token-handler instances sharing a real Redis: 50
// concurrent proxied calls on an expiring token cause exactly one refresh.
import { createRedisRevocationList, createRedisSessionStore } from "@cognito-bearer/redis";
import { createTestIssuer } from "@cognito-bearer/testing";
import { startRedisServer, type RedisServer } from "../../../test/support/redis-server";
import { raw, startUpstreams } from "./proxy-support";
import { Browser, sleep, startApp, type App } from "./support";

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

test("50 concurrent proxied calls across 3 instances on an expiring token: one refresh at Cognito, every call answered with the new token", async () => {
  const issuer = await createTestIssuer({ oauth: { redirectUris: ["http://127.0.0.1/placeholder"], users: [{ username: "alice" }], accessTokenLifetimeSeconds: 6, refreshTokenRotation: { retryGraceSeconds: 0 } } });
  running.push(issuer);
  const up = await startUpstreams(issuer);
  running.push(up);
  const apps: App[] = [];
  for (let i = 0; i < 3; i++) {
    const sessions = createRedisSessionStore({ url: redis.url, secret: SECRET, keyPrefix: "proxy:bff:" });
    const revocations = createRedisRevocationList({ url: redis.url, keyPrefix: "proxy:rev:" });
    running.push(revocations);
    await revocations.ready();
    const app = await startApp(async (redirectUri) => {
      issuer.oauth!.addRedirectUri(redirectUri);
      return issuer;
    }, { sessions, secret: SECRET, revocations, refreshMarginSeconds: 3, upstreams: { "/api": `${up.apiUrl}/v1` } });
    running.push(app);
    apps.push(app);
  }
  const browser = new Browser(apps[0].url);
  expect((await browser.signIn()).status).toBe(200);
  const cookie = `__Host-Http-cb-session=${browser.cookie("__Host-Http-cb-session")}`;
  expect((await raw(apps[1].url, "/api/me", { headers: { cookie } })).status).toBe(200);
  const before = up.seen.at(-1)!.headers.authorization;
  await sleep(3100);
  const seenBefore = up.seen.length;
  const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => raw(apps[i % 3].url, "/api/me", { headers: { cookie } })));
  expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(200));
  expect(issuer.oauth!.counters.refresh_token).toBe(1);
  const sent = new Set(up.seen.slice(seenBefore).map((seen) => seen.headers.authorization));
  expect(sent.size).toBe(1);
  expect(sent.has(before)).toBe(false);
  for (const app of apps) expect(app.events.filter((event) => event.type === "session_expired")).toEqual([]);
});
