// The revocation list's faults, driven through example processes (Express and
// Koa, real child processes) on a real redis-server and then on a real Redis
// Cluster, counting what is lost: a sign-out acknowledged in any way (POST
// /logout answered 204, or 202 "queued") that some instance does not enforce
// within the documented bound. The count must be 0.
//
// (a) Redis killed during a burst of sign-outs, then restarted empty: every
//     acknowledged sign-out is enforced on every instance (the Lambda example,
//     whose list catches up from the log, included), one started after the
//     restart included, within 5 s of Redis answering again (not counting
//     the late instance's own start-up).
// (b) The subscribers' connections killed (CLIENT KILL TYPE pubsub) again and
//     again while sign-outs are written: none missed.
// (c) A relay between one instance and Redis that stalls (no RST) for longer
//     than that instance's maxStalenessSeconds: 503, never a 401 for a valid
//     token, never a 200 for a revoked one past the bound; recovery without a
//     restart once the relay flows again.
// (d) On a cluster: the primary holding the list killed during a burst of
//     sign-outs, and the subscribers' connections killed: every acknowledged
//     sign-out enforced on every instance (the Lambda example included), one
//     started after the failover included, within 10 s of the cluster being
//     whole again; then sign-outs are stored (204) again. A sign-out that
//     the dying primary acknowledged but never replicated comes back by the
//     write-back that the replication id in the heartbeats sets off.
//
// The per-package tests (packages/redis/test/revocation-faults.test.ts,
// catch-up.test.ts, cluster.test.ts) cover each mechanism in one process; this
// file checks the promise end to end, over HTTP, as an operator would.
import { createClient } from "redis";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { startRedisServer, type RedisServer } from "../../../test/support/redis-server";
import { startRedisCluster, type RedisCluster } from "../../../test/support/redis-cluster";
import { startStallingProxy } from "../../../test/support/stalling-proxy";
import { issuerEnv, startExample, stopAllExamples, type Running } from "../harness";

jest.setTimeout(90_000);

let issuer: TestIssuer;
let redis: RedisServer;
beforeAll(async () => {
  [issuer, redis] = await Promise.all([createTestIssuer(), startRedisServer()]);
});
afterAll(async () => {
  await stopAllExamples();
  await issuer?.close();
  await redis?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function me(app: Running, token: string): Promise<number> {
  const res = await fetch(`${app.url}/me`, { headers: bearer(token) });
  await res.arrayBuffer();
  return res.status;
}

async function signOut(app: Running, token: string): Promise<number> {
  const res = await fetch(`${app.url}/logout`, { method: "POST", headers: bearer(token) });
  await res.arrayBuffer();
  return res.status;
}

interface SignOut {
  token: string;
  status: number;
}

/**
 * Sign-outs spread over `apps` by `workers` concurrent clients, `pauseMs` apart, of the tokens `next()` hands out
 * until it returns undefined. `after(done)` runs after each one (faults are injected from there).
 */
async function burst(apps: Running[], next: () => string | undefined, { workers = 3, pauseMs = 5, after = (_done: number) => undefined as unknown } = {}): Promise<SignOut[]> {
  const results: SignOut[] = [];
  let turn = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let token = next(); token !== undefined; token = next()) {
        const app = apps[turn++ % apps.length];
        results.push({ token, status: await signOut(app, token) });
        await after(results.length);
        await sleep(pauseMs);
      }
    }),
  );
  return results;
}

/** Hands out `tokens` in order, then undefined. */
const handOut = (tokens: string[]) => {
  let i = 0;
  return () => tokens[i++];
};

/**
 * Polls every (token, instance) pair until each answers 401 or `timeoutMs` passes; resolves to the pairs that
 * never did (the lost sign-outs) and when the last pair was first refused.
 */
async function enforcedEverywhere(tokens: string[], apps: Running[], timeoutMs: number): Promise<{ lost: string[]; lastMs: number }> {
  const begun = performance.now();
  let pending = tokens.flatMap((token) => apps.map((app) => ({ token, app })));
  let lastMs = 0;
  while (pending.length > 0 && performance.now() - begun < timeoutMs) {
    const statuses = await Promise.all(pending.map(({ token, app }) => me(app, token)));
    const now = performance.now() - begun;
    const left = pending.filter((_, i) => statuses[i] !== 401);
    if (left.length < pending.length) lastMs = now;
    pending = left;
    if (pending.length > 0) await sleep(50);
  }
  return { lost: pending.map(({ token, app }) => `${app.name} ${app.url}: …${token.slice(-12)}`), lastMs };
}

/** Every token answers 200 on every instance (valid, nobody signed it out). */
async function passEverywhere(tokens: string[], apps: Running[]): Promise<number[]> {
  return Promise.all(tokens.flatMap((token) => apps.map((app) => me(app, token))));
}

const acknowledged = (results: SignOut[]) => results.filter(({ status }) => status === 204 || status === 202).map(({ token }) => token);
const count = (results: SignOut[], status: number) => results.filter((result) => result.status === status).length;

test("(a) Redis killed during a burst of sign-outs, then restarted empty: every acknowledged sign-out (204 or 202) is enforced on every instance, one started after the restart too, within 5 s: 0 lost", async () => {
  const own = await startRedisServer();
  try {
    const env = { ...issuerEnv(issuer), COGNITO_REDIS_URL: own.url, COGNITO_REDIS_MAX_STALENESS_SECONDS: "3" };
    // And the Lambda example, whose list catches up from the log instead of subscribing.
    const [a, b, lambda] = await Promise.all([startExample("express", env), startExample("koa", env), startExample("lambda", env)]);
    const tokens = Array.from({ length: 60 }, () => issuer.mintAccessToken());
    const untouched = Array.from({ length: 3 }, () => issuer.mintAccessToken());
    expect(new Set(await passEverywhere([...tokens, ...untouched], [a, b, lambda]))).toEqual(new Set([200]));

    let restartedAt = 0;
    let down = false;
    let results: SignOut[];
    try {
      results = await burst([a, b], handOut(tokens), {
        after: async (done) => {
          if (done === 15) {
            down = true;
            await own.kill();
          } else if (done === 40) {
            await own.start();
            down = false;
            restartedAt = performance.now();
          }
        },
      });
    } finally {
      if (down) {
        await own.start();
        restartedAt = performance.now();
      }
    }
    // Every sign-out was acknowledged: stored (204) before the kill, queued (202) while Redis was down.
    expect(results.map(({ status }) => status).filter((status) => status !== 204 && status !== 202)).toEqual([]);
    expect(count(results, 204)).toBeGreaterThanOrEqual(15);
    expect(count(results, 202)).toBeGreaterThan(0);

    const booting = performance.now();
    const c = await startExample("express", env);
    const polled = performance.now();
    const { lost, lastMs } = await enforcedEverywhere(acknowledged(results), [a, b, lambda, c], 15_000);
    expect({ lost: lost.length, sample: lost.slice(0, 5) }).toEqual({ lost: 0, sample: [] });
    // Within the bound: from Redis answering again to the last instance refusing the last sign-out (C's own
    // start-up, a process booting, not counted).
    expect(polled + lastMs - restartedAt - (polled - booting)).toBeLessThan(5000);
    expect(new Set(await passEverywhere(untouched, [a, b, lambda, c]))).toEqual(new Set([200]));
    await Promise.all([a.stop(), b.stop(), lambda.stop(), c.stop()]);
  } finally {
    await own.stop();
  }
});

test("(b) the subscribers' connections killed (CLIENT KILL TYPE pubsub) again and again while sign-outs are written: none missed", async () => {
  const env = { ...issuerEnv(issuer), COGNITO_REDIS_URL: redis.url, COGNITO_REDIS_MAX_STALENESS_SECONDS: "3" };
  const apps = await Promise.all([startExample("express", env), startExample("koa", env), startExample("express", env)]);
  const tokens = Array.from({ length: 60 }, () => issuer.mintAccessToken());
  const untouched = Array.from({ length: 3 }, () => issuer.mintAccessToken());
  expect(new Set(await passEverywhere([...tokens, ...untouched], apps))).toEqual(new Set([200]));

  const raw = createClient({ url: redis.url });
  raw.on("error", () => undefined);
  await raw.connect();
  let killing = true;
  let killed = 0;
  const killer = (async () => {
    while (killing) {
      killed += Number(await raw.sendCommand(["CLIENT", "KILL", "TYPE", "pubsub"]));
      await sleep(25);
    }
  })();
  let results: SignOut[];
  try {
    results = await burst(apps.slice(0, 2), handOut(tokens), { pauseMs: 10 });
  } finally {
    killing = false;
    await killer;
    raw.destroy();
  }
  expect(killed).toBeGreaterThanOrEqual(3);
  expect(count(results, 204)).toBe(tokens.length);
  const { lost } = await enforcedEverywhere(acknowledged(results), apps, 5000);
  expect({ lost: lost.length, sample: lost.slice(0, 5) }).toEqual({ lost: 0, sample: [] });
  expect(new Set(await passEverywhere(untouched, apps))).toEqual(new Set([200]));
  await Promise.all(apps.map((app) => app.stop()));
});

test("(c) a relay that stalls (no RST) for longer than maxStalenessSeconds: 503, never 401 for a valid token, never a 200 for a revoked one past the bound; recovery without a restart", async () => {
  const proxy = await startStallingProxy(redis.port);
  try {
    const bound = 2000;
    const a = await startExample("express", { ...issuerEnv(issuer), COGNITO_REDIS_URL: redis.url });
    const b = await startExample("koa", { ...issuerEnv(issuer), COGNITO_REDIS_URL: proxy.url, COGNITO_REDIS_MAX_STALENESS_SECONDS: String(bound / 1000) });
    const valid = issuer.mintAccessToken();
    const revokedBefore = issuer.mintAccessToken();
    const revokedDuring = issuer.mintAccessToken();
    expect(await signOut(a, revokedBefore)).toBe(204);
    const refused = async () => {
      for (let i = 0; i < 100 && (await me(b, revokedBefore)) !== 401; i++) await sleep(20);
      return me(b, revokedBefore);
    };
    expect(await refused()).toBe(401);
    expect([await me(b, valid), await me(b, revokedDuring)]).toEqual([200, 200]);
    const pid = b.child.pid;

    const stalledAt = performance.now();
    expect(proxy.stall()).toBeGreaterThanOrEqual(2); // B's command and subscriber connections
    let observations: { at: number; valid: number; before: number; during: number }[] = [];
    try {
      expect(await signOut(a, revokedDuring)).toBe(204);
      while (performance.now() - stalledAt < bound + 1500) {
        const at = performance.now() - stalledAt;
        const [v, before, during] = await Promise.all([me(b, valid), me(b, revokedBefore), me(b, revokedDuring)]);
        observations.push({ at, valid: v, before, during });
        await sleep(50);
      }
    } finally {
      proxy.resume();
    }
    // Never a 401 for the valid token, never a 200 for the one revoked before the stall, and a 200 for the one
    // revoked during it only within the bound (B had heard from Redis at most the bound before).
    expect(observations.filter((o) => o.valid !== 200 && o.valid !== 503)).toEqual([]);
    expect(observations.filter((o) => o.before !== 401 && o.before !== 503)).toEqual([]);
    // (B's clock starts from the last heartbeat it read, which may have been on its way when the stall began: 100 ms slack.)
    expect(observations.filter((o) => o.during === 200 && o.at >= bound + 100)).toEqual([]);
    expect(observations.filter((o) => o.during !== 200 && o.during !== 503)).toEqual([]);
    // Past the bound: 503 for all three.
    const late = observations.filter((o) => o.at > bound + 100);
    expect(late.length).toBeGreaterThanOrEqual(3);
    expect(late.filter((o) => o.valid !== 503 || o.before !== 503 || o.during !== 503)).toEqual([]);

    // The relay flows again: the same process recovers.
    observations = [];
    const resumedAt = performance.now();
    let recovered = false;
    while (!recovered && performance.now() - resumedAt < 10_000) {
      const [v, before, during] = await Promise.all([me(b, valid), me(b, revokedBefore), me(b, revokedDuring)]);
      observations.push({ at: performance.now() - resumedAt, valid: v, before, during });
      recovered = v === 200 && before === 401 && during === 401;
      if (!recovered) await sleep(50);
    }
    expect(recovered).toBe(true);
    expect(observations.filter((o) => o.valid === 401 || o.before === 200 || o.during === 200)).toEqual([]);
    expect(b.child.pid).toBe(pid);
    expect(b.child.exitCode).toBeNull();
    await Promise.all([a.stop(), b.stop()]);
  } finally {
    await proxy.close();
  }
});

describe("on a Redis Cluster", () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await stopAllExamples();
    await cluster?.stop();
  });

  test("(d) the primary holding the list killed during a burst of sign-outs, subscribers' connections killed too: every acknowledged sign-out is enforced on every instance, one started after the failover too, within 10 s: 0 lost", async () => {
    const env = { ...issuerEnv(issuer), COGNITO_REDIS_URL: cluster.urls.slice(0, 3).join(","), COGNITO_REDIS_CLUSTER: "1", COGNITO_REDIS_MAX_STALENESS_SECONDS: "3" };
    const [a, b, lambda] = await Promise.all([startExample("express", env), startExample("koa", env), startExample("lambda", env)]);
    const untouched = Array.from({ length: 3 }, () => issuer.mintAccessToken());
    expect(new Set(await passEverywhere(untouched, [a, b, lambda]))).toEqual(new Set([200]));

    // Sign-outs go on until 10 after the cluster is whole again.
    let failover: Promise<number> | undefined;
    let wholeAt = 0;
    let afterWhole = 0;
    const next = () => {
      if (wholeAt > 0 && afterWhole++ >= 10) return undefined;
      return issuer.mintAccessToken();
    };
    const results = await burst([a, b], next, {
      workers: 2,
      pauseMs: 20,
      after: (done) => {
        if (done === 10) {
          failover = cluster.killPrimaryOf("cognito-bearer:revocations:{rev}:sessions").then((port) => {
            wholeAt = performance.now();
            return port;
          });
        }
        if (done === 20) {
          // Every subscriber loses its connection too, wherever it was.
          void Promise.all(cluster.nodes.map(({ port }) => cluster.cli(port, "client", "kill", "type", "pubsub").catch(() => "")));
        }
      },
    });
    expect(await failover).toBeGreaterThan(0);
    expect(results.map(({ status }) => status).filter((status) => status !== 204 && status !== 202)).toEqual([]);
    expect(count(results, 202)).toBeGreaterThan(0);

    const booting = performance.now();
    const c = await startExample("express", env);
    const polled = performance.now();
    const { lost, lastMs } = await enforcedEverywhere(acknowledged(results), [a, b, lambda, c], 20_000);
    expect({ lost: lost.length, sample: lost.slice(0, 5) }).toEqual({ lost: 0, sample: [] });
    // Within the bound: from the cluster being whole again to the last instance refusing the last sign-out (C's
    // own start-up not counted).
    expect(polled + lastMs - wholeAt - (polled - booting)).toBeLessThan(10_000);

    // Sign-outs are stored again (204) on both instances, and refused everywhere.
    const later: string[] = [];
    for (const app of [a, b]) {
      let stored = false;
      for (const begun = performance.now(); !stored && performance.now() - begun < 10_000; ) {
        const token = issuer.mintAccessToken();
        const status = await signOut(app, token);
        expect([202, 204]).toContain(status);
        later.push(token);
        stored = status === 204;
        if (!stored) await sleep(100);
      }
      expect(stored).toBe(true);
    }
    const again = await enforcedEverywhere(later, [a, b, lambda, c], 10_000);
    expect(again.lost).toEqual([]);
    expect(new Set(await passEverywhere(untouched, [a, b, lambda, c]))).toEqual(new Set([200]));
    await Promise.all([a.stop(), b.stop(), lambda.stop(), c.stop()]);
  });
});
