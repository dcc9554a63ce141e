// A revocation list in a Redis that may evict it loses revocations silently: at
// start-up the list reads maxmemory-policy (CONFIG GET) and warns unless it is
// noeviction, through onEvent or else a process warning. Against real
// redis-servers: one whose policy the tests set, one with CONFIG renamed away
// (as on ElastiCache), and an ACL user without CONFIG.
import { createClient } from "redis";
import { createRedisRevocationList, type RedisRevocationEvent, type RedisRevocationListOptions } from "@cognito-bearer/redis";
import { startRedisServer, type RedisServer } from "../../../test/support/redis-server";

jest.setTimeout(30_000);

const EVICTING = ["allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"];
const CODE = "COGNITO_BEARER_REDIS_EVICTION";
const PASSWORD = "s3cret-Pa55word";

let redis: RedisServer;
let noConfig: RedisServer;
let admin: ReturnType<typeof createClient>;
const open: { close(): unknown }[] = [];

beforeAll(async () => {
  [redis, noConfig] = await Promise.all([startRedisServer(["--maxmemory", "64mb"]), startRedisServer(["--rename-command", "CONFIG", ""])]);
  admin = createClient({ url: redis.url });
  admin.on("error", () => undefined);
  await admin.connect();
});
afterAll(async () => {
  admin.destroy();
  await Promise.all([redis.stop(), noConfig.stop()]);
});
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
  await admin.sendCommand(["CONFIG", "SET", "maxmemory-policy", "noeviction"]);
});

/**
 * Process warnings with our code given while `run` runs. Jest's sandboxed `process` does not pass
 * warnings to its own listeners, so this watches `process.emitWarning` (and keeps them off the test output).
 */
async function warningsDuring(run: () => Promise<void>): Promise<{ message: string; code: unknown }[]> {
  const spy = jest.spyOn(process, "emitWarning").mockImplementation(() => undefined);
  try {
    await run();
    await new Promise((resolve) => setTimeout(resolve, 50)); // any late one
    return spy.mock.calls
      .map(([warning, options]) => ({ message: String(warning), code: typeof options === "object" ? options?.code : undefined }))
      .filter(({ code, message }) => code === CODE || message.includes("maxmemory-policy"));
  } finally {
    spy.mockRestore();
  }
}

let prefixes = 0;
async function list(options: Partial<RedisRevocationListOptions>) {
  const revocations = createRedisRevocationList({ url: redis.url, keyPrefix: `eviction${++prefixes}:`, ...options });
  open.push(revocations);
  await revocations.ready();
  return revocations;
}

/** The events of a list, once ready (and a moment after, for any late one). */
async function eventsOf(options: Partial<RedisRevocationListOptions>): Promise<RedisRevocationEvent[]> {
  const events: RedisRevocationEvent[] = [];
  await list({ ...options, onEvent: (event) => events.push(event) });
  await new Promise((resolve) => setTimeout(resolve, 50));
  return events.filter((event) => event.type.startsWith("eviction"));
}

test("noeviction: no eviction event, no process warning", async () => {
  expect(await eventsOf({})).toEqual([]);
  expect(await warningsDuring(async () => void (await list({})))).toEqual([]);
});

test.each(EVICTING)("maxmemory-policy %s: one eviction_risk event with onEvent, one process warning per list without", async (policy) => {
  await admin.sendCommand(["CONFIG", "SET", "maxmemory-policy", policy]);
  expect(await eventsOf({})).toEqual([{ type: "eviction_risk", policy }]);
  const warnings = await warningsDuring(async () => {
    await list({});
    await list({});
  });
  expect(warnings).toHaveLength(2);
  expect(warnings[0]!.code).toBe(CODE);
  expect(warnings[0]!.message).toContain(`maxmemory-policy "${policy}"`);
  expect(warnings[0]!.message).toMatch(/noeviction/);
  expect(warnings[0]!.message).not.toContain(String(redis.port));
});

test("the warning never carries the URL's password", async () => {
  await admin.sendCommand(["ACL", "SETUSER", "revocations", "on", `>${PASSWORD}`, "~*", "&*", "+@all"]);
  try {
    await admin.sendCommand(["CONFIG", "SET", "maxmemory-policy", "volatile-lru"]);
    const url = `redis://revocations:${PASSWORD}@127.0.0.1:${redis.port}`;
    const warnings = await warningsDuring(async () => void (await list({ url })));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).not.toContain(PASSWORD);
    expect(await eventsOf({ url })).toEqual([{ type: "eviction_risk", policy: "volatile-lru" }]);
  } finally {
    await admin.sendCommand(["ACL", "DELUSER", "revocations"]);
  }
});

test("CONFIG refused to the list's ACL user: one eviction_unchecked event, no warning, no password in anything", async () => {
  await admin.sendCommand(["ACL", "SETUSER", "no-config", "on", `>${PASSWORD}`, "~*", "&*", "+@all", "-config"]);
  try {
    await admin.sendCommand(["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"]);
    const url = `redis://no-config:${PASSWORD}@127.0.0.1:${redis.port}`;
    const events: RedisRevocationEvent[] = [];
    const warnings = await warningsDuring(async () => void (await list({ url, onEvent: (event) => events.push(event) })));
    expect(warnings).toEqual([]);
    const eviction = events.filter((event) => event.type.startsWith("eviction"));
    expect(eviction).toEqual([{ type: "eviction_unchecked", error: expect.stringMatching(/NOPERM/) }]);
    expect(JSON.stringify(events)).not.toContain(PASSWORD);
    // Without onEvent: nothing at all.
    expect(await warningsDuring(async () => void (await list({ url })))).toEqual([]);
  } finally {
    await admin.sendCommand(["ACL", "DELUSER", "no-config"]);
  }
});

test("CONFIG renamed away (as on ElastiCache): no crash, no warning, one eviction_unchecked event, and the list works", async () => {
  const events: RedisRevocationEvent[] = [];
  const warnings = await warningsDuring(async () => void (await list({ url: noConfig.url, onEvent: (event) => events.push(event) })));
  expect(warnings).toEqual([]);
  expect(events.filter((event) => event.type.startsWith("eviction"))).toEqual([
    { type: "eviction_unchecked", error: expect.stringMatching(/unknown command/i) },
  ]);
  expect(events.filter((event) => event.type === "error")).toEqual([]);
  // Without onEvent: no warning either.
  const quiet = await warningsDuring(async () => void (await list({ url: noConfig.url })));
  expect(quiet).toEqual([]);

  // Revocations still go through it.
  const a = await list({ url: noConfig.url, keyPrefix: "shared:" });
  const b = await list({ url: noConfig.url, keyPrefix: "shared:" });
  await a.revokeUser("banned", { before: Date.now() });
  const claims = { sub: "banned", auth_time: Math.floor(Date.now() / 1000) - 60 } as never;
  const started = Date.now();
  while (b.check(claims) !== "revoked" && Date.now() - started < 2000) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(b.check(claims)).toBe("revoked");
});
