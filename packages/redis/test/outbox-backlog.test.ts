// The outbox under a sustained revoke load, against a real redis-server (no
// mock): a pause of Redis (CLIENT PAUSE) in the middle of the load fills the
// outbox, and every revoke made meanwhile joins it (to keep order). Delivered
// one write per round trip, it drained slower than revokes arrived and every
// later revoke stayed `queued` for good; delivered in batches, it drains within
// moments of Redis answering, later revokes go direct again, the timeouts are
// reported, and every revocation made reaches Redis.
import { randomUUID } from "node:crypto";
import { createClient } from "redis";
import type { CognitoAuth } from "@cognito-bearer/core";
import { createRedisRevocationList, type RedisRevocationEvent } from "@cognito-bearer/redis";
import { startRedisServer, type RedisServer } from "../../../test/support/redis-server";

jest.setTimeout(40_000);

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

test("after a 1 s CLIENT PAUSE under a sustained revoke load, the outbox drains at once, later revokes go direct again, the timeouts are reported, and none is lost", async () => {
  const prefix = "backlog:";
  const events: RedisRevocationEvent[] = [];
  // A write unanswered for 600 ms is queued: the pause makes writes time out (and must be reported).
  const revocations = createRedisRevocationList({ url: redis.url, keyPrefix: prefix, commandTimeoutMs: 600, closeTimeoutMs: 5000, onEvent: (event) => events.push(event) });
  open.push(revocations);
  await revocations.ready({ timeoutMs: 10_000 });
  const raw = createClient({ url: redis.url });
  raw.on("error", () => undefined);
  await raw.connect();
  open.push({ close: () => raw.destroy() });

  // 3,000 revokes/s for 9.5 s; Redis paused (writes, scripts and publishes held) from 1.5 s to 2.5 s, and 20,000
  // revokes at once in the pause. Delivered one write per round trip (5,000-9,000/s), the outbox took seconds to
  // catch up with that backlog while the load went on (and at a higher rate never did); in batches, it does
  // within ~1.3 s alone, 2.8-3.9 s beside other test files (most of it Redis running the 20,000 single writes held by
  // the pause). One write per round trip had not caught up 3.5 s after the pause (24,000 still waiting, ~2,800/s less).
  const RATE = 3000;
  const DURATION_MS = 9500;
  const BURST = 20_000;
  /** The outbox is empty again within this long after the pause ends, and revokes made later are stored directly. */
  const DRAIN_BOUND_MS = 5000;
  const PAUSE_AT_MS = 1500;
  const PAUSE_MS = 1000;
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
  /** The first moment after the pause ended at which the outbox was empty. */
  let drainedAt: number | undefined;
  let pendingAtPauseEnd = 0;
  const samples: number[][] = [];
  while (performance.now() - begun < DURATION_MS) {
    const now = performance.now() - begun;
    if (!pauseSent && now >= PAUSE_AT_MS) {
      pauseSent = true;
      await raw.sendCommand(["CLIENT", "PAUSE", String(PAUSE_MS), "WRITE"]);
      pauseEndsAt = performance.now() - begun + PAUSE_MS;
    }
    // A burst in the pause (a mass sign-out): the backlog the outbox must catch up with while the load goes on.
    if (!burstSent && now >= PAUSE_AT_MS + 200) {
      burstSent = true;
      for (let i = 0; i < BURST; i++, made++) revoke(now);
    }
    if (now >= pauseEndsAt) {
      if (pendingAtPauseEnd === 0) pendingAtPauseEnd = Math.max(1, revocations.pending());
      if (drainedAt === undefined && revocations.pending() === 0) drainedAt = now;
    }
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
  // The pause did fill the outbox (the test tests something), and it emptied within the bound of Redis answering again.
  expect(outcomes.filter((o) => o.result === "queued").length).toBeGreaterThan(BURST);
  expect(pendingAtPauseEnd).toBeGreaterThan(0);
  // (The table of each second's outcomes and the outbox's size every 250 ms, shown when it fails.)
  expect({ drainedAfterMs: drainedAt === undefined ? undefined : drainedAt - pauseEndsAt, perSecond, samples }).toEqual({ drainedAfterMs: expect.any(Number), perSecond, samples });
  expect(drainedAt! - pauseEndsAt).toBeLessThan(DRAIN_BOUND_MS);
  // Revokes made from the bound after the pause on went direct: stored, none queued behind a backlog.
  const later = outcomes.filter((o) => o.at >= pauseEndsAt + DRAIN_BOUND_MS);
  expect(later.length).toBeGreaterThan(RATE * 0.5);
  expect({ notStoredLater: later.filter((o) => o.result !== "stored").length, perSecond }).toEqual({ notStoredLater: 0, perSecond });
  expect(outcomes.filter((o) => o.result === "failed").length).toBe(0);
  // The timeouts were reported, and the outbox's delivery too.
  expect(events.filter((e) => e.type === "error").length).toBeGreaterThan(0);
  expect(events.some((e) => e.type === "outbox_delivered")).toBe(true);
  // Every revocation made reached Redis: 0 lost.
  const deadline = Date.now() + 5000;
  while (revocations.pending() > 0 && Date.now() < deadline) await sleep(20);
  expect(revocations.pending()).toBe(0);
  expect(Number(await raw.sendCommand(["ZCARD", `${prefix}{rev}:sessions`]))).toBe(made);
});
