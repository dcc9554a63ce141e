// Item 2 of the token handler's review on a real redis-server with a memory
// limit, under each kind of eviction policy: anonymous /auth/login floods used
// to store a transaction each (600 s, up to 2.5 KB), which with `noeviction`
// made sign-ins and sign-outs fail, and with an LRU policy evicted signed-in
// users' sessions and the shared revocation list. A sign-in now starts
// without touching Redis: the flood leaves every key as it was.
import { createClient } from "redis";
import { createVerifier } from "@cognito-bearer/core";
import { createRedisRevocationList, createRedisSessionStore } from "@cognito-bearer/redis";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { startRedisServer, type RedisServer } from "../../../test/support/redis-server";
import { Browser, claimsOf, startApp, type App } from "./support";

jest.setTimeout(120_000);

const SECRET = "a test secret that is long enough to derive a key";
const RETURN_TO = encodeURIComponent(`/${"x".repeat(2000)}`);

const running: { close(): Promise<unknown> | unknown }[] = [];
afterEach(async () => {
  for (const item of running.splice(0).reverse()) await item.close();
});

/** `count` anonymous sign-in starts, `concurrency` at a time, each answered 302. */
async function flood(url: string, count: number, concurrency = 32): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const res = await fetch(`${url}/auth/login?returnTo=${RETURN_TO}`, { redirect: "manual" });
      await res.arrayBuffer();
      if (res.status !== 302) throw new Error(`/auth/login answered ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

test.each([
  ["noeviction", 20_000],
  ["volatile-lru", 3000],
  ["allkeys-lru", 3000],
] as const)("maxmemory-policy %s: %i anonymous /auth/login store nothing; sessions and revocations survive", async (policy, requests) => {
  const redis: RedisServer = await startRedisServer(["--maxmemory", "3mb", "--maxmemory-policy", policy]);
  running.push({ close: () => redis.stop() });
  const inspect = createClient({ url: redis.url });
  await inspect.connect();
  running.push({ close: () => inspect.destroy() });
  const revocations = createRedisRevocationList({ url: redis.url, onEvent: () => undefined });
  running.push(revocations);
  await revocations.ready();
  const app: App & { issuer: TestIssuer } = await startApp(
    (redirectUri) => createTestIssuer({ oauth: { redirectUris: [redirectUri], users: [{ username: "alice" }, { username: "bob" }] } }),
    { sessions: createRedisSessionStore({ url: redis.url, secret: SECRET }), secret: SECRET, revocations },
  );
  running.push({ close: async () => (await app.close(), await app.issuer.close()) });

  const alice = new Browser(app.url);
  expect((await alice.signIn()).status).toBe(200);
  const bob = new Browser(app.url);
  const bobToken = await (async () => {
    // Bob signs in (the test issuer signs in the user named by login_hint) and out: a revocation in Redis.
    const login = await bob.request("/auth/login");
    const authorize = new URL(login.headers.get("location")!);
    authorize.searchParams.set("login_hint", "bob");
    const callback = await bob.request((await bob.request(authorize.toString())).headers.get("location")!);
    expect(callback.status).toBe(200);
    const token = await bob.accessToken();
    expect((await bob.post("/auth/logout")).status).toBe(200);
    return token;
  })();
  const keysBefore = (await inspect.keys("*")).sort();
  expect(keysBefore.some((key) => key.endsWith("}:session"))).toBe(true);
  expect(keysBefore.some((key) => key.includes("revocations"))).toBe(true);

  // Over real HTTP, then straight into the handler (the same code path, without the sockets) for the bulk.
  await flood(app.url, 500);
  for (let i = 0; i < requests; i++) {
    const res = await app.handler.handle({ method: "GET", url: `/auth/login?returnTo=${RETURN_TO}`, headers: { host: new URL(app.url).host } });
    if (res?.status !== 302) throw new Error(`/auth/login answered ${res?.status}`);
  }

  expect((await inspect.keys("*")).sort()).toEqual(keysBefore);
  expect(await inspect.dbSize()).toBe(keysBefore.length);
  // Alice is still signed in, a new sign-in works, and an instance started now still refuses Bob's token.
  expect((await alice.post("/auth/token")).status).toBe(200);
  expect((await new Browser(app.url).signIn()).status).toBe(200);
  const later = createRedisRevocationList({ url: redis.url, onEvent: () => undefined });
  running.push(later);
  await later.ready();
  expect(later.check(claimsOf(bobToken) as never)).toBe("revoked");
  const verifier = createVerifier({ ...app.issuer.verifierOptions, revocations: later });
  running.push({ close: () => verifier.close() });
  await expect(verifier.verify(bobToken)).rejects.toMatchObject({ reason: "revoked" });
});
