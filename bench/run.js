// `pnpm bench` (after `pnpm build`): runs every section in one go on the same
// tokens and the same local JWKS server, then writes results/latest.{md,svg,json}
// (quick runs: results/latest-quick.*), and results/revocation.md. See README.md.
//
//   node run.js [--quick] [--sections=raw,http,jwks,memory,revocation,proxy] [--servers=express-bare,...] [--rounds=N] [--duration=S]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestIssuer } from "@cognito-bearer/testing";
import { collectEnvironment, loadAverage } from "./env.js";
import { runHttp } from "./http-bench.js";
import { runRawVerify } from "./raw-verify.js";
import { killAllChildrenNow, PINNING, startChild, stopAllChildren, stopChild } from "./processes.js";
import { writeReport } from "./report.js";
import { fmtInt } from "./stats.js";
import { issuerConfig, mintTokens } from "./tokens.js";

const argv = process.argv.slice(2).filter((a) => a !== "--");
const flag = (name) => argv.includes(`--${name}`) || process.env[`BENCH_${name.toUpperCase()}`] === "1";
const option = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

const quick = flag("quick");
const SECTIONS = ["raw", "http", "jwks", "memory", "revocation", "proxy"];
const sections = option("sections")?.split(",") ?? SECTIONS;
for (const s of sections) if (!SECTIONS.includes(s)) throw new Error(`unknown section ${s} (use ${SECTIONS.join(",")})`);

const CONFIG = quick
  ? { quick, rawRounds: 1, rawMs: 400, rawWarmupMs: 150, httpRounds: 1, httpDuration: 1, httpWarmup: 0.3, connections: 50, memoryBudgetSeconds: 12, memoryMinTokens: 20_000, floodSeconds: 1 }
  : { quick, rawRounds: 5, rawMs: 600, rawWarmupMs: 300, httpRounds: 6, httpDuration: 1.5, httpWarmup: 1, connections: 50, memoryBudgetSeconds: 130, memoryMinTokens: 100_000, floodSeconds: 2 };

// Overrides, for investigating one thing: --rounds=5 --duration=2 (HTTP seconds per run).
if (option("rounds")) CONFIG.rawRounds = CONFIG.httpRounds = Number(option("rounds"));
if (option("duration")) CONFIG.httpDuration = Number(option("duration"));

const log = (...args) => console.log(...args);

async function runInChild(script, params, options) {
  const child = startChild(script, options);
  try {
    return await child.call("run", params);
  } finally {
    await stopChild(child);
  }
}

let issuer;
let tmp;
let cleaning;
let interrupted = false;
function cleanup() {
  cleaning ??= (async () => {
    await stopAllChildren();
    await issuer?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  })();
  return cleaning;
}
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    interrupted = true;
    log(`\n${signal}: stopping every child process`);
    cleanup().finally(() => process.exit(130));
  });
}
process.on("exit", killAllChildrenNow);

async function main() {
  const started = performance.now();
  const timings = {};
  const timed = async (name, fn) => {
    const t = performance.now();
    try {
      return await fn();
    } finally {
      timings[name] = (performance.now() - t) / 1000;
    }
  };
  const env = collectEnvironment();
  log(`cognito-bearer bench (${quick ? "quick" : "full"}): ${env.cpuModel} × ${env.cpuCount}, Node ${env.node}, load average ${env.loadAverageAtStart.map((l) => l.toFixed(2)).join(" ")}`);
  log(`pinning: ${env.pinning}`);

  tmp = mkdtempSync(join(tmpdir(), "cognito-bearer-bench-"));
  issuer = await createTestIssuer();
  const { tokens, file: tokensFile, mintPerSecond } = await timed("minting", () => mintTokens(issuer, tmp));
  const cfg = issuerConfig(tokens);
  log(`minted ${fmtInt(tokens.pool.length + 1)} RS256 tokens (${fmtInt(mintPerSecond)}/s) from ${cfg.issuer}`);

  const results = { env, config: CONFIG, problems: [], timings };

  if (sections.includes("raw")) {
    log("1/4 raw verification ...");
    results.raw = await timed("raw", () =>
      runRawVerify({ tokensFile, rounds: CONFIG.rawRounds, ms: CONFIG.rawMs, warmupMs: CONFIG.rawWarmupMs, core: PINNING.server }),
    );
    for (const r of results.raw.results) log(`  ${fmtInt(r.opsPerCpuSecond).padStart(11)} ops/CPU-s ${fmtInt(r.opsPerSecond).padStart(11)} ops/s  ${r.label}`);
  }

  if (sections.includes("http")) {
    log("2/4 HTTP ...");
    results.http = await timed("http", () =>
      runHttp({
        cfg,
        tokensFile,
        rounds: CONFIG.httpRounds,
        duration: CONFIG.httpDuration,
        warmup: CONFIG.httpWarmup,
        connections: CONFIG.connections,
        servers: option("servers")?.split(","),
        log,
      }),
    );
    results.problems.push(...results.http.problems);
    for (const r of results.http.results) {
      log(
        `  ${r.label.padEnd(42)} repeated ${fmtInt(r.repeated.requestsPerSecond).padStart(7)} req/s p99 ${String(r.repeated.p99).padStart(4)} ms` +
          ` | fresh ${fmtInt(r.fresh.requestsPerSecond).padStart(7)} req/s p99 ${String(r.fresh.p99).padStart(4)} ms`,
      );
    }
  }

  if (sections.includes("jwks")) {
    log("3/4 JWKS herd and flood ...");
    results.jwks = await timed("jwks", () => runInChild("jwks-herd.js", { concurrent: 200, unknownKids: 1000, floodSeconds: CONFIG.floodSeconds }));
    for (const r of results.jwks.results) log(`  herd ${r.herd.fetches} fetch, flood ${r.flood.fetches} fetch (≤ ${r.flood.bound}), valid refused ${r.flood.validFailed}: ${r.label}`);
  }

  if (sections.includes("memory")) {
    log(`4/4 memory (budget ${CONFIG.memoryBudgetSeconds} s) ...`);
    results.memory = await timed("memory", () =>
      runInChild("memory.js", { budgetSeconds: CONFIG.memoryBudgetSeconds, minTokens: CONFIG.memoryMinTokens }, { execArgv: ["--expose-gc"] }),
    );
    const last = results.memory.checkpoints.at(-1);
    log(`  ${fmtInt(results.memory.n)} tokens: heapUsed ${(last.heapUsed / 1048576).toFixed(1)} MiB, cache ${fmtInt(last.cache.size)} entries`);
  }

  if (sections.includes("revocation")) {
    // Its own report (results/revocation.md): cache-hit cost, mirror memory, propagation across 3 instances (one Redis, a
    // cluster), 1,000,000 entries, serving while revoking, revocations lost in a fault run. See revocation.js.
    log(`5/5 revocation (needs redis-server) ...`);
    const { spawnSync } = await import("node:child_process");
    const args = ["--expose-gc", new URL("./revocation.js", import.meta.url).pathname, ...(quick ? ["--quick"] : [])];
    const { status } = await timed("revocation", async () => spawnSync(process.execPath, args, { stdio: "inherit" }));
    if (status !== 0) results.problems.push(`revocation.js exited ${status}`);
  }

  if (sections.includes("proxy")) {
    // The token handler's proxy mode (the full BFF) against a direct call to the same upstream: results/bff-proxy.md.
    log(`6/6 BFF proxy overhead ...`);
    const { spawnSync } = await import("node:child_process");
    const args = [new URL("./bff-proxy.js", import.meta.url).pathname, ...(quick ? ["--quick"] : [])];
    const { status } = await timed("proxy", async () => spawnSync(process.execPath, args, { stdio: "inherit" }));
    if (status !== 0) results.problems.push(`bff-proxy.js exited ${status}`);
  }

  results.loadAverageAtEnd = loadAverage();
  timings.total = (performance.now() - started) / 1000;
  const outName = quick ? "latest-quick" : "latest";
  const { analysis, files } = writeReport(results, { name: outName, readme: !quick && sections.length === SECTIONS.length && !option("servers") && !option("rounds") && !option("duration") });
  log("\nTargets:");
  for (const t of analysis.targets) log(`  ${t.pass === undefined ? "-" : t.pass ? "PASS" : "FAIL"}${t.agree ? "    " : " (?)"} ${t.target}: ${t.measured}`);
  for (const p of results.problems) log(`  problem: ${p}`);
  log(`\nwrote ${files.join(", ")} in ${timings.total.toFixed(0)} s`);
}

try {
  await main();
} catch (err) {
  if (!interrupted) console.error(err);
  process.exitCode = 1;
} finally {
  await cleanup();
}
