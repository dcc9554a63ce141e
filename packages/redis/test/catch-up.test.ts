// The "catch-up" mode, for processes frozen between requests (AWS Lambda),
// against a real redis-server: no subscription; a check on a mirror older than
// maxStalenessSeconds first reads the list's log from the last id it saw, in
// one round trip, and zero round trips while the mirror is younger. Where that
// read cannot be exact (the log trimmed past the last id, Redis restarted
// empty, a write of this instance lost) it reloads the whole list instead, and
// writes back what Redis lost. Redis unreachable: 503, never 401, never a
// stale "not revoked". And the subscribed mode's heartbeats: one from another
// replication history (a failover) starts a reload and the write-back.
import { createClient } from "redis";
import { createVerifier, type Verifier } from "@cognito-bearer/core";
import type { TestIssuer } from "@cognito-bearer/testing";
import { createRedisRevocationList, type RedisRevocationEvent, type RedisRevocationList, type RedisRevocationListOptions } from "@cognito-bearer/redis";
import { startRedisServer, type RedisServer } from "../../../test/support/redis-server";
import { outcome, until, useRedisAndIssuer } from "./support";

jest.setTimeout(30_000);

let redis: RedisServer;
let issuer: TestIssuer;
const open = useRedisAndIssuer((server, testIssuer) => {
  redis = server;
  issuer = testIssuer;
});

let prefixes = 0;
interface Instance {
  revocations: RedisRevocationList;
  verifier: Verifier;
  events: RedisRevocationEvent[];
  /** Commands sent to Redis since the instance was made (its own client, counted). */
  commands: string[][];
}

/** An instance on a client of its own whose commands are counted (the list's own connections are not observable). */
async function instance(prefix: string, options: Partial<RedisRevocationListOptions> = {}): Promise<Instance> {
  const client = createClient({ url: redis.url, disableOfflineQueue: true, socket: { reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 500) } });
  client.on("error", () => undefined);
  await client.connect();
  open.push({ close: () => client.destroy() });
  const commands: string[][] = [];
  const counted = new Proxy(client, {
    get(target, property) {
      if (property === "sendCommand") return (args: string[]) => (commands.push(args), target.sendCommand(args));
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const events: RedisRevocationEvent[] = [];
  const revocations = createRedisRevocationList({ client: counted as never, keyPrefix: prefix, onEvent: (event) => events.push(event), closeTimeoutMs: 500, ...options });
  open.push(revocations);
  const verifier = createVerifier({ ...issuer.verifierOptions, revocations });
  open.push(verifier);
  await revocations.ready({ timeoutMs: 10_000 });
  return { revocations, verifier, events, commands };
}

const catchUp = (prefix: string, options: Partial<RedisRevocationListOptions> = {}) => instance(prefix, { mode: "catch-up", maxStalenessSeconds: 0.3, ...options });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The commands other than the eviction check, by name. */
const names = (commands: string[][]) => commands.filter((args) => args[0] !== "CONFIG").map((args) => args[0]);

async function rawClient() {
  const client = createClient({ url: redis.url });
  client.on("error", () => undefined);
  await client.connect();
  open.push({ close: () => client.destroy() });
  return client;
}

test("a check on a mirror older than the bound first reads the log from the last id: one round trip; younger: none, and the check stays synchronous", async () => {
  const prefix = `cu${++prefixes}:`;
  const writer = await instance(prefix);
  const lambda = await catchUp(prefix);
  expect(lambda.revocations.catchUp).toBeInstanceOf(Function);
  expect(writer.revocations.catchUp).toBeUndefined();
  const token = issuer.mintAccessToken();
  const auth = await lambda.verifier.verify(token);

  // Fresh: no command, and a cached token is answered synchronously.
  const before = lambda.commands.length;
  expect(lambda.verifier.authenticate(`Bearer ${token}`)).toBe(auth);
  expect(lambda.commands.length).toBe(before);

  // Revoked elsewhere, then the bound passes: the next check reads the log first, once, and refuses the token.
  await writer.revocations.revokeSession(auth);
  await sleep(350);
  const sent = lambda.commands.length;
  const answers = await Promise.all([outcome(lambda.verifier, token), outcome(lambda.verifier, token), outcome(lambda.verifier, issuer.mintAccessToken())]);
  expect(answers).toEqual(["401 revoked", "401 revoked", 200]);
  const read = lambda.commands.slice(sent);
  expect(names(read)).toEqual(["EVAL"]);
  expect(read[0]).toEqual(["EVAL", expect.stringContaining("XRANGE"), "2", `${prefix}{rev}:log`, `${prefix}{rev}:epoch`, expect.any(String), expect.any(String)]);
  // Nothing held open: no subscription, no heartbeat.
  expect(names(lambda.commands)).not.toContain("PUBLISH");
  const raw = await rawClient();
  expect(((await raw.sendCommand(["PUBSUB", "NUMSUB", `${prefix}events`])) as unknown[])[1]).toBe(1); // the writer's only
});

test("the log is read in order from the last id: many revocations since, session, token and user, all enforced after one catch-up", async () => {
  const prefix = `cu${++prefixes}:`;
  const writer = await instance(prefix);
  const lambda = await catchUp(prefix);
  const tokens = Array.from({ length: 30 }, () => issuer.mintAccessToken());
  const auths = await Promise.all(tokens.map((token) => writer.verifier.verify(token)));
  for (const [i, auth] of auths.entries()) await (i % 2 === 0 ? writer.revocations.revokeSession(auth) : writer.revocations.revokeToken(auth));
  const banned = issuer.mintAccessToken({ sub: "banned", auth_time: Math.floor(Date.now() / 1000) - 60 });
  await writer.revocations.revokeUser("banned");
  await sleep(350);
  const sent = lambda.commands.length;
  for (const token of [...tokens, banned]) expect(await outcome(lambda.verifier, token)).toBe("401 revoked");
  expect(names(lambda.commands.slice(sent))).toEqual(["EVAL"]);
  expect(lambda.revocations.stats()).toEqual({ sessions: 15, tokens: 15, users: 1 });
});

test("the log trimmed past the last id read: a full reload instead, nothing missed", async () => {
  const prefix = `cu${++prefixes}:`;
  const writer = await instance(prefix);
  const lambda = await catchUp(prefix);
  const auth = await writer.verifier.verify(issuer.mintAccessToken());
  await writer.revocations.revokeSession(await writer.verifier.verify(issuer.mintAccessToken()));
  await sleep(350);
  await outcome(lambda.verifier, auth.token); // caught up: its last id is the entry above
  // Revoked, and the log emptied (as trimming by age would), the entry kept in its set.
  await writer.revocations.revokeSession(auth);
  const raw = await rawClient();
  await raw.sendCommand(["XTRIM", `${prefix}{rev}:log`, "MAXLEN", "0"]);
  await sleep(350);
  const reloads = lambda.events.filter((event) => event.type === "reloaded").length;
  expect(await outcome(lambda.verifier, auth.token)).toBe("401 revoked");
  expect(lambda.events.filter((event) => event.type === "reloaded").length).toBe(reloads + 1);
});

test("Redis restarted empty: 503 while it is down (never 401, never a stale 200); back: a full reload (a new epoch), and the write-back gives Redis what it lost", async () => {
  const prefix = `cu${++prefixes}:`;
  const lambda = await catchUp(prefix);
  const writer = await instance(prefix);
  const revoked = await writer.verifier.verify(issuer.mintAccessToken());
  await writer.revocations.revokeSession(revoked);
  await sleep(350);
  const valid = issuer.mintAccessToken();
  expect([await outcome(lambda.verifier, revoked.token), await outcome(lambda.verifier, valid)]).toEqual(["401 revoked", 200]);
  await writer.revocations.close();

  await redis.kill();
  try {
    await sleep(350);
    // Past the bound, the catch-up fails: 503 for every token.
    expect([await outcome(lambda.verifier, revoked.token), await outcome(lambda.verifier, valid)]).toEqual(["503 revocation_check_failed", "503 revocation_check_failed"]);
  } finally {
    await redis.start();
  }
  // Back, empty: the next catch-up finds another epoch (none), reloads, and writes back what it holds.
  expect((await until(() => outcome(lambda.verifier, valid), 200, 10_000)).value).toBe(200);
  expect(await outcome(lambda.verifier, revoked.token)).toBe("401 revoked");
  expect((await until(() => lambda.events.some((event) => event.type === "written_back"), true, 5000)).value).toBe(true);
  const later = await instance(prefix);
  expect(await outcome(later.verifier, revoked.token)).toBe("401 revoked");
});

test("a write of this instance that Redis acknowledged and then lost (a failover to a replica without it): the next catch-up reloads and writes it back", async () => {
  const prefix = `cu${++prefixes}:`;
  const lambda = await catchUp(prefix);
  const auth = await lambda.verifier.verify(issuer.mintAccessToken());
  await lambda.revocations.revokeSession(auth);
  // As a promoted replica that never received it: the entry gone from its set and from the log.
  const raw = await rawClient();
  const [record] = (await raw.sendCommand(["XREVRANGE", `${prefix}{rev}:log`, "+", "-", "COUNT", "1"])) as [string, string[]][];
  await raw.multi().addCommand(["ZREM", `${prefix}{rev}:sessions`, auth.claims.origin_jti as string]).addCommand(["XDEL", `${prefix}{rev}:log`, record[0]]).exec();
  // Another write since, so the log's last id is past the lost one.
  const writer = await instance(prefix);
  await writer.revocations.revokeToken(await writer.verifier.verify(issuer.mintAccessToken()));
  await sleep(350);
  await outcome(lambda.verifier, issuer.mintAccessToken());
  expect((await until(async () => (await raw.sendCommand(["ZSCORE", `${prefix}{rev}:sessions`, auth.claims.origin_jti as string])) !== null, true, 5000)).value).toBe(true);
  expect(lambda.events).toContainEqual({ type: "written_back", entries: 1 });
  expect((await until(() => writer.revocations.check(auth.claims), "revoked", 3000)).value).toBe("revoked");
});

test("Redis down at start: ready() times out, checks answer 503; Redis back: loaded by the next check", async () => {
  const down = await startRedisServer();
  await down.kill();
  const revocations = createRedisRevocationList({ url: down.url, mode: "catch-up", keyPrefix: "cu-down:", onEvent: () => undefined });
  open.push(revocations);
  const verifier = createVerifier({ ...issuer.verifierOptions, revocations });
  open.push(verifier);
  try {
    await expect(revocations.ready({ timeoutMs: 300 })).rejects.toThrow(/not loaded within 300 ms/);
    expect(await outcome(verifier, issuer.mintAccessToken())).toBe("503 revocation_check_failed");
    await down.start();
    expect((await until(() => outcome(verifier, issuer.mintAccessToken()), 200, 10_000)).value).toBe(200);
    await revocations.ready({ timeoutMs: 1000 });
  } finally {
    await down.stop();
  }
});

test("subscribed mode: a heartbeat from another replication history (a failover) starts a reload, whose write-back restores what Redis lost", async () => {
  const prefix = `cu${++prefixes}:`;
  const a = await instance(prefix, { maxStalenessSeconds: 3 });
  const auth = await a.verifier.verify(issuer.mintAccessToken());
  await a.revocations.revokeSession(auth);
  const raw = await rawClient();
  // The node holding the list lost the entry (a replica promoted without it), and says so by its heartbeats' replid.
  await raw.sendCommand(["ZREM", `${prefix}{rev}:sessions`, auth.claims.origin_jti as string]);
  await raw.sendCommand(["PUBLISH", `${prefix}events`, '{"kind":"heartbeat","replid":"another-history"}']);
  expect((await until(async () => (await raw.sendCommand(["ZSCORE", `${prefix}{rev}:sessions`, auth.claims.origin_jti as string])) !== null, true, 5000)).value).toBe(true);
  expect(a.events).toContainEqual({ type: "written_back", entries: 1 });
  // Its own heartbeats (the real history) keep confirming the mirror afterwards.
  await sleep(1200);
  expect(await outcome(a.verifier, issuer.mintAccessToken())).toBe(200);
});

test("options: mode is validated, with the value or the key probably meant", () => {
  expect(() => createRedisRevocationList({ url: redis.url, mode: "catchup" as never })).toThrow(/mode must be "subscribe" or "catch-up" \(did you mean "catch-up"\?\)/);
  expect(() => createRedisRevocationList({ url: redis.url, mode: "poll" as never })).toThrow(/mode must be "subscribe" or "catch-up"$/);
  expect(() => createRedisRevocationList({ url: redis.url, mod: "catch-up" } as never)).toThrow(/did you mean "mode"/);
  expect(() => createRedisRevocationList({ url: redis.url, mode: "catch-up", maxStalenessSeconds: -1 })).toThrow(/maxStalenessSeconds/);
});
