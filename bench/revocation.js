// The revocation list's cost and guarantees, in one run (`pnpm bench` runs it
// last; alone: `node --expose-gc revocation.js [--quick] [--sections=…]`
// after `pnpm build`). It starts and stops every redis-server it uses (free
// ports on 127.0.0.1, temporary directories removed, no process left behind):
// 1. cache      a verified-token cache hit (`authenticate(header)`, what every adapter calls) with no
//               list, an empty memory list and 100,000 revoked sessions, alternating rounds, CPU per call;
// 2. memory     the heap of a local mirror of 100,000 entries;
// 3. propagation  this process revokes, two other instances refuse: p50/p99 on one redis-server and on a
//               Redis Cluster (3 primaries + 3 replicas);
// 4. large      1,000,000 live entries in Redis: a new instance's load time and mirror heap, and the
//               cache hit's cost with that list against none;
// 5. serving    node:http + the Redis list serving cache hits while another process revokes 5,000/s;
// 6. faults     revocations lost when Redis is killed mid-burst and restarted empty, and when the cluster
//               primary holding the list is killed mid-burst (failover): the count printed.
// Writes results/revocation.{md,json} (quick runs: revocation-quick.*; --sections: revocation-partial.*).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createTestIssuer } from "@cognito-bearer/testing";
import { killAllChildrenNow, stopAllChildren } from "./processes.js";
import { killAllRedisNow, startRedis, startRedisCluster } from "./redis-servers.js";
import { measureFaults } from "./revocation-faults.js";
import { measureCacheHit, measureMirrorMemory } from "./revocation-in-process.js";
import { measureLargeList } from "./revocation-mirror-load.js";
import { measurePropagation } from "./revocation-propagation.js";
import { pairedRatio, renderRevocationReport } from "./revocation-report.js";
import { measureServing } from "./revocation-serving.js";
import { issuerConfig, mintTokens } from "./tokens.js";

const quick = process.argv.includes("--quick");
const SECTIONS = ["cache", "memory", "propagation", "large", "serving", "faults"];
/** `--sections=serving,faults`: some sections only, for investigating one thing. */
const chosen = process.argv.find((a) => a.startsWith("--sections="))?.slice("--sections=".length).split(",");
for (const section of chosen ?? []) if (!SECTIONS.includes(section)) throw new Error(`unknown section ${section} (use ${SECTIONS.join(",")})`);
const only = (section) => (chosen ?? SECTIONS).includes(section);
/** Seconds each section took (results.timings). */
const timings = {};
async function timed(section, measure) {
  const started = performance.now();
  try {
    return await measure();
  } finally {
    timings[section] = Math.round((performance.now() - started) / 100) / 10;
  }
}

const CONFIG = {
  /** In-process cache-hit rounds (sections 1 and 4). */
  rounds: quick ? 3 : 9,
  calls: quick ? 200_000 : 1_000_000,
  memoryEntries: 100_000,
  propagations: quick ? 30 : 300,
  /** Quick runs load a quarter of the million, to stay within their time (the full run measures 1,000,000). */
  largeEntries: quick ? 250_000 : 1_000_000,
  serving: quick ? { perSecond: 5000, rounds: 1, duration: 1.5, connections: 50, warmup: 0.5 } : { perSecond: 5000, rounds: 3, duration: 5, connections: 50, warmup: 1 },
  /** Per instance, a burst of revocations; Redis killed partway through, restarted empty after downMs. */
  faults: quick ? { perInstance: 300, perSecond: 200, killAfterMs: 500, downMs: 1000 } : { perInstance: 1000, perSecond: 400, killAfterMs: 800, downMs: 1500 },
};

// Whatever happens, no redis-server and no child process outlives the bench.
process.on("exit", () => {
  killAllChildrenNow();
  killAllRedisNow();
});
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => process.exit(130));

const log = (...args) => console.log(...args);

/** Runs `measure(redis)` on a redis-server of its own, stopped afterwards. */
async function onOwnRedis(results, measure) {
  const redis = await startRedis();
  results.redisVersion = redis.version;
  try {
    return await measure(redis);
  } finally {
    await redis.stop();
  }
}

/** One Redis Cluster for the sections that need one (it takes seconds to form), started at first use. */
let cluster;
const sharedCluster = () => (cluster ??= startRedisCluster());

async function main() {
  const results = { date: new Date().toISOString(), node: process.version, quick, loadAverage: loadavg(), config: CONFIG, timings };
  const issuer = await createTestIssuer();
  const tmp = mkdtempSync(join(tmpdir(), "cognito-bearer-bench-revocation-"));
  process.once("exit", () => rmSync(tmp, { recursive: true, force: true }));
  try {
    if (only("memory")) {
      // First, on a quiet heap.
      results.memory = await timed("memory", () => measureMirrorMemory({ entries: CONFIG.memoryEntries }));
      log(`  mirror: ${(results.memory.heapBytes / results.memory.entries).toFixed(0)} bytes per entry`);
    }
    if (only("cache")) {
      results.cacheHit = await timed("cache", () => measureCacheHit({ issuer, entries: CONFIG.memoryEntries, rounds: CONFIG.rounds, calls: CONFIG.calls }));
      log("  cache hit: measured");
    }
    if (only("propagation")) {
      results.propagation = await timed("propagation", async () => ({
        standalone: await onOwnRedis(results, (redis) => measurePropagation({ connection: { url: redis.url }, count: CONFIG.propagations })),
        cluster: await measurePropagation({ connection: { cluster: (await sharedCluster()).urls }, count: CONFIG.propagations }),
      }));
      log(`  propagation, fleet p99: ${results.propagation.standalone.fleet.p99.toFixed(2)} ms (one Redis), ${results.propagation.cluster.fleet.p99.toFixed(2)} ms (cluster)`);
    }
    if (only("large")) {
      const header = `Bearer ${issuer.mintAccessToken()}`;
      const { rounds, calls, largeEntries: entries } = CONFIG;
      const large = await timed("large", () => onOwnRedis(results, (redis) => measureLargeList({ url: redis.url, entries, verifierOptions: issuer.verifierOptions, header, rounds, calls })));
      results.large = { ...large, rounds, calls, ratioEmpty: pairedRatio(large.perCall.empty, large.perCall.none), ratioList: pairedRatio(large.perCall.list, large.perCall.none), ratioListToEmpty: pairedRatio(large.perCall.list, large.perCall.empty) };
      log(`  ${entries.toLocaleString("en")} entries: ready() in ${(large.loadMs / 1000).toFixed(1)} s, ${(large.heapBytes / 1048576).toFixed(0)} MiB`);
    }
    if (only("serving")) {
      const { file: tokensFile, tokens } = mintTokens(issuer, tmp, 0);
      results.serving = await timed("serving", () => onOwnRedis(results, (redis) => measureServing({ cfg: issuerConfig(tokens), tokensFile, url: redis.url, ...CONFIG.serving })));
      log(`  serving: p99 ${results.serving.quiet.p99} ms quiet, ${results.serving.revoking.p99} ms revoking (${Math.round(results.serving.achievedPerSecond)} revocations/s stored)`);
    }
    if (only("faults")) {
      results.faults = await timed("faults", async () => {
        const { downMs, ...burst } = CONFIG.faults;
        const keyPrefix = "bench-faults:";
        const standalone = await onOwnRedis(results, (redis) =>
          measureFaults({ connection: { url: redis.url }, keyPrefix, ...burst, breakRedis: async () => {
            await redis.kill();
            await new Promise((resolve) => setTimeout(resolve, downMs));
            await redis.restart();
          } }),
        );
        // Last: it kills one of the cluster's nodes.
        const cluster = await sharedCluster();
        return {
          standalone,
          cluster: await measureFaults({ connection: { cluster: cluster.urls }, keyPrefix, ...burst, breakRedis: () => cluster.killPrimaryOf(`${keyPrefix}{rev}:sessions`) }),
        };
      });
    }
  } finally {
    await stopAllChildren();
    await cluster?.then((started) => started.stop(), () => undefined);
    await issuer.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  const name = chosen ? "revocation-partial" : quick ? "revocation-quick" : "revocation";
  const markdown = renderRevocationReport(results);
  writeFileSync(new URL(`./results/${name}.md`, import.meta.url), markdown + "\n");
  writeFileSync(new URL(`./results/${name}.json`, import.meta.url), JSON.stringify(results, null, 2) + "\n");
  log(markdown);
  if (results.faults) log(`Revocations lost across the fault runs: ${results.faults.standalone.lost + results.faults.cluster.lost} (one Redis killed and restarted empty: ${results.faults.standalone.lost}; a cluster primary killed: ${results.faults.cluster.lost})`);
  log(`wrote results/${name}.md and results/${name}.json`);
}

await main();
