// results/revocation.md from the revocation bench's results: one heading per
// section measured, its figures, and what they were measured on.
import { int, median, mib, ms } from "./revocation-stats.js";

/** node:http + cognito-bearer's server CPU per request on a cache hit, from the latest full `pnpm bench` (results/latest.md). */
export const NODE_HTTP_CPU_US = 36;

const share = (addedNs) => `${((addedNs / (NODE_HTTP_CPU_US * 1000)) * 100).toFixed(2)}% of node:http's ${NODE_HTTP_CPU_US} µs server CPU per request`;
const signed = (ratio) => `${ratio >= 1 ? "+" : ""}${((ratio - 1) * 100).toFixed(1)}%`;
/** Median of per-round ratios a[i] / b[i]: both measured within the same round. */
export const pairedRatio = (a, b) => median(a.map((x, i) => x / b[i]));

export function renderRevocationReport(r) {
  const out = [];
  const say = (line = "") => out.push(line);
  say("# Revocation list cost");
  say();
  say(`${r.date} · Node ${r.node} · Redis ${r.redisVersion ?? "–"} · ${r.quick ? "quick" : "full"} run · \`node --expose-gc bench/revocation.js${r.quick ? " --quick" : ""}\` (part of \`pnpm bench\`) · load average at start ${r.loadAverage.map((l) => l.toFixed(2)).join(" ")}`);
  say();

  if (r.cacheHit) {
    const { perCall, rounds, calls } = r.cacheHit;
    const base = median(perCall["no revocation list"]);
    say(`## 1. Cache hit: \`authenticate(header)\`, CPU per call (${rounds} alternating rounds of ${int(calls)} calls, median)`);
    say();
    say(`| verifier | ns per call | added vs no list | added as a share of node:http's ${NODE_HTTP_CPU_US} µs server CPU per request |`);
    say(`| --- | --- | --- | --- |`);
    for (const [name, values] of Object.entries(perCall)) {
      const added = median(values) - base;
      say(`| ${name} | ${median(values).toFixed(0)} | ${added >= 0 ? "+" : ""}${added.toFixed(0)} ns | ${((added / (NODE_HTTP_CPU_US * 1000)) * 100).toFixed(2)}% |`);
    }
    say();
  }

  if (r.memory) {
    const { entries, heapBytes, gc } = r.memory;
    say("## 2. Memory of the local mirror");
    say();
    say(`${int(entries)} session entries (UUIDs): **${mib(heapBytes)}** of heap (${(heapBytes / entries).toFixed(0)} bytes per entry)${gc ? "" : " (run with --expose-gc for a precise figure)"}.`);
    say();
  }

  if (r.propagation) {
    say("## 3. Propagation across 3 instances");
    say();
    say(`This process revokes a session (\`revokeSession()\`); two other processes, each with its own list and connections, poll their \`check()\` until it refuses the token. ${int(r.propagation.standalone.count)} revocations on each set-up; "the whole fleet": the later of the two, per revocation.`);
    say();
    say("| Redis | each instance: p50 | p90 | p99 | max | over 10 ms | the whole fleet: p50 | p99 |");
    say("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const [name, label] of [["standalone", "one redis-server"], ["cluster", "Redis Cluster, 3 primaries + 3 replicas"]]) {
      const { perInstance: each, fleet } = r.propagation[name];
      say(`| ${label} | ${ms(each.p50)} | ${each.p90 === undefined ? "–" : ms(each.p90)} | ${ms(each.p99)} | ${ms(each.max)} | ${each.over10ms ?? "–"} of ${each.n} | **${ms(fleet.p50)}** | **${ms(fleet.p99)}** |`);
    }
    say();
  }

  if (r.large) {
    const l = r.large;
    const none = median(l.perCall.none);
    const empty = median(l.perCall.empty);
    const full = median(l.perCall.list);
    say(`## 4. ${int(l.entries)} live entries`);
    say();
    say(`${int(l.entries)} session revocations stored in Redis (written in ${l.fillSeconds.toFixed(1)} s by a Lua script), then a new instance started on them in its own process, with \`commandTimeoutMs: ${l.commandTimeoutMs}\`: a reload's read is bounded by \`commandTimeoutMs\`, and reading 1,000,000 entries takes about 2 s here, so with the default (2000) it may time out, and be retried every 0.5 s, again and again (see bench/README.md).`);
    say();
    say("| measured | figure |");
    say("| --- | --- |");
    say(`| \`ready()\`: connect, read every entry, build the mirror, compare it with Redis (anti-entropy) | **${(l.loadMs / 1000).toFixed(1)} s**, of which the read and build ${(l.reloadMs / 1000).toFixed(1)} s |`);
    say(`| the longest the instance's event loop was blocked meanwhile | ${(l.longestStallMs / 1000).toFixed(1)} s |`);
    say(`| heap held by the list (mirror and connections), after two full GCs | **${mib(l.heapBytes)}** (${(l.heapBytes / l.entries).toFixed(0)} bytes per entry)${l.gc ? "" : " (no --expose-gc: imprecise)"} |`);
    say(`| cache hit, \`authenticate(header)\`, CPU per call: no list | ${none.toFixed(0)} ns |`);
    say(`| the same, an empty Redis list | ${empty.toFixed(0)} ns: ${signed(l.ratioEmpty)} (${share(empty - none)}) |`);
    say(`| the same, the ${int(l.entries)}-entry Redis list | ${full.toFixed(0)} ns: **${signed(l.ratioList)}** (goal: within 3%, ${l.ratioList <= 1.03 ? "met" : "not met"}; ${share(full - none)}) |`);
    say();
    say(`What the entries themselves cost, the ${int(l.entries)}-entry list against the empty Redis list: **${signed(l.ratioListToEmpty)}**; the rest is what consulting the Redis list costs at all, whatever its size (its check also tests the mirror's staleness on every call).`);
    say();
    say(`Ratios: medians of ${l.rounds} rounds of ${int(l.calls)} calls per verifier, in rotating order, each against the no-list figure of its round. Rounds (ns, no list / empty / ${int(l.entries)}): ${l.perCall.none.map((n, i) => `${n.toFixed(0)}/${l.perCall.empty[i].toFixed(0)}/${l.perCall.list[i].toFixed(0)}`).join(", ")}.`);
    say();
  }

  if (r.serving) {
    const s = r.serving;
    say(`## 5. Serving while another instance revokes ${int(s.perSecond)}/s`);
    say();
    say(`node:http + cognito-bearer with the Redis list (pinned to one core), cache hits (the same token) under autocannon (the other core) at ${s.connections} connections, ${s.duration} s per run, ${s.rounds} round(s) of a quiet run and a revoking run: another process (not pinned) revokes sessions on the same Redis at ${int(s.perSecond)}/s, every one of which reaches the server's mirror by pub/sub. Medians of the runs.`);
    say();
    say("| | p50 | p99 | req/s | server CPU per request | server CPU used (of one core) |");
    say("| --- | --- | --- | --- | --- | --- |");
    for (const [label, run] of [["quiet", s.quiet], ["revoking", s.revoking]]) {
      say(`| ${label} | ${run.p50} ms | ${run.p99} ms | ${int(run.requestsPerSecond)} | ${run.cpuMicrosPerRequest.toFixed(1)} µs | ${(run.cpuShare * 100).toFixed(0)}% |`);
    }
    say();
    say(`Revocations (asked: ${int(s.perSecond)}/s; medians of the revoking runs): **${int(s.achievedPerSecond)}/s stored** (\`revokeSession()\` resolved), ${int(s.reachedServerPerSecond)}/s reached the server's mirror${s.revokeP50 === undefined ? "" : `; a stored \`revokeSession()\` took p50 ${ms(s.revokeP50)}, p99 ${ms(s.revokeP99)}`}; in all ${int(s.revocationsStored)} stored directly, ${int(s.revocationsNotStored)} answered \`queued: true\` (the outbox); the server's mirror held ${int(s.revocationsInServerMirror)} at the end. ${s.firstError ? `First error the revoker's list reported: "${s.firstError}".` : "The revoker's list reported no error."}`);
    say();
    if (s.quiet.non2xx + s.revoking.non2xx > 0) {
      say(`Problem: ${s.quiet.non2xx + s.revoking.non2xx} non-2xx answers or errors.`);
      say();
    }
  }

  if (r.faults) {
    say("## 6. Revocations lost when Redis fails mid-burst");
    say();
    const { standalone, cluster } = r.faults;
    const f = standalone;
    say(`Two instances (A, B) each revoke ${int(f.perInstance)} sessions at ${f.perSecond}/s; ${f.killAfterMs} ms in, Redis fails: **one redis-server** is SIGKILLed (no persistence) and restarted empty (back ${int(standalone.downMs)} ms later); on the **cluster**, the primary serving the list's slot is SIGKILLed and its replica takes over (back ${int(cluster.downMs)} ms later, the failover). Instance C starts as soon as Redis is back, D once the bound (${f.boundMs / 1000} s after that: the reconnection back-off, at most 2 s, then the outbox and the write-back) has passed. Every revocation A or B acknowledged (stored, or \`queued: true\`) is then checked on A, B, C and D.`);
    say();
    say("| fault | stored | queued | **lost** | A, B and C refused every one | A refuses | B | C | D |");
    say("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const [label, run] of [["redis-server killed, restarted empty", standalone], ["cluster primary killed, failover", cluster]]) {
      const v = Object.values(run.verdicts);
      const refuses = (x) => `${int(x.revoked)}${x.ok + x.unavailable > 0 ? ` (${x.ok} accepted, ${x.unavailable} 503)` : ""}`;
      say(`| ${label} | ${int(run.outcomes.stored)} | ${int(run.outcomes.queued)} | **${run.lost}** of ${int(run.acknowledged)} | ${run.convergedMs === undefined ? "**not within the bound**" : `${int(run.convergedMs)} ms after Redis was back`} | ${v.map(refuses).join(" | ")} |`);
    }
    say();
  }

  say(`Section times: ${Object.entries(r.timings).map(([name, seconds]) => `${name} ${seconds} s`).join(", ")}.`);
  return out.join("\n");
}
