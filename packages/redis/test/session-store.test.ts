// The Redis session store against a real redis-server (no mock): the session
// id never reaches Redis (keys are its SHA-256), sealed records open only under
// the key they were sealed for, writes given a lock are fenced by it, lifetimes
// are set by create and touch only, and a Redis that is down or hung makes
// calls reject within commandTimeoutMs.
import { createHash, randomBytes } from "node:crypto";
import { createClient, RESP_TYPES } from "redis";
import type { StoredSession } from "@cognito-bearer/bff";
import { OptionsError } from "@cognito-bearer/core";
import { createRedisRevocationList, createRedisSessionStore, type RedisSessionStoreOptions } from "@cognito-bearer/redis";
import { startRedisServer, type RedisServer } from "../../../test/support/redis-server";
import { storedSession } from "./support";

jest.setTimeout(30_000);

const SECRET = "a test secret that is long enough to derive a key";
const NEW_SECRET = "a brand new secret, also long enough for the key";
const DAY = 86_400_000;

let redis: RedisServer;
let raw: Awaited<ReturnType<typeof rawClient>>;
const open: { close(): unknown }[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  raw = await rawClient();
});
afterAll(async () => {
  raw.destroy();
  await redis.stop();
});
beforeEach(async () => {
  await raw.sendCommand(["FLUSHALL"]);
});
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

async function rawClient() {
  const client = createClient({ url: redis.url });
  client.on("error", () => undefined);
  await client.connect();
  return client;
}
/** A raw client closed after the test, pass or fail. */
async function extraClient() {
  const client = await rawClient();
  open.push({ close: () => client.isOpen && client.destroy() });
  return client;
}

const PREFIX = "test:bff:";
function store(options: Partial<RedisSessionStoreOptions> = {}) {
  const sessions = createRedisSessionStore({ url: redis.url, secret: SECRET, keyPrefix: PREFIX, ...options } as RedisSessionStoreOptions);
  open.push(sessions);
  return sessions;
}

/** A session id as the token handler makes them: random, distinctive enough that finding it anywhere is no accident. */
const newId = () => randomBytes(32).toString("base64url");
const hashOf = (id: string) => createHash("sha256").update(id).digest("base64url");
const sessionKey = (id: string) => `${PREFIX}{${hashOf(id)}}:session`;
const lockKey = (id: string) => `${PREFIX}{${hashOf(id)}}:lock`;

const session = storedSession;

async function allKeys(): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = (await raw.sendCommand(["SCAN", cursor, "COUNT", "1000"])) as [string, string[]];
    keys.push(...batch);
    cursor = next;
  } while (cursor !== "0");
  return keys.sort();
}

const pttl = async (key: string) => Number(await raw.sendCommand(["PTTL", key]));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves to how long `call` took to reject, and its error. */
async function rejection(call: () => Promise<unknown>): Promise<{ ms: number; error: Error }> {
  const started = performance.now();
  try {
    await call();
  } catch (error) {
    return { ms: performance.now() - started, error: error as Error };
  }
  throw new Error("expected the call to reject");
}

test("keys are SHA-256(id) in base64url: after create, lock and every other call, no key, value or command seen by MONITOR holds the id", async () => {
  const sessions = store();
  const id = newId();
  const monitor = await extraClient();
  const seen: string[] = [];
  await monitor.monitor((line) => seen.push(line));

  await sessions.create(id, session(), Date.now() + DAY);
  const lock = await sessions.lock(id, 10_000);
  expect(lock).toBeDefined();

  const keys = await allKeys();
  expect(keys).toEqual([lockKey(id), sessionKey(id)].sort());
  for (const key of keys) {
    expect(key).not.toContain(id);
    expect(key).toMatch(/^test:bff:\{[A-Za-z0-9_-]{43}\}:(session|lock)$/);
  }
  const values = JSON.stringify([await raw.hGetAll(sessionKey(id)), await raw.get(lockKey(id))]);
  expect(values).not.toContain(id);

  expect(await sessions.get(id)).toMatchObject({ version: 1 });
  expect(await sessions.replace(id, 1, session({ version: 2 }), lock)).toBe(true);
  await sessions.touch(id, Date.now() + DAY);
  expect(await lock!.renew(10_000)).toBe(true);
  expect(await sessions.delete(id, lock)).toBe(true);
  await lock!.release();

  // MONITOR streams in execution order: once the marker shows, every command above has been seen.
  const marker = `marker-${newId()}`;
  await raw.sendCommand(["ECHO", marker]);
  for (let i = 0; i < 200 && !seen.some((line) => line.includes(marker)); i++) await sleep(10);
  expect(seen.some((line) => line.includes(marker))).toBe(true);
  expect(seen.some((line) => line.includes(hashOf(id)))).toBe(true); // the store's commands were seen
  expect(seen.filter((line) => line.includes(id))).toEqual([]);
});

test("a sealed session copied under another session's key (DUMP/RESTORE, or the hash fields) does not open there", async () => {
  const sessions = store();
  const [victim, attacker] = [newId(), newId()];
  const victims = session({ sub: "victim" });
  await sessions.create(victim, victims, Date.now() + DAY);
  await sessions.create(attacker, session({ sub: "attacker" }), Date.now() + DAY);
  expect(await sessions.get(attacker)).toMatchObject({ sub: "attacker" });

  // The whole key, as a backup restored under another name would be.
  const dumped = await raw.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer }).dump(sessionKey(victim));
  await raw.restore(sessionKey(attacker), 0, dumped as Buffer, { REPLACE: true });
  expect(await raw.hGet(sessionKey(attacker), "d")).toBe(await raw.hGet(sessionKey(victim), "d"));
  expect(await sessions.get(attacker)).toBeUndefined();

  // Only the sealed field (same version field on both: it is the key binding that refuses it).
  await sessions.create(attacker, session({ sub: "attacker" }), Date.now() + DAY);
  await raw.hSet(sessionKey(attacker), "d", (await raw.hGet(sessionKey(victim), "d"))!);
  expect(await sessions.get(attacker)).toBeUndefined();
  // …and the record still opens where it was sealed.
  expect(await sessions.get(victim)).toEqual(victims);

  // Under the same id but another prefix (another application sharing the secret) it does not open either.
  const other = store({ keyPrefix: "other:bff:" });
  await raw.sendCommand(["COPY", sessionKey(victim), `other:bff:{${hashOf(victim)}}:session`]);
  expect(await other.get(victim)).toBeUndefined();
});

test("a record whose version field was changed, or that is garbage, is no session (undefined, not an error)", async () => {
  const sessions = store();
  const id = newId();
  await sessions.create(id, session({ version: 3 }), Date.now() + DAY);
  await raw.hSet(sessionKey(id), "v", "4");
  expect(await sessions.get(id)).toBeUndefined();
  await raw.hSet(sessionKey(id), "v", "3");
  expect(await sessions.get(id)).toMatchObject({ version: 3 });
  for (const garbage of ["", "not sealed", "AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "a.b.c"]) {
    await raw.hSet(sessionKey(id), "d", garbage);
    expect(await sessions.get(id)).toBeUndefined();
  }
  expect(await sessions.get(newId())).toBeUndefined();
});

test("secret rotation: [new, old] opens records sealed with the old secret and seals with the new; a wrong secret opens nothing", async () => {
  const old = store();
  const id = newId();
  const sealedOld = session();
  await old.create(id, sealedOld, Date.now() + DAY);

  const rotated = store({ secret: [NEW_SECRET, SECRET] });
  const newOnly = store({ secret: NEW_SECRET });
  expect(await rotated.get(id)).toEqual(sealedOld);
  expect(await newOnly.get(id)).toBeUndefined();

  const sealedNew = session({ version: 2 });
  expect(await rotated.replace(id, 1, sealedNew)).toBe(true);
  expect(await newOnly.get(id)).toEqual(sealedNew);
  expect(await old.get(id)).toBeUndefined();
  expect(await rotated.get(id)).toEqual(sealedNew);
});

test("replace is a compare-and-set on the version, and never changes the key's expiry", async () => {
  const sessions = store();
  const id = newId();
  await sessions.create(id, session({ expiresAt: Date.now() + 30 * DAY }), Date.now() + 60_000);
  const before = await pttl(sessionKey(id));
  expect(before).toBeLessThanOrEqual(60_000);

  expect(await sessions.replace(id, 2, session({ version: 3 }))).toBe(false);
  expect(await sessions.get(id)).toMatchObject({ version: 1 });
  const next = session({ version: 2, accessToken: "the refreshed one", expiresAt: Date.now() + 30 * DAY });
  expect(await sessions.replace(id, 1, next)).toBe(true);
  expect(await sessions.get(id)).toEqual(next);
  const after = await pttl(sessionKey(id));
  expect(after).toBeGreaterThan(0);
  expect(after).toBeLessThanOrEqual(before);

  // A session that is gone is not brought back.
  const missing = newId();
  expect(await sessions.replace(missing, 1, session({ version: 2 }))).toBe(false);
  expect(await raw.exists(sessionKey(missing))).toBe(0);
});

test("replace with a lock: succeeds while it is held, fails once its lease ran out and another holder took it", async () => {
  const [first, second] = [store(), store()];
  const id = newId();
  await first.create(id, session(), Date.now() + DAY);

  const lock = await first.lock(id, 300);
  expect(lock).toBeDefined();
  expect(await second.lock(id, 10_000)).toBeUndefined(); // held
  expect(await first.replace(id, 1, session({ version: 2, accessToken: "by the first holder" }), lock)).toBe(true);

  await sleep(450); // the lease runs out…
  const taken = await second.lock(id, 10_000); // …and another instance takes the lock
  expect(taken).toBeDefined();
  // The version matches, but the lock is no longer held: fenced.
  expect(await first.replace(id, 2, session({ version: 3, accessToken: "stale" }), lock)).toBe(false);
  expect(await first.get(id)).toMatchObject({ version: 2, accessToken: "by the first holder" });
  expect(await second.replace(id, 2, session({ version: 3, accessToken: "by the second holder" }), taken)).toBe(true);
  // Held, but the version moved on: refused too.
  expect(await second.replace(id, 2, session({ version: 3 }), taken)).toBe(false);
  expect(await first.get(id)).toMatchObject({ version: 3, accessToken: "by the second holder" });

  // A lock of another session does not fence this one.
  const otherId = newId();
  const otherLock = await second.lock(otherId, 10_000);
  expect(await second.replace(id, 3, session({ version: 4 }), otherLock)).toBe(false);
  // A lock that ran out with nobody taking it is not held either.
  const lapsed = await first.lock(otherId + "x", 100);
  await first.create(otherId + "x", session(), Date.now() + DAY);
  await sleep(200);
  expect(await first.replace(otherId + "x", 1, session({ version: 2 }), lapsed)).toBe(false);
  // A lock object that this store did not hand out is a programming error.
  await expect(first.replace(id, 3, session({ version: 4 }), { renew: async () => true, release: async () => undefined })).rejects.toThrow(TypeError);
});

test("renew extends a held lock and returns false once it was lost; release frees only its own lock", async () => {
  const [first, second] = [store(), store()];
  const id = newId();
  const lock = (await first.lock(id, 300))!;
  expect(await pttl(lockKey(id))).toBeLessThanOrEqual(300);
  expect(await lock.renew(5_000)).toBe(true);
  expect(await pttl(lockKey(id))).toBeGreaterThan(4_000);
  expect(await lock.renew(300)).toBe(true);

  await sleep(450);
  expect(await lock.renew(5_000)).toBe(false); // ran out, nobody holds it
  expect(await raw.exists(lockKey(id))).toBe(0); // and renew did not bring it back
  const taken = (await second.lock(id, 5_000))!;
  const token = await raw.get(lockKey(id));
  expect(await lock.renew(60_000)).toBe(false); // ran out, another holds it
  expect(await pttl(lockKey(id))).toBeLessThanOrEqual(5_000); // the other holder's lease untouched
  await lock.release(); // a lost lock's release does not free the new holder's
  expect(await raw.get(lockKey(id))).toBe(token);
  expect(await first.lock(id, 5_000)).toBeUndefined();

  await taken.release();
  expect(await raw.exists(lockKey(id))).toBe(0);
  expect(await taken.renew(5_000)).toBe(false);
  expect(await first.lock(id, 5_000)).toBeDefined();
});

test("delete: unfenced deletes; with a lock, only while it is held (a lost lock deletes nothing)", async () => {
  const [first, second] = [store(), store()];
  const id = newId();
  await first.create(id, session(), Date.now() + DAY);
  const lock = (await first.lock(id, 300))!;
  await sleep(450);
  const taken = (await second.lock(id, 10_000))!;

  expect(await first.delete(id, lock)).toBe(false);
  expect(await raw.exists(sessionKey(id))).toBe(1);
  expect(await first.get(id)).toBeDefined();

  expect(await second.delete(id, taken)).toBe(true);
  expect(await raw.exists(sessionKey(id))).toBe(0);
  expect(await second.delete(id, taken)).toBe(false); // nothing left to delete

  const other = newId();
  await first.create(other, session(), Date.now() + DAY);
  expect(await first.delete(other)).toBe(true);
  expect(await first.get(other)).toBeUndefined();
  expect(await first.delete(other)).toBe(false);
});

test("create's expiry is min(session.expiresAt, idleUntil)", async () => {
  const sessions = store();
  const idle = newId();
  await sessions.create(idle, session({ expiresAt: Date.now() + 30 * DAY }), Date.now() + 60_000);
  const idleTtl = await pttl(sessionKey(idle));
  expect(idleTtl).toBeGreaterThan(58_000);
  expect(idleTtl).toBeLessThanOrEqual(60_000);

  const absolute = newId();
  await sessions.create(absolute, session({ expiresAt: Date.now() + 90_000 }), Date.now() + DAY);
  const absoluteTtl = await pttl(sessionKey(absolute));
  expect(absoluteTtl).toBeGreaterThan(88_000);
  expect(absoluteTtl).toBeLessThanOrEqual(90_000);

  // Already past: nothing is kept.
  const past = newId();
  await sessions.create(past, session(), Date.now() - 1);
  expect(await raw.exists(sessionKey(past))).toBe(0);
  expect(await sessions.get(past)).toBeUndefined();
});

test("touch moves the expiry (never past expiresAt) of an existing session, and creates nothing for a missing one", async () => {
  const sessions = store();
  const id = newId();
  await sessions.create(id, session({ expiresAt: Date.now() + 10 * 60_000 }), Date.now() + 10_000);
  expect(await pttl(sessionKey(id))).toBeLessThanOrEqual(10_000);

  await sessions.touch(id, Date.now() + 5 * 60_000);
  const touched = await pttl(sessionKey(id));
  expect(touched).toBeGreaterThan(5 * 60_000 - 2_000);
  expect(touched).toBeLessThanOrEqual(5 * 60_000);
  expect(await sessions.get(id)).toMatchObject({ version: 1 });

  await sessions.touch(id, Date.now() + DAY); // beyond the session's absolute lifetime: clamped to it
  const clamped = await pttl(sessionKey(id));
  expect(clamped).toBeGreaterThan(10 * 60_000 - 2_000);
  expect(clamped).toBeLessThanOrEqual(10 * 60_000);

  const missing = newId();
  await sessions.touch(missing, Date.now() + DAY);
  expect(await raw.exists(sessionKey(missing))).toBe(0);
  expect(await allKeys()).toEqual([sessionKey(id)]);
});

test("commandTimeoutMs: 2000 by default, exposed as given", () => {
  expect(store().commandTimeoutMs).toBe(2000);
  expect(store({ commandTimeoutMs: 350 }).commandTimeoutMs).toBe(350);
  expect(() => store({ commandTimeoutMs: 0 })).toThrow(/commandTimeoutMs/);
});

/** Every call of the store, for a session it holds a lock on. */
function everyCall(sessions: ReturnType<typeof store>, id: string, lock: Awaited<ReturnType<ReturnType<typeof store>["lock"]>>) {
  return {
    get: () => sessions.get(id),
    create: () => sessions.create(id, session(), Date.now() + DAY),
    replace: () => sessions.replace(id, 1, session({ version: 2 })),
    "replace (fenced)": () => sessions.replace(id, 1, session({ version: 2 }), lock),
    touch: () => sessions.touch(id, Date.now() + DAY),
    delete: () => sessions.delete(id),
    "delete (fenced)": () => sessions.delete(id, lock),
    lock: () => sessions.lock(newId(), 1000),
    renew: () => lock!.renew(1000),
    release: () => lock!.release(),
  };
}

test("Redis hung (CLIENT PAUSE): every call rejects once commandTimeoutMs has passed, with no id in the error", async () => {
  const sessions = store({ commandTimeoutMs: 300 });
  const id = newId();
  await sessions.create(id, session(), Date.now() + DAY);
  const lock = await sessions.lock(id, 10_000);
  const pauser = await extraClient();
  try {
    await pauser.sendCommand(["CLIENT", "PAUSE", "1000", "ALL"]);
    const results = await Promise.all(Object.entries(everyCall(sessions, id, lock)).map(async ([name, call]) => [name, await rejection(call)] as const));
    for (const [name, { ms, error }] of results) {
      expect([name, error.message]).toEqual([name, "no answer from Redis within 300 ms"]);
      expect(ms).toBeGreaterThanOrEqual(290);
      expect(ms).toBeLessThan(1000);
      expect(String(error.stack)).not.toContain(id);
    }
  } finally {
    await pauser.sendCommand(["CLIENT", "UNPAUSE"]).catch(() => undefined); // answered once the pause is over
  }
});

test("Redis down: every call rejects within commandTimeoutMs, whether it was never reachable or went away", async () => {
  // Never reachable: a port nothing listens on.
  const unreachable = store({ url: `redis://127.0.0.1:1`, commandTimeoutMs: 300 });
  const id = newId();
  for (const [name, call] of Object.entries(everyCall(unreachable, id, undefined))) {
    if (name === "renew" || name === "release" || name.includes("fenced")) continue; // no lock can be taken
    const { ms, error } = await rejection(call);
    expect([name, ms < 1000]).toEqual([name, true]);
    expect(String(error.stack)).not.toContain(id);
  }
  await unreachable.close();
  const closedAt = performance.now();

  // Connected, then the server dies.
  const sessions = store({ commandTimeoutMs: 300 });
  await sessions.create(id, session(), Date.now() + DAY);
  const lock = await sessions.lock(id, 10_000);
  await redis.kill();
  try {
    for (const [name, call] of Object.entries(everyCall(sessions, id, lock))) {
      const { ms, error } = await rejection(call);
      expect([name, ms < 1000]).toEqual([name, true]);
      expect(String(error.stack)).not.toContain(id);
    }
  } finally {
    await redis.start();
  }
  // node-redis's destroy() does not cancel a reconnection delay already waited on (at most the store's
  // 2 s cap): let the never-connected client's run out, so that Jest exits as soon as the tests end.
  await sleep(Math.max(0, 2100 - (performance.now() - closedAt)));
});

test("a URL that does not parse is refused without repeating it (it may hold a password)", () => {
  for (const create of [
    () => createRedisSessionStore({ url: "redis://user:s3cret-pass@[bad", secret: "a test secret that is long enough to derive a key" }),
    () => createRedisRevocationList({ url: "redis://user:s3cret-pass@[bad" }),
  ]) {
    let error: unknown;
    try {
      create();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(OptionsError);
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain("s3cret-pass");
    expect(String((error as Error).stack)).not.toContain("s3cret-pass");
  }
});
