// The token shared through a real redis-server: two sources (two instances of a
// service) make one token request; Redis holds only hashed key names and a
// sealed value; a rotated secret cannot open the old value; Redis down means a
// direct request, not a failure.
import { createClient } from "redis";
import { startRedisServer, type RedisServer } from "../../../test/support/redis-server";
import { CLIENT_ID, harness, SECRET } from "./helpers";

const h = harness();
let redis: RedisServer;
const clients: Array<{ destroy(): void }> = [];

beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis.stop();
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
});

async function connect() {
  const client = createClient({ url: redis.url, disableOfflineQueue: true, socket: { reconnectStrategy: false } });
  client.on("error", () => undefined);
  await client.connect();
  await client.flushAll();
  clients.push(client);
  return client;
}

test("two instances, 100 callers each: one token request for the fleet", async () => {
  const issuer = await h.issuer();
  const redisA = await connect();
  const redisB = await connect();
  issuer.oauth!.setTokenFault({ mode: "slow", delayMs: 100 }, { requests: 1 });
  const a = h.source(issuer, { sharedCache: { redis: redisA } });
  const b = h.source(issuer, { sharedCache: { redis: redisB } });
  const tokens = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b).getToken()));
  expect(new Set(tokens).size).toBe(1);
  expect(issuer.oauth!.counters.client_credentials).toBe(1);
  expect(a.stats.tokenRequests + b.stats.tokenRequests).toBe(1);

  // A third instance, later: from Redis, no request.
  const c = h.source(issuer, { sharedCache: { redis: redisA } });
  expect(await c.getToken()).toBe(tokens[0]);
  expect(issuer.oauth!.counters.client_credentials).toBe(1);
});

test("Redis holds hashed key names and a sealed value: neither the secret, the client id nor the token", async () => {
  const issuer = await h.issuer();
  const client = await connect();
  const token = await h.source(issuer, { sharedCache: { redis: client } }).getToken();
  const keys = await client.keys("*");
  expect(keys).toEqual([expect.stringMatching(/^cognito-bearer:m2m:\{[\w-]{32}\}:token$/)]);
  const stored = (await client.get(keys[0]))!;
  for (const secretish of [SECRET, CLIENT_ID, token, token.split(".")[1]]) {
    expect(keys[0]).not.toContain(secretish);
    expect(stored).not.toContain(secretish);
  }
  const ttl = await client.pTTL(keys[0]);
  expect(ttl).toBeGreaterThan(3_500_000);
  expect(ttl).toBeLessThanOrEqual(3_600_000);
});

test("a token sealed with another secret under the same key is ignored, not used", async () => {
  const issuer = await h.issuer();
  const client = await connect();
  await h.source(issuer, { sharedCache: { redis: client } }).getToken();
  // Same endpoint, client and scopes (same key), but the secret was rotated: the value does not open.
  const rotated = h.source(issuer, { sharedCache: { redis: client }, clientSecret: "rotated-secret" });
  await expect(rotated.getToken()).rejects.toMatchObject({ code: "invalid_client" });
  expect(rotated.stats).toEqual({ tokenRequests: 1, sharedCacheHits: 0 });
});

test("Redis down: each instance asks Cognito directly rather than fail", async () => {
  const issuer = await h.issuer();
  const client = await connect();
  await redis.kill();
  try {
    const source = h.source(issuer, { sharedCache: { redis: client, commandTimeoutMs: 200 } });
    const tokens = await Promise.all(Array.from({ length: 10 }, () => source.getToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(issuer.oauth!.counters.client_credentials).toBe(1);
  } finally {
    await redis.start();
  }
});

test("refresh(rejected) forgets the refused token in Redis, so the other instance does not pick it up again", async () => {
  const issuer = await h.issuer();
  const a = h.source(issuer, { sharedCache: { redis: await connect() } });
  const b = h.source(issuer, { sharedCache: { redis: await connect() } });
  const first = await a.getToken();
  expect(await b.getToken()).toBe(first);
  const second = await a.refresh(first);
  expect(second).not.toBe(first);
  expect(await b.refresh(first)).toBe(second);
  expect(issuer.oauth!.counters.client_credentials).toBe(2);
});
