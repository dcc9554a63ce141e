// The Redis revocation list against a real redis-server (no mock): shared by
// every instance, checked locally, reloaded after a reconnection, 503 (never
// 401) when out of touch beyond its bound, and bounded in Redis by TTLs.
import { createClient } from "redis";
import { createVerifier, type CognitoAuth, type Verifier } from "@cognito-bearer/core";
import type { TestIssuer } from "@cognito-bearer/testing";
import { createRedisRevocationList, RevocationUnavailableError, type RedisRevocationList, type RedisRevocationListOptions } from "@cognito-bearer/redis";
import type { RedisServer } from "../../../test/support/redis-server";
import { startHoldingProxy } from "./holding-proxy";
import { outcome, until, useRedisAndIssuer } from "./support";

jest.setTimeout(30_000);

let redis: RedisServer;
let issuer: TestIssuer;
const open = useRedisAndIssuer((server, testIssuer) => {
  redis = server;
  issuer = testIssuer;
});

let prefixes = 0;
/** An instance of an API: its own list (own connections, shared Redis) and verifier. */
async function instance(options: Partial<RedisRevocationListOptions> = {}, prefix = `test${++prefixes}:`) {
  const revocations = createRedisRevocationList({ url: redis.url, keyPrefix: prefix, ...options });
  open.push(revocations);
  const verifier: Verifier = createVerifier({ ...issuer.verifierOptions, revocations });
  open.push(verifier);
  await revocations.ready();
  return { revocations, verifier, prefix };
}

async function rawClient() {
  const client = createClient({ url: redis.url });
  client.on("error", () => undefined);
  await client.connect();
  open.push({ close: () => client.destroy() });
  return client;
}

test("revoked on one instance, refused on another at once: session, token and user", async () => {
  const a = await instance();
  const b = await instance({}, a.prefix);
  const token = issuer.mintAccessToken();
  const auth: CognitoAuth = await a.verifier.verify(token);
  expect(await outcome(b.verifier, token)).toBe(200); // cached on B too
  await a.revocations.revokeSession(auth);
  expect(await outcome(a.verifier, token)).toBe("401 revoked");
  const seen = await until(() => outcome(b.verifier, token), "401 revoked", 2000);
  expect(seen.value).toBe("401 revoked");
  expect(seen.ms).toBeLessThan(1000);
  // A refresh of the same sign-in (new jti, same origin_jti) is refused too.
  expect(await outcome(b.verifier, issuer.mintAccessToken({ sub: auth.sub, origin_jti: auth.claims.origin_jti }))).toBe("401 revoked");

  const other = await b.verifier.verify(issuer.mintAccessToken());
  await b.revocations.revokeToken(other);
  expect((await until(() => outcome(a.verifier, other.token), "401 revoked", 2000)).value).toBe("401 revoked");

  const banned = issuer.mintAccessToken({ sub: "banned-user", auth_time: Math.floor(Date.now() / 1000) - 60 });
  await a.revocations.revokeUser("banned-user");
  expect((await until(() => outcome(b.verifier, banned), "401 revoked", 2000)).value).toBe("401 revoked");
  expect(b.revocations.stats()).toEqual({ sessions: 1, tokens: 1, users: 1 });
});

test("an instance started later loads the revocations already made", async () => {
  const a = await instance();
  const auth = await a.verifier.verify(issuer.mintAccessToken());
  await a.revocations.revokeSession(auth);
  const late = await instance({}, a.prefix);
  expect(late.revocations.stats().sessions).toBe(1);
  expect(await outcome(late.verifier, auth.token)).toBe("401 revoked");
});

test("a revocation published while an instance's subscriber was disconnected is found by the reload on reconnection", async () => {
  const a = await instance();
  const token = issuer.mintAccessToken();
  const auth = await a.verifier.verify(token);
  const raw = await rawClient();
  // Atomically: drop every pub/sub connection and store an entry without publishing it,
  // as if its message had been sent while A's subscriber was away.
  await raw
    .multi()
    .addCommand(["CLIENT", "KILL", "TYPE", "pubsub"])
    .addCommand(["ZADD", `${a.prefix}{rev}:sessions`, String(Date.now() + 60_000), auth.claims.origin_jti as string])
    .exec();
  expect((await until(() => outcome(a.verifier, token), "401 revoked", 5000)).value).toBe("401 revoked");
});

test("a reconnection while a reload runs queues another reload: a revocation made during that disconnection is loaded, and heartbeats never vouch for a mirror without it", async () => {
  // The list talks to Redis through a relay that can hold back Redis's answers (Redis itself is real and runs every command at once).
  const proxy = await startHoldingProxy(redis.port);
  open.push(proxy);
  const raw = await rawClient();
  const prefix = `race${++prefixes}:`;
  // A marker entry: seeing it in the held answer shows that the reload has read the sessions.
  await raw.sendCommand(["ZADD", `${prefix}{rev}:sessions`, String(Date.now() + 60_000), "marker"]);
  const reloads: number[] = [];
  const { revocations, verifier } = await instance(
    { url: proxy.url, maxStalenessSeconds: 0.5, commandTimeoutMs: 10_000, onEvent: (e) => (e.type === "reloaded" ? reloads.push(e.entries) : undefined) },
    prefix,
  );
  const auth = await verifier.verify(issuer.mintAccessToken());
  expect(revocations.check(auth.claims)).toBeUndefined();
  const reloadsBefore = reloads.length;

  // 1. The subscriber loses its connection; its reconnection starts a reload, whose answer the relay holds.
  proxy.holdRepliesAfter("ZSCAN");
  await raw.sendCommand(["CLIENT", "KILL", "TYPE", "pubsub"]);
  await proxy.heldContains("marker");
  // 2. While that reload waits, having read the list: the subscriber loses its connection again, and
  //    (atomically with the loss) a revocation is stored whose message the subscriber cannot hear.
  await raw
    .multi()
    .addCommand(["CLIENT", "KILL", "TYPE", "pubsub"])
    .addCommand(["ZADD", `${prefix}{rev}:sessions`, String(Date.now() + 60_000), auth.claims.origin_jti as string])
    .exec();
  // 3. The subscriber reconnects and resubscribes: its 'ready' comes while the first reload still runs.
  const subscribers = async () => Number(((await raw.sendCommand(["PUBSUB", "NUMSUB", `${prefix}events`])) as unknown[])[1]);
  expect((await until(subscribers, 1, 5000)).value).toBe(1);
  // 4. Heartbeats arrive, but vouch for nothing while a reload is due: the mirror goes stale (503).
  expect((await until(() => outcome(verifier, auth.token), "503 revocation_check_failed", 5000)).value).toBe("503 revocation_check_failed");
  expect(reloads.length).toBe(reloadsBefore);

  // 5. The first reload gets its answer (without the revocation). From now on the revoked token must never
  //    pass, through several heartbeats (one every ~170 ms), and the revocation must reach the mirror.
  proxy.release();
  const verdicts = new Set<string | undefined>();
  const outcomes = new Set<number | string>();
  const watchUntil = performance.now() + 1500;
  while (performance.now() < watchUntil) {
    verdicts.add(revocations.check(auth.claims));
    outcomes.add(await outcome(verifier, auth.token));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  expect([...verdicts]).not.toContain(undefined);
  expect([...outcomes]).not.toContain(200);
  expect(revocations.check(auth.claims)).toBe("revoked");
  expect(await outcome(verifier, auth.token)).toBe("401 revoked");
  expect(revocations.stats().sessions).toBe(2);
  // The held reload confirmed nothing; the queued one, which read both entries, did.
  expect(reloads.slice(reloadsBefore)).toEqual([2]);
});

test("Redis killed: 503 after the staleness bound, never 401, no crash; restarted: reloaded, revocations made meanwhile enforced", async () => {
  const b = await instance({ maxStalenessSeconds: 1 });
  const revokedBefore = await b.verifier.verify(issuer.mintAccessToken());
  await b.revocations.revokeSession(revokedBefore);
  const valid = issuer.mintAccessToken();
  expect(await outcome(b.verifier, valid)).toBe(200);

  await redis.kill();
  try {
    // Within the bound the mirror is still trusted.
    expect(await outcome(b.verifier, valid)).toBe(200);
    const stale = await until(() => outcome(b.verifier, valid), "503 revocation_check_failed", 5000);
    expect(stale.value).toBe("503 revocation_check_failed");
    expect(stale.ms).toBeLessThan(2500);
    // Any token now gets 503: the list cannot vouch for it, and that is our fault, not the token's.
    expect(await outcome(b.verifier, issuer.mintAccessToken())).toBe("503 revocation_check_failed");
    // A revocation made while Redis is down rejects, and still applies here.
    const auth = await createVerifier(issuer.verifierOptions).verify(issuer.mintAccessToken());
    await expect(b.revocations.revokeToken(auth)).rejects.toThrow(RevocationUnavailableError);
    expect(b.revocations.stats().tokens).toBe(1);
  } finally {
    await redis.start();
  }
  // Another instance revokes right after the restart (Redis came back empty: no persistence).
  const a = await instance({}, b.prefix);
  const revokedMeanwhile = await a.verifier.verify(issuer.mintAccessToken());
  await a.revocations.revokeSession(revokedMeanwhile);
  const back = await until(() => outcome(b.verifier, valid), 200, 10_000);
  expect(back.value).toBe(200);
  expect((await until(() => outcome(b.verifier, revokedMeanwhile.token), "401 revoked", 3000)).value).toBe("401 revoked");
  // The mirror kept what it knew before the restart.
  expect(await outcome(b.verifier, revokedBefore.token)).toBe("401 revoked");
});

test('onUnavailable: "allow" keeps answering from the (possibly stale) mirror', async () => {
  const b = await instance({ maxStalenessSeconds: 0.3, onUnavailable: "allow" });
  const revoked = await b.verifier.verify(issuer.mintAccessToken());
  await b.revocations.revokeSession(revoked);
  const raw = await rawClient();
  // Stop the heartbeats from arriving: pause every client for a second.
  await raw.sendCommand(["CLIENT", "PAUSE", "1500", "ALL"]);
  await new Promise((resolve) => setTimeout(resolve, 800));
  expect(await outcome(b.verifier, issuer.mintAccessToken())).toBe(200);
  expect(await outcome(b.verifier, revoked.token)).toBe("401 revoked");
  await new Promise((resolve) => setTimeout(resolve, 800));
});

test("entries carry a TTL in Redis and expire on their own", async () => {
  const a = await instance({ graceSeconds: 0, maxTokenLifetimeSeconds: 2 });
  const raw = await rawClient();
  const shortLived = await a.verifier.verify(issuer.mintAccessToken({}, { expiresInSeconds: 2 }));
  await a.revocations.revokeToken(shortLived);
  await a.revocations.revokeSession(shortLived);
  await a.revocations.revokeUser("someone");
  for (const kind of ["tokens", "sessions", "users"]) {
    const ttl = Number(await raw.sendCommand(["PTTL", `${a.prefix}{rev}:${kind}`]));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(2100);
  }
  await new Promise((resolve) => setTimeout(resolve, 2300));
  expect(Number(await raw.sendCommand(["EXISTS", `${a.prefix}{rev}:tokens`, `${a.prefix}{rev}:sessions`, `${a.prefix}{rev}:users`]))).toBe(0);
  // A later instance loads nothing expired.
  const late = await instance({}, a.prefix);
  expect(late.revocations.stats()).toEqual({ sessions: 0, tokens: 0, users: 0 });
});

test("with the user's own client: commands go through it, and close() leaves it open", async () => {
  const client = await rawClient();
  const prefix = `own${++prefixes}:`;
  const list: RedisRevocationList = createRedisRevocationList({ client: client as never, keyPrefix: prefix });
  const verifier = createVerifier({ ...issuer.verifierOptions, revocations: list });
  open.push(verifier);
  await list.ready();
  const auth = await verifier.verify(issuer.mintAccessToken());
  await list.revokeSession(auth);
  expect(await outcome(verifier, auth.token)).toBe("401 revoked");
  expect(Number(await client.sendCommand(["ZCARD", `${prefix}{rev}:sessions`]))).toBe(1);
  await list.close();
  expect(client.isReady).toBe(true);
});

test("before the mirror is first loaded, checks answer 503 rather than let a revoked token through", async () => {
  const list = createRedisRevocationList({ url: "redis://127.0.0.1:1", keyPrefix: "never:" });
  open.push(list);
  const verifier = createVerifier({ ...issuer.verifierOptions, revocations: list });
  open.push(verifier);
  expect(await outcome(verifier, issuer.mintAccessToken())).toBe("503 revocation_check_failed");
});

test("options are validated at creation", () => {
  expect(() => createRedisRevocationList({} as never)).toThrow(/needs one of url, cluster or client/);
  expect(() => createRedisRevocationList({ url: redis.url, client: {} as never })).toThrow(/needs one of url, cluster or client/);
  expect(() => createRedisRevocationList({ url: "http://127.0.0.1:6379" })).toThrow(/redis:\/\//);
  expect(() => createRedisRevocationList({ url: redis.url, maxStaleness: 5 } as never)).toThrow(/did you mean "maxStalenessSeconds"/);
  expect(() => createRedisRevocationList({ url: redis.url, onUnavailable: "ignore" as never })).toThrow(/onUnavailable/);
  expect(() => createRedisRevocationList({ url: redis.url, maxStalenessSeconds: 0 })).toThrow(/maxStalenessSeconds/);
});
