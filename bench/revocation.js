// The revocation list's cost and guarantees, in one run (`pnpm bench` runs it
// last; alone: `node --expose-gc revocation.js [--quick]` after `pnpm build`).
// It starts (and stops) every redis-server it uses: free ports on 127.0.0.1,
// temporary directories removed, no process left behind.
// 1. a verified-token cache hit (`authenticate(header)`, what every adapter
//    calls) with no list, with an empty memory list, and with 100,000 revoked
//    sessions in it, alternating rounds, in CPU time per call;
// 2. memory of the local mirror per 100,000 entries;
// 3. propagation across 3 instances (this process revokes, two others refuse),
//    on one redis-server and on a Redis Cluster (3 primaries + 3 replicas);
// 4. 1,000,000 live entries in Redis: a new instance's load time and mirror
//    heap, and the cache hit's cost with that list against none;
// 5. serving cache hits over HTTP while another process revokes 5,000/s;
// 6. revocations lost when Redis is killed mid-burst and restarted empty.
// Writes results/revocation.{md,json} (or revocation-quick.*).
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryRevocationList, createVerifier } from "@cognito-bearer/core";
import { RevocationEntries } from "@cognito-bearer/core/adapter";
import { createTestIssuer } from "@cognito-bearer/testing";
import { killAllChildrenNow, stopAllChildren } from "./processes.js";
import { killAllRedisNow, startRedis, startRedisCluster } from "./redis-servers.js";
import { measureFaults } from "./revocation-faults.js";
import { measureLargeList } from "./revocation-mirror-load.js";
import { measurePropagation } from "./revocation-propagation.js";
import { measureServing } from "./revocation-serving.js";
import { int, median, mib as fmtMiB, ms } from "./revocation-stats.js";
import { issuerConfig, mintTokens } from "./tokens.js";

const quick = process.argv.includes("--quick");
const ROUNDS = quick ? 3 : 9;
const CALLS = quick ? 200_000 : 1_000_000;
const PROPAGATIONS = quick ? 50 : 300;
const ENTRIES = 100_000;
const LARGE_ENTRIES = 1_000_000;
/** Sustained revocations while serving: the rate asked for, and the load's shape. */
const SERVING = quick
  ? { perSecond: 5000, rounds: 1, duration: 2, connections: 50, warmup: 0.5 }
  : { perSecond: 5000, rounds: 3, duration: 5, connections: 50, warmup: 1 };
/** The fault run: per instance, a burst of revocations; Redis killed partway through, restarted empty after downMs. */
const FAULTS = quick ? { perInstance: 300, perSecond: 200, killAfterMs: 500, downMs: 1000 } : { perInstance: 1000, perSecond: 400, killAfterMs: 800, downMs: 1500 };
/** node:http + cognito-bearer's server CPU per request on a cache hit, from the latest full `pnpm bench` (results/latest.md). */
const NODE_HTTP_CPU_US = 36;

// Whatever happens, no redis-server and no child process outlives the bench.
process.on("exit", () => {
  killAllChildrenNow();
  killAllRedisNow();
});
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => process.exit(130));

await main();

function cpuMicros() {
  const { user, system } = process.cpuUsage();
  return user + system;
}

async function main() {
  const issuer = await createTestIssuer();
  const lines = [];
  const say = (line = "") => {
    lines.push(line);
    console.log(line);
  };
  try {
    say(`# Revocation list cost`);
    say();
    say(`${new Date().toISOString()} · Node ${process.version} · ${quick ? "quick" : "full"} run · \`node --expose-gc bench/revocation.js\` (part of \`pnpm bench\`)`);
    say();

    // 2. Memory of the mirror (first, on a quiet heap).
    global.gc?.();
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    const entries = new RevocationEntries(false);
    const expiresAt = Date.now() + 3_600_000;
    // Ids as they arrive from a decoded token or a Redis message: flat strings
    // (randomUUID() builds its result by concatenation, a rope several times larger).
    const ids = JSON.parse(JSON.stringify(Array.from({ length: ENTRIES }, () => randomUUID())));
    for (let i = 0; i < ENTRIES; i++) entries.add({ kind: "session", id: ids[i], expiresAt });
    globalThis.measuredMirror = entries; // kept alive through the measurement
    global.gc?.();
    global.gc?.();
    const after = process.memoryUsage().heapUsed;
    // Counted: the entries and their ids (a mirror holds its ids), plus the id array (0.8 MiB).
    const mib = (after - before) / 1024 / 1024;
    delete globalThis.measuredMirror;

    // 1. Cache-hit cost.
    const full = createMemoryRevocationList();
    const verifiers = {
      "no revocation list": createVerifier(issuer.verifierOptions),
      "empty memory list": createVerifier({ ...issuer.verifierOptions, revocations: createMemoryRevocationList() }),
      [`memory list with ${ENTRIES.toLocaleString("en")} revoked sessions`]: createVerifier({ ...issuer.verifierOptions, revocations: full }),
    };
    for (let i = 0; i < ENTRIES; i++) {
      await full.revokeSession({ claims: { origin_jti: randomUUID(), exp: Math.floor(Date.now() / 1000) + 3600 } });
    }
    const header = `Bearer ${issuer.mintAccessToken()}`;
    const headers = Array.from({ length: 64 }, () => header.slice(0, 7) + header.slice(7)); // distinct strings, as in HTTP
    for (const verifier of Object.values(verifiers)) await verifier.authenticate(header);
    const perCall = Object.fromEntries(Object.keys(verifiers).map((name) => [name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, verifier] of Object.entries(verifiers)) {
        const started = cpuMicros();
        for (let i = 0; i < CALLS; i++) verifier.authenticate(headers[i & 63]);
        perCall[name].push(((cpuMicros() - started) * 1000) / CALLS);
      }
    }
    const base = median(perCall["no revocation list"]);
    say(`## 1. Cache hit: \`authenticate(header)\`, CPU per call (${ROUNDS} alternating rounds of ${CALLS.toLocaleString("en")} calls, median)`);
    say();
    say(`| verifier | ns per call | added vs no list | added as a share of node:http's ${NODE_HTTP_CPU_US} µs server CPU per request |`);
    say(`| --- | --- | --- | --- |`);
    for (const name of Object.keys(verifiers)) {
      const ns = median(perCall[name]);
      const added = ns - base;
      say(`| ${name} | ${ns.toFixed(0)} | ${added >= 0 ? "+" : ""}${added.toFixed(0)} ns | ${((added / (NODE_HTTP_CPU_US * 1000)) * 100).toFixed(2)}% |`);
    }
    say();
    for (const verifier of Object.values(verifiers)) verifier.close();

    say(`## 2. Memory of the local mirror`);
    say();
    say(`${ENTRIES.toLocaleString("en")} session entries (UUIDs): **${mib.toFixed(1)} MiB** of heap (${((after - before) / ENTRIES).toFixed(0)} bytes per entry)${global.gc ? "" : " (run with --expose-gc for a precise figure)"}.`);
    say();

    const results = { date: new Date().toISOString(), node: process.version, quick };
    const tmp = mkdtempSync(join(tmpdir(), "cognito-bearer-bench-revocation-"));
    const redis = await startRedis();
    let cluster;
    try {
      // 3. Propagation, one redis-server and a cluster.
      results.propagation = { standalone: await measurePropagation({ connection: { url: redis.url }, count: PROPAGATIONS }) };
      cluster = await startRedisCluster();
      results.propagation.cluster = await measurePropagation({ connection: { cluster: cluster.urls }, count: PROPAGATIONS });
      await cluster.stop();
      cluster = undefined;
      say(`## 3. Propagation across 3 instances (real Redis ${redis.version})`);
      say();
      say(`This process revokes a session (\`revokeSession()\`); two other processes, each with its own list and connections, poll their \`check()\` until it refuses the token. ${PROPAGATIONS} revocations on each set-up.`);
      say();
      say(`| Redis | each instance: p50 | p99 | max | the last of the two (whole fleet): p50 | p99 |`);
      say(`| --- | --- | --- | --- | --- | --- |`);
      for (const [name, label] of [["standalone", "one redis-server"], ["cluster", "Redis Cluster, 3 primaries + 3 replicas"]]) {
        const { perInstance: each, fleet } = results.propagation[name];
        say(`| ${label} | ${ms(each.p50)} | ${ms(each.p99)} | ${ms(each.max)} | ${ms(fleet.p50)} | ${ms(fleet.p99)} |`);
      }
      say();

      // 4. A million live entries.
      const header = `Bearer ${issuer.mintAccessToken()}`;
      const large = await measureLargeList({ url: redis.url, entries: LARGE_ENTRIES, verifierOptions: issuer.verifierOptions, header, rounds: ROUNDS, calls: CALLS });
      const none = median(large.perCall.none);
      const emptyList = median(large.perCall.empty);
      const withList = median(large.perCall.list);
      const pairedRatio = (name) => median(large.perCall[name].map((ns, i) => ns / large.perCall.none[i]));
      results.large = { ...large, none, emptyList, withList, ratioEmpty: pairedRatio("empty"), ratioList: pairedRatio("list") };
      const share = (ns) => `${(((ns - none) / (NODE_HTTP_CPU_US * 1000)) * 100).toFixed(2)}% of node:http's ${NODE_HTTP_CPU_US} µs server CPU per request`;
      const more = (ratio) => `${ratio >= 1 ? "+" : ""}${((ratio - 1) * 100).toFixed(1)}%`;
      say(`## 4. ${int(LARGE_ENTRIES)} live entries`);
      say();
      say(`${int(LARGE_ENTRIES)} session revocations stored in Redis (written in ${large.fillSeconds.toFixed(1)} s by a Lua script), then a new instance started on them in its own process, with \`commandTimeoutMs: ${large.commandTimeoutMs}\` (with the default, 2000, the one read of the whole list times out, is retried, and \`ready()\` never resolves):`);
      say();
      say(`| measured | figure |`);
      say(`| --- | --- |`);
      say(`| \`ready()\`: connect, read every entry, build the mirror, compare it with Redis (anti-entropy) | **${(large.loadMs / 1000).toFixed(1)} s**, of which the read and build ${(large.reloadMs / 1000).toFixed(1)} s |`);
      say(`| the longest the instance's event loop was blocked meanwhile | ${(large.longestStallMs / 1000).toFixed(1)} s |`);
      say(`| heap held by the list (mirror and connections), after two full GCs | **${fmtMiB(large.heapBytes)}** (${(large.heapBytes / LARGE_ENTRIES).toFixed(0)} bytes per entry)${large.gc ? "" : " (no --expose-gc: imprecise)"} |`);
      say(`| cache hit, \`authenticate(header)\`, CPU per call: no list | ${none.toFixed(0)} ns |`);
      say(`| the same, an empty Redis list | ${emptyList.toFixed(0)} ns (${more(results.large.ratioEmpty)}; ${share(emptyList)}) |`);
      say(`| the same, the ${int(LARGE_ENTRIES)}-entry Redis list | ${withList.toFixed(0)} ns: **${more(results.large.ratioList)}** (goal: within 3%, ${results.large.ratioList <= 1.03 ? "met" : "not met"}; ${share(withList)}) |`);
      say();
      say(`Ratios: medians of ${ROUNDS} rounds of ${int(CALLS)} calls per verifier, in rotating order, each round's figure against the no-list figure of the same round.`);
      say();

      // 5. Serving while revoking.
      const { file: tokensFile, tokens } = mintTokens(issuer, tmp, 0);
      const serving = await measureServing({ cfg: issuerConfig(tokens), tokensFile, url: redis.url, ...SERVING });
      results.serving = serving;
      say(`## 5. Serving while another instance revokes ${int(SERVING.perSecond)}/s`);
      say();
      say(`node:http + cognito-bearer with the Redis list, cache hits (the same token) at ${SERVING.connections} connections for ${SERVING.duration} s per run, ${SERVING.rounds} round(s) of a quiet run and a run during which another process revokes sessions on the same Redis (every one reaches the server's mirror by pub/sub). Medians of the runs.`);
      say();
      say(`| | p50 | p99 | req/s | server CPU per request |`);
      say(`| --- | --- | --- | --- | --- |`);
      say(`| quiet | ${serving.quiet.p50} ms | ${serving.quiet.p99} ms | ${int(serving.quiet.requestsPerSecond)} | ${serving.quiet.cpuMicrosPerRequest.toFixed(1)} µs |`);
      say(`| revoking (achieved: **${int(serving.achievedPerSecond)} revocations/s** stored) | ${serving.revoking.p50} ms | ${serving.revoking.p99} ms | ${int(serving.revoking.requestsPerSecond)} | ${serving.revoking.cpuMicrosPerRequest.toFixed(1)} µs |`);
      say();
      say(`The server's mirror held ${int(serving.revocationsInServerMirror)} revocations at the end, of the ${int(serving.revocationsStored)} Redis stored.`);
      say();
      if (serving.quiet.non2xx + serving.revoking.non2xx > 0 || serving.revocationsNotStored > 0) {
        say(`Problems: ${serving.quiet.non2xx + serving.revoking.non2xx} non-2xx answers or errors; ${serving.revocationsNotStored} revocations queued instead of stored.`);
        say();
      }

      // 6. Faults.
      const faults = await measureFaults({ redis, ...FAULTS });
      results.faults = faults;
      say(`## 6. Revocations lost when Redis is killed and restarted empty`);
      say();
      say(`Two instances each revoke ${int(FAULTS.perInstance)} sessions at ${FAULTS.perSecond}/s; ${FAULTS.killAfterMs} ms in, redis-server is SIGKILLed (no persistence), and restarted empty ${faults.downMs} ms later. Instance C starts at the restart, D once the bound (${faults.boundMs / 1000} s after the restart) has passed. Outcomes: ${faults.outcomes.stored} stored, ${faults.outcomes.queued} queued (applied, \`queued: true\`), ${faults.outcomes.local} local only.`);
      say();
      say(`**Revocations lost: ${faults.lost}** of ${int(faults.acknowledged)} acknowledged (stored or queued) — not refused by some instance after the bound. Every running instance (A, B, C) refused all of them ${faults.convergedMs === undefined ? "**not within the bound**" : `${int(faults.convergedMs)} ms after the restart`}.`);
      say();
      say(`| instance | refuses | accepts | 503 |`);
      say(`| --- | --- | --- | --- |`);
      for (const [name, v] of Object.entries(faults.verdicts)) say(`| ${name} | ${int(v.revoked)} | ${v.ok} | ${v.unavailable} |`);
      say();
    } finally {
      await cluster?.stop();
      await redis.stop();
      await stopAllChildren();
      rmSync(tmp, { recursive: true, force: true });
    }
    const name = quick ? "revocation-quick" : "revocation";
    writeFileSync(new URL(`./results/${name}.md`, import.meta.url), lines.join("\n") + "\n");
    writeFileSync(new URL(`./results/${name}.json`, import.meta.url), JSON.stringify(results, null, 2) + "\n");
    console.log(`Revocations lost across the fault run: ${results.faults.lost}`);
  } finally {
    await issuer.close();
  }
}
