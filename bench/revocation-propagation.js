// Propagation across 3 instances: this process revokes a session on its own
// list; two other processes, each with its own list on the same Redis (one
// server, or a cluster), report the moment their check() first refuses the
// token. Per revocation: the delay to each instance, and to the last of them
// (when the whole fleet refuses). Clocks: performance.timeOrigin + now() in
// each process, the same machine's clock.
import { randomUUID } from "node:crypto";
import { createRedisRevocationList } from "@cognito-bearer/redis";
import { startChild, stopChild } from "./processes.js";
import { percentile } from "./revocation-stats.js";

const INSTANCE = new URL("./revocation-instance.js", import.meta.url).pathname;

/** `connection`: { url } or { cluster: [url, …] }. */
export async function measurePropagation({ connection, count }) {
  const keyPrefix = `bench-propagation-${randomUUID().slice(0, 8)}:`;
  const list = createRedisRevocationList({
    ...(connection.cluster ? { cluster: { rootNodes: connection.cluster.map((url) => ({ url })) } } : { url: connection.url }),
    keyPrefix,
  });
  const others = [startChild(INSTANCE), startChild(INSTANCE)];
  try {
    await list.ready({ timeoutMs: 30_000 });
    await Promise.all(others.map((child) => child.call("open", { ...connection, keyPrefix })));
    const each = [];
    const last = [];
    for (let i = 0; i < count; i++) {
      const claims = { origin_jti: randomUUID(), sub: "bench-user", exp: Math.floor(Date.now() / 1000) + 3600 };
      const seen = others.map((child) => child.call("watch", { claims }));
      // Let both watchers start polling before the clock starts.
      await new Promise((resolve) => setTimeout(resolve, 3));
      const revokedAt = performance.timeOrigin + performance.now();
      await list.revokeSession({ claims });
      const delays = (await Promise.all(seen)).map((at) => Math.max(0, at - revokedAt));
      each.push(...delays);
      last.push(Math.max(...delays));
    }
    const summary = (values) => ({
      p50: percentile(values, 50),
      p90: percentile(values, 90),
      p99: percentile(values, 99),
      max: Math.max(...values),
      n: values.length,
      over10ms: values.filter((v) => v > 10).length,
    });
    return { count, perInstance: summary(each), fleet: summary(last), delays: each.map((v) => Math.round(v * 100) / 100) };
  } finally {
    await Promise.all(others.map(async (child) => {
      await child.call("close").catch(() => undefined);
      await stopChild(child);
    }));
    await list.close();
  }
}
