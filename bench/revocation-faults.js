// Revocations lost across a fault: two instances (A, B: their own processes
// and lists on one Redis) each revoke a burst of sessions; partway through,
// `breakRedis()` strikes and resolves once Redis answers again: on one
// redis-server, SIGKILL (no persistence: its data is gone) and a restart,
// empty, on the same port; on a cluster, SIGKILL of the primary serving the
// list's slot and the failover to its replica (which may lack the last
// writes). Instance C starts as soon as Redis is back (it loads what Redis
// has then: perhaps not everything yet). Once the documented bound has passed
// since then, every revocation that A or B acknowledged in any way (stored,
// or rejected with `queued: true`) is checked on A, B and C, and on D, started
// only then. Lost = a revocation that some instance does not refuse. Also:
// how long after Redis was back A, B and C refused every one of them.
import { startChild, stopChild } from "./processes.js";
import { sleep } from "./redis-servers.js";

const INSTANCE = new URL("./revocation-instance.js", import.meta.url).pathname;

/**
 * The bound of packages/redis/README.md's "Revocation guarantees", for this set-up: the reconnection back-off
 * (at most 2 s between attempts with `url`), one write round trip per queued entry, then for an instance
 * started after the restart one reload and the write-back. 2 s of back-off + 3 s for the rest.
 */
export const BOUND_MS = 5000;

/**
 * `connection`: { url } or { cluster: [url, …] }; `breakRedis()`: the fault, resolving once Redis is back.
 * `keyPrefix`: the list's (breakRedis may need it to find the list's node).
 */
export async function measureFaults({ connection, keyPrefix, breakRedis, perInstance, perSecond, killAfterMs }) {
  const open = async () => {
    const child = startChild(INSTANCE);
    await child.call("open", { ...connection, keyPrefix });
    return child;
  };
  const instances = [];
  try {
    instances.push(await open(), await open());
    const [a, b] = instances;
    const bursts = Promise.all([a, b].map((child) => child.call("burst", { count: perInstance, perSecond })));
    await sleep(killAfterMs);
    const struck = performance.now();
    await breakRedis();
    const restartedAt = performance.now();
    const c = startChild(INSTANCE);
    instances.push(c);
    const cOpened = c.call("open", { ...connection, keyPrefix, readyTimeoutMs: BOUND_MS });
    const calls = (await bursts).flat();
    const burstEnded = performance.now();
    await cOpened;

    const outcomes = { stored: 0, queued: 0, local: 0 };
    for (const call of calls) outcomes[call.outcome]++;
    // Acknowledged in any way: stored in Redis, or applied and queued for it. ("local": the list was closed, not a case here.)
    const acknowledged = calls.filter((call) => call.outcome !== "local").map((call) => call.claims);
    const running = [a, b, c];
    // Converged: every running instance refuses every acknowledged revocation.
    let convergedMs;
    const deadline = restartedAt + BOUND_MS;
    for (;;) {
      const results = await Promise.all(running.map((child) => child.call("verdicts", { claimsList: acknowledged })));
      if (results.every((r) => r.revoked === acknowledged.length)) {
        convergedMs = performance.now() - restartedAt;
        break;
      }
      if (performance.now() > deadline) break;
      await sleep(50);
    }
    const remaining = deadline - performance.now();
    if (remaining > 0) await sleep(remaining);
    const d = await open();
    instances.push(d);
    const final = await Promise.all([a, b, c, d].map((child) => child.call("verdicts", { claimsList: acknowledged })));
    const notRefused = new Set(final.flatMap((r) => r.notRefused));
    return {
      perInstance,
      perSecond,
      killAfterMs,
      downMs: Math.round(restartedAt - struck),
      burstEndedAfterRestartMs: Math.round(burstEnded - restartedAt),
      boundMs: BOUND_MS,
      outcomes,
      acknowledged: acknowledged.length,
      convergedMs,
      verdicts: Object.fromEntries(["A", "B", "C (started at the restart)", "D (started after the bound)"].map((name, i) => [name, { revoked: final[i].revoked, ok: final[i].ok, unavailable: final[i].unavailable }])),
      pendingAtEnd: (await Promise.all([a, b].map((child) => child.call("pending")))).reduce((x, y) => x + y, 0),
      lost: notRefused.size,
    };
  } finally {
    await Promise.all(instances.map(async (child) => {
      await child.call("close").catch(() => undefined);
      await stopChild(child);
    }));
  }
}
