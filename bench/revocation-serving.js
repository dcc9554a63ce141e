// Serving while the fleet revokes: node:http + cognito-bearer with the Redis
// list (its own process, pinned to the server core) answers cache hits under
// autocannon (its own process, on the load core), in alternating runs: quiet,
// then while another process revokes at `perSecond` on the same Redis (each
// revocation reaches the server's mirror by pub/sub). Per run: the API's p50
// and p99, the server's CPU per request (its CPU time over the requests it
// answered), and in revoking runs the rate Redis actually acknowledged.
import { randomUUID } from "node:crypto";
import { serverCounters, startServers, stopServers } from "./http-servers.js";
import { PINNING, startChild, stopChild } from "./processes.js";
import { median } from "./revocation-stats.js";

const INSTANCE = new URL("./revocation-instance.js", import.meta.url).pathname;
const SERVER = { kind: "node-cognito-redis", label: "node:http + cognito-bearer, Redis revocation list", framework: "node", role: "variant" };
/** The revoker starts this long before the load, and stops this long after it. */
const MARGIN_S = 0.5;

export async function measureServing({ cfg, tokensFile, url, perSecond, rounds, duration, connections, warmup }) {
  const keyPrefix = `bench-serving-${randomUUID().slice(0, 8)}:`;
  let servers = [];
  const load = startChild("load.js", { core: PINNING.load });
  // The revoker (like Redis) is not pinned: on 2 cores it takes time from the server or from the load
  // generator wherever the OS puts it. Server CPU per request, counted in the server's own process, is not
  // affected; latency may be, against the revoking runs (in production the revoker is another machine).
  const revoker = startChild(INSTANCE);
  try {
    servers = await startServers({ ...cfg, redisUrl: url, keyPrefix }, [SERVER]);
    const [server] = servers;
    await load.call("init", { tokensFile });
    await revoker.call("open", { url, keyPrefix });
    await load.call("run", { url: server.url, mode: "repeated", duration: warmup, connections });

    const mirrored = async () => (await server.child.call("stats")).sessions;
    const once = async (revoking) => {
      const mirroredBefore = await mirrored();
      const sustaining = revoking ? revoker.call("sustain", { perSecond, seconds: duration + 2 * MARGIN_S }) : undefined;
      if (revoking) await new Promise((resolve) => setTimeout(resolve, MARGIN_S * 1000));
      const before = await serverCounters(server);
      const result = await load.call("run", { url: server.url, mode: "repeated", duration, connections });
      const after = await serverCounters(server);
      const answered = result.ok + result.non2xx;
      return {
        revoking,
        p50: result.p50,
        p99: result.p99,
        requestsPerSecond: result.requestsPerSecond,
        non2xx: result.non2xx,
        errors: result.errors,
        cpuMicrosPerRequest: ((after.cpuSeconds - before.cpuSeconds) / answered) * 1e6,
        // The server's CPU time over the run's wall time: the part of its core it used (pub/sub handling included).
        cpuShare: (after.cpuSeconds - before.cpuSeconds) / result.seconds,
        revocations: revoking ? { ...(await sustaining), reachedServer: (await mirrored()) - mirroredBefore } : undefined,
      };
    };
    const runs = [];
    for (let round = 0; round < rounds; round++) {
      // Quiet first in even rounds, revoking first in odd ones: neither always follows the other.
      for (const revoking of round % 2 === 0 ? [false, true] : [true, false]) runs.push(await once(revoking));
    }
    const summary = (revoking) => {
      const mine = runs.filter((r) => r.revoking === revoking);
      return {
        p50: median(mine.map((r) => r.p50)),
        p99: median(mine.map((r) => r.p99)),
        requestsPerSecond: median(mine.map((r) => r.requestsPerSecond)),
        cpuMicrosPerRequest: median(mine.map((r) => r.cpuMicrosPerRequest)),
        cpuShare: median(mine.map((r) => r.cpuShare)),
        non2xx: mine.reduce((sum, r) => sum + r.non2xx + r.errors, 0),
      };
    };
    const achieved = runs.filter((r) => r.revoking).map((r) => r.revocations);
    return {
      perSecond,
      rounds,
      duration,
      connections,
      quiet: summary(false),
      revoking: summary(true),
      achievedPerSecond: median(achieved.map((r) => r.storedPerSecond)),
      // Revocations that reached the server's mirror during a revoking run, per second of it (outbox deliveries included).
      reachedServerPerSecond: median(achieved.map((r) => r.reachedServer / r.seconds)),
      firstError: achieved.find((r) => r.firstError)?.firstError,
      // How long a stored revokeSession() took, under this load (medians of the runs' percentiles).
      revokeP50: median(achieved.map((r) => r.revokeP50)),
      revokeP99: median(achieved.map((r) => r.revokeP99)),
      revocationsNotStored: achieved.reduce((sum, r) => sum + r.queued + r.local, 0),
      revocationsStored: achieved.reduce((sum, r) => sum + r.stored, 0),
      revocationsInServerMirror: await mirrored(),
      runs,
    };
  } finally {
    await revoker.call("close").catch(() => undefined);
    await Promise.all([stopServers(servers), stopChild(load), stopChild(revoker)]);
  }
}
