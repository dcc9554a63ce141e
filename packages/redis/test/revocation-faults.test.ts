// Faults of Redis, against a real redis-server (no mock): revocations made
// while it is down wait in an outbox and reach every instance once it is back;
// a Redis restarted empty gets back what the running instances hold
// (anti-entropy), so an instance started afterwards enforces it; expired
// entries stop refusing everywhere at once; ready() never hangs in silence;
// close() flushes the outbox, or reports what it could not.
import { createVerifier, type Verifier } from "@cognito-bearer/core";
import type { TestIssuer } from "@cognito-bearer/testing";
import {
  createRedisRevocationList,
  OUTBOX_WARNING_CODE,
  RevocationUnavailableError,
  UNAVAILABLE_WARNING_CODE,
  type RedisRevocationEvent,
  type RedisRevocationList,
  type RedisRevocationListOptions,
} from "@cognito-bearer/redis";
import { createClient } from "redis";
import { startRedisServer, type RedisServer } from "../../../test/support/redis-server";
import { outcome, until, useRedisAndIssuer } from "./support";

jest.setTimeout(40_000);

/** The documented bound: a revocation queued during an outage is enforced everywhere within this long after Redis answers again (reconnect back-off ≤ 2 s + a write). */
const PROPAGATION_BOUND_MS = 5000;

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
}
function instance(prefix: string, options: Partial<RedisRevocationListOptions> = {}): Instance {
  const events: RedisRevocationEvent[] = [];
  const revocations = createRedisRevocationList({ url: redis.url, keyPrefix: prefix, onEvent: (event) => events.push(event), closeTimeoutMs: 1000, ...options });
  open.push(revocations);
  const verifier = createVerifier({ ...issuer.verifierOptions, revocations });
  open.push(verifier);
  return { revocations, verifier, events };
}
async function started(prefix: string, options: Partial<RedisRevocationListOptions> = {}): Promise<Instance> {
  const made = instance(prefix, options);
  await made.revocations.ready({ timeoutMs: 10_000 });
  return made;
}

/** The settled state of `promise` after at most `ms`: a hang shows as "pending" instead of a Jest timeout. */
async function within<T>(promise: Promise<T>, ms: number): Promise<{ state: "resolved"; value: T } | { state: "rejected"; error: any } | { state: "pending" }> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<{ state: "pending" }>((resolve) => (timer = setTimeout(() => resolve({ state: "pending" }), ms)));
  try {
    return await Promise.race([promise.then((value) => ({ state: "resolved" as const, value }), (error) => ({ state: "rejected" as const, error })), pending]);
  } finally {
    clearTimeout(timer);
  }
}

/** Process warnings given meanwhile: Jest's sandboxed `process` does not pass them to its own listeners, so this watches `process.emitWarning` (and keeps them off the output). */
function watchWarnings(): { warnings: { message: string; code: unknown }[]; restore(): void } {
  const spy = jest.spyOn(process, "emitWarning").mockImplementation(() => undefined);
  return {
    get warnings() {
      return spy.mock.calls.map(([warning, options]) => ({ message: String(warning), code: typeof options === "object" ? (options as { code?: string })?.code : undefined }));
    },
    restore: () => spy.mockRestore(),
  };
}

async function rawClient() {
  const client = createClient({ url: redis.url });
  client.on("error", () => undefined);
  await client.connect();
  return client;
}

async function inRedis(prefix: string, kind: string, member: string): Promise<boolean> {
  const raw = await rawClient();
  try {
    return (await raw.sendCommand(["ZSCORE", `${prefix}{rev}:${kind}`, member])) !== null;
  } finally {
    raw.destroy();
  }
}

const originOf = (token: string): string => JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString()).origin_jti;

test("(a) revoked on A while Redis is down: queued, refused on A at once; Redis restarted empty: B and an instance C started after the restart refuse it within the bound", async () => {
  const prefix = `faults${++prefixes}:`;
  const a = await started(prefix);
  const b = await started(prefix);
  const token = issuer.mintAccessToken();
  const auth = await a.verifier.verify(token);
  expect(await outcome(b.verifier, token)).toBe(200);

  await redis.kill();
  let restarted = false;
  try {
    const error = await a.revocations.revokeSession(auth).then(() => undefined, (err: unknown) => err);
    expect(error).toBeInstanceOf(RevocationUnavailableError);
    expect(error).toMatchObject({ queued: true, code: "REVOCATION_UNAVAILABLE" });
    expect(await outcome(a.verifier, token)).toBe("401 revoked");
    expect(a.revocations.pending()).toBe(1);
    // A retried sign-out merges into the queued one.
    await expect(a.revocations.revokeSession(auth)).rejects.toMatchObject({ queued: true });
    expect(a.revocations.pending()).toBe(1);
    await redis.start();
    restarted = true;
  } finally {
    if (!restarted) await redis.start();
  }
  const back = performance.now();
  const c = instance(prefix);
  const onB = await until(() => outcome(b.verifier, token), "401 revoked", 10_000);
  expect(onB.value).toBe("401 revoked");
  await c.revocations.ready({ timeoutMs: 10_000 });
  const onC = await until(() => outcome(c.verifier, token), "401 revoked", 10_000);
  expect(onC.value).toBe("401 revoked");
  const ms = performance.now() - back;
  expect(ms).toBeLessThan(PROPAGATION_BOUND_MS);
  expect(await inRedis(prefix, "sessions", auth.claims.origin_jti as string)).toBe(true);
  expect((await until(() => a.revocations.pending(), 0, 2000)).value).toBe(0);
  expect(a.events).toContainEqual(expect.objectContaining({ type: "outbox_delivered", entries: 1 }));
  // Another token still passes everywhere.
  expect(await outcome(c.verifier, issuer.mintAccessToken())).toBe(200);
});

test("(b) Redis restarted empty after revocations were stored: the running instances write them back, and an instance started afterwards learns them", async () => {
  const prefix = `faults${++prefixes}:`;
  const a = await started(prefix);
  const token = issuer.mintAccessToken();
  const banned = issuer.mintAccessToken({ sub: "banned", auth_time: Math.floor(Date.now() / 1000) - 60 });
  const single = issuer.mintAccessToken();
  await a.revocations.revokeSession(await a.verifier.verify(token));
  await a.revocations.revokeToken(await a.verifier.verify(single));
  await a.revocations.revokeUser("banned");

  await redis.kill();
  await redis.start();
  const back = performance.now();
  const c = instance(prefix);
  await c.revocations.ready({ timeoutMs: 10_000 });
  for (const refused of [token, single, banned]) expect((await until(() => outcome(c.verifier, refused), "401 revoked", 10_000)).value).toBe("401 revoked");
  const ms = performance.now() - back;
  expect(ms).toBeLessThan(PROPAGATION_BOUND_MS);
  expect(await inRedis(prefix, "sessions", originOf(token))).toBe(true);
  // Redis had come back empty: A wrote back all three.
  expect(a.events).toContainEqual({ type: "written_back", entries: 3 });
  // A later instance loads them straight from Redis.
  const d = await started(prefix);
  expect(d.revocations.stats()).toEqual({ sessions: 1, tokens: 1, users: 1 });
});

test("(c) close() flushes the outbox once Redis is back; with Redis still down it gives up at its deadline and reports what it could not deliver; a stuck outbox is reported", async () => {
  const prefix = `faults${++prefixes}:`;
  const a = await started(prefix, { closeTimeoutMs: 8000 });
  const auth = await a.verifier.verify(issuer.mintAccessToken());

  await redis.kill();
  try {
    await expect(a.revocations.revokeSession(auth)).rejects.toMatchObject({ queued: true });
  } finally {
    await redis.start();
  }
  // Closed at once, before the list has even reconnected: the close waits for the delivery.
  await a.revocations.close();
  expect(await inRedis(prefix, "sessions", auth.claims.origin_jti as string)).toBe(true);
  expect(a.events).toContainEqual(expect.objectContaining({ type: "outbox_delivered", entries: 1 }));
  expect(a.events.filter((event) => event.type === "outbox_abandoned")).toEqual([]);

  const b = await started(prefix, { outboxAlertSeconds: 0.3, closeTimeoutMs: 500 });
  const other = await b.verifier.verify(issuer.mintAccessToken());
  await redis.kill();
  try {
    await expect(b.revocations.revokeToken(other)).rejects.toMatchObject({ queued: true });
    expect(b.events.filter((event) => event.type === "outbox_stalled")).toEqual([]);
    const seen = await until(() => b.events.some((event) => event.type === "outbox_stalled"), true, 3000);
    expect(seen.value).toBe(true);
    expect(b.events.find((event) => event.type === "outbox_stalled")).toMatchObject({ entries: 1, oldestAgeSeconds: expect.any(Number) });
    const closing = performance.now();
    expect((await within(b.revocations.close(), 3000)).state).toBe("resolved");
    expect(performance.now() - closing).toBeLessThan(2000);
    expect(b.events).toContainEqual({ type: "outbox_abandoned", entries: 1 });
    // A revoke after close applies here only, and says so.
    await expect(b.revocations.revokeToken(other)).rejects.toMatchObject({ queued: false });
  } finally {
    await redis.start();
  }
});

test("(c') without onEvent, a stuck outbox and an abandoned one are process warnings", async () => {
  const watch = watchWarnings();
  try {
    const prefix = `faults${++prefixes}:`;
    const revocations = createRedisRevocationList({ url: redis.url, keyPrefix: prefix, outboxAlertSeconds: 0.2, closeTimeoutMs: 300 });
    open.push(revocations);
    await revocations.ready({ timeoutMs: 10_000 });
    await redis.kill();
    try {
      await expect(revocations.revokeUser("someone")).rejects.toMatchObject({ queued: true });
      await until(() => watch.warnings.length > 0, true, 3000);
      await revocations.close();
    } finally {
      await redis.start();
    }
    const warnings = watch.warnings;
    expect(new Set(warnings.map((warning) => warning.code))).toEqual(new Set([OUTBOX_WARNING_CODE]));
    expect(warnings[0].message).toMatch(/1 revocation\(s\) applied on this instance have not reached Redis/);
    expect(warnings.at(-1)!.message).toMatch(/closed with 1 revocation\(s\) Redis never stored/);
  } finally {
    watch.restore();
  }
});

test("(d) Redis down at boot: a warning, checks answer 503, ready() rejects on its timeout, on its signal, and on close()", async () => {
  const down = await startRedisServer();
  await down.kill();
  const watch = watchWarnings();
  try {
    const list = createRedisRevocationList({ url: down.url, keyPrefix: "down:" });
    open.push(list);
    const verifier = createVerifier({ ...issuer.verifierOptions, revocations: list });
    open.push(verifier);
    const begun = performance.now();
    const timedOut = await within(list.ready({ timeoutMs: 500 }), 5000);
    expect(timedOut.state).toBe("rejected");
    expect((timedOut as { error: unknown }).error).toBeInstanceOf(RevocationUnavailableError);
    expect((timedOut as { error: Error }).error.message).toMatch(/not loaded within 500 ms/);
    expect(performance.now() - begun).toBeLessThan(2000);
    expect(await outcome(verifier, issuer.mintAccessToken())).toBe("503 revocation_check_failed");
    expect((await until(() => watch.warnings.some((w) => w.code === UNAVAILABLE_WARNING_CODE), true, 3000)).value).toBe(true);
    expect(watch.warnings.filter((w) => w.code === UNAVAILABLE_WARNING_CODE)).toHaveLength(1);

    const controller = new AbortController();
    const aborted = list.ready({ signal: controller.signal });
    controller.abort(new Error("shutting down"));
    expect(await within(aborted, 1000)).toEqual({ state: "rejected", error: new Error("shutting down") });

    const pending = list.ready();
    await list.close();
    const closed = await within(pending, 1000);
    expect(closed.state).toBe("rejected");
    expect((closed as { error: Error }).error.message).toMatch(/closed before it was loaded/);
    expect((await within(list.ready(), 1000)).state).toBe("rejected");
  } finally {
    watch.restore();
    await down.stop();
  }

  // With onEvent: an event instead of the warning.
  const events: RedisRevocationEvent[] = [];
  const other = createRedisRevocationList({ url: down.url, keyPrefix: "down:", onEvent: (event) => events.push(event) });
  open.push(other);
  expect((await until(() => events.some((event) => event.type === "unavailable"), true, 3000)).value).toBe(true);
  await other.close();
});

test("an expired entry stops refusing on every instance at its expiry, with no write to sweep it", async () => {
  const prefix = `faults${++prefixes}:`;
  const options = { maxTokenLifetimeSeconds: 1, graceSeconds: 0 };
  const a = await started(prefix, options);
  const b = await started(prefix, options);
  const token = issuer.mintAccessToken({}, { expiresInSeconds: 3600 });
  const auth = await a.verifier.verify(token);
  await a.revocations.revokeSession(auth);
  const expiresAt = Date.now() + 1000;
  expect((await until(() => outcome(b.verifier, token), "401 revoked", 2000)).value).toBe("401 revoked");
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now() + 50)));
  expect([await outcome(a.verifier, token), await outcome(b.verifier, token)]).toEqual([200, 200]);
  // Nothing was swept (no write since): the lookup alone decided.
  expect(a.revocations.stats().sessions).toBe(1);
});

test("close() keeps its deadline when Redis hangs (CLIENT PAUSE) with a write in flight, and reports it undelivered", async () => {
  const prefix = `faults${++prefixes}:`;
  const a = await started(prefix, { commandTimeoutMs: 5000, closeTimeoutMs: 300 });
  const auth = await a.verifier.verify(issuer.mintAccessToken());
  const raw = await rawClient();
  try {
    await raw.sendCommand(["CLIENT", "PAUSE", "3000", "WRITE"]);
    const revoking = a.revocations.revokeSession(auth).then(() => "stored", (err: { queued?: boolean }) => (err.queued ? "queued" : "failed"));
    // The write hangs: close() gives up on it at its deadline, and reports it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = performance.now();
    expect((await within(a.revocations.close(), 2000)).state).toBe("resolved");
    expect(performance.now() - closing).toBeLessThan(1500);
    // Not delivered, and said so: by the event, and by the revoke call (applied here only, not "queued" in a closed list).
    expect(a.events).toContainEqual({ type: "outbox_abandoned", entries: 1 });
    expect(await revoking).toBe("failed");
    expect(a.revocations.check(auth.claims)).toBe("revoked");
  } finally {
    await raw.sendCommand(["CLIENT", "UNPAUSE"]);
    raw.destroy();
  }
});
