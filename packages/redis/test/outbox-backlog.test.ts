// The outbox under a sustained revoke load, against a real redis-server (no
// mock): a pause of Redis (CLIENT PAUSE) in the middle of the load fills the
// outbox, and every revoke made meanwhile joins it (to keep order). Delivered
// one write per round trip, it drained slower than revokes arrived and every
// later revoke stayed `queued` for good; delivered in batches, it drains,
// later revokes go direct again, the timeouts are reported, and every
// revocation made reaches Redis. Batching is told apart from one write per
// entry by what Redis counts (its script calls), not by a clock: a loaded CI
// machine makes any time bound either flaky or blind.
import { randomUUID } from "node:crypto";
import { createClient } from "redis";
import type { CognitoAuth } from "@cognito-bearer/core";
import { createRedisRevocationList, type RedisRevocationEvent } from "@cognito-bearer/redis";
import { startRedisServer, type RedisServer } from "../../../test/support/redis-server";

jest.setTimeout(60_000);

let redis: RedisServer;
const open: { close(): unknown }[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis.stop();
});
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A sign-in to revoke: the claims a session revocation reads (origin_jti, exp). */
const signIn = () => ({ claims: { origin_jti: randomUUID(), exp: Math.floor(Date.now() / 1000) + 3600 } }) as unknown as CognitoAuth;

test("after a CLIENT PAUSE under a sustained revoke load, the outbox drains in batches, later revokes go direct again, the timeouts are reported, and none is lost", async () => {
  const prefix = "backlog:";
  const events: RedisRevocationEvent[] = [];
  // A write unanswered for 800 ms is queued: the pause makes writes time out (and must be reported).
  const revocations = createRedisRevocationList({ url: redis.url, keyPrefix: prefix, commandTimeoutMs: 800, closeTimeoutMs: 5000, onEvent: (event) => events.push(event) });
  open.push(revocations);
  await revocations.ready({ timeoutMs: 10_000 });
  const raw = createClient({ url: redis.url });
  raw.on("error", () => undefined);
  await raw.connect();
  open.push({ close: () => raw.destroy() });
  /** Script calls Redis has run so far (every write is one EVAL, one entry or a batch). */
  const scriptCalls = async () => {
    const stats = String(await raw.sendCommand(["INFO", "commandstats"]));
    return [...stats.matchAll(/^cmdstat_(?:eval|evalsha|fcall):calls=(\d+)/gm)].reduce((sum, [, calls]) => sum + Number(calls), 0);
  };
  const callsBefore = await scriptCalls();

  // 1,000 revokes/s; Redis paused (writes, scripts and publishes held) for 1.5 s, and 10,000 revokes at once in the
  // pause (a mass sign-out). The load goes on until the outbox has been empty for 1.5 s (at most 30 s).
  const RATE = 1000;
  const BURST = 10_000;
  const PAUSE_AT_MS = 1000;
  const PAUSE_MS = 1500;
  const AFTER_DRAIN_MS = 1500;
  const GIVE_UP_MS = 30_000;
  const begun = performance.now();
  const calls: Promise<void>[] = [];
  /** When each revoke was made (ms since `begun`) and how it settled. */
  const outcomes: { at: number; result: "stored" | "queued" | "failed" }[] = [];
  let made = 0;
  const revoke = (at: number) => {
    const outcome = { at, result: "failed" as "stored" | "queued" | "failed" };
    outcomes.push(outcome);
    calls.push(
      revocations.revokeSession(signIn()).then(
        () => void (outcome.result = "stored"),
        (err: { queued?: boolean }) => void (outcome.result = err.queued === true ? "queued" : "failed"),
      ),
    );
  };
  let pauseSent = false;
  let burstSent = false;
  let pauseEndsAt = Infinity;
  /** The first moment after the pause ended at which the outbox was empty again, having filled. */
  let drainedAt: number | undefined;
  let filled = false;
  const samples: number[][] = [];
  for (;;) {
    const now = performance.now() - begun;
    if (now > GIVE_UP_MS || (drainedAt !== undefined && now > drainedAt + AFTER_DRAIN_MS)) break;
    if (!pauseSent && now >= PAUSE_AT_MS) {
      pauseSent = true;
      await raw.sendCommand(["CLIENT", "PAUSE", String(PAUSE_MS), "WRITE"]);
      pauseEndsAt = performance.now() - begun + PAUSE_MS;
    }
    if (!burstSent && now >= PAUSE_AT_MS + 200) {
      burstSent = true;
      for (let i = 0; i < BURST; i++, made++) revoke(now);
    }
    if (revocations.pending() > 0) filled = true;
    if (now >= pauseEndsAt && filled && drainedAt === undefined && revocations.pending() === 0) drainedAt = now;
    if (now >= samples.length * 250) samples.push([Math.round(now), revocations.pending()]);
    const due = Math.floor((now / 1000) * RATE);
    for (; made - (burstSent ? BURST : 0) < due; made++) revoke(now);
    await sleep(5);
  }
  await Promise.all(calls);

  /** How the revokes of each second settled: [stored, queued, failed]. */
  const perSecond = outcomes.reduce<number[][]>((table, o) => {
    const row = (table[Math.floor(o.at / 1000)] ??= [0, 0, 0]);
    row[o.result === "stored" ? 0 : o.result === "queued" ? 1 : 2]++;
    return table;
  }, []);
  const queued = outcomes.filter((o) => o.result === "queued").length;
  // The pause did fill the outbox (the test tests something), and it emptied while the load went on.
  // (The table of each second's outcomes and the outbox's size every 250 ms, shown when it fails.)
  expect({ filled, drained: drainedAt !== undefined, perSecond, samples }).toEqual({ filled: true, drained: true, perSecond, samples });
  expect(queued).toBeGreaterThan(BURST / 2);
  // Revokes made once it had drained went direct: stored, not queued behind a backlog.
  const later = outcomes.filter((o) => o.at > drainedAt! + 100);
  expect(later.length).toBeGreaterThan(RATE * 0.5);
  expect({ notStoredLater: later.filter((o) => o.result !== "stored").length, perSecond }).toEqual({ notStoredLater: 0, perSecond });
  expect(outcomes.filter((o) => o.result === "failed").length).toBe(0);
  // The timeouts were reported, and the outbox's delivery too.
  expect(events.filter((e) => e.type === "error").length).toBeGreaterThan(0);
  expect(events.some((e) => e.type === "outbox_delivered")).toBe(true);
  // Every revocation made reached Redis: 0 lost.
  const deadline = Date.now() + 10_000;
  while (revocations.pending() > 0 && Date.now() < deadline) await sleep(20);
  expect(revocations.pending()).toBe(0);
  expect(Number(await raw.sendCommand(["ZCARD", `${prefix}{rev}:sessions`]))).toBe(made);
  // In batches: every revoke was tried once directly (one call each, those held by the pause run too), and the
  // queued ones were delivered a batch per call. One write per entry would have cost a call per queued entry more.
  const spent = (await scriptCalls()) - callsBefore;
  expect(spent).toBeLessThan(made + queued / 10);
});
