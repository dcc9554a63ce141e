// `pnpm -C bench telemetry` (after `pnpm build`): what @cognito-bearer/otel
// costs on the cache-hit path (issue 20), as server CPU per request on
// node:http, paired per-round ratios, all in one run:
//   - no telemetry code (the baseline);
//   - OTel loaded but not hooked ("off": core has no telemetry code, so this
//     must be within noise);
//   - telemetry on, default (`cacheHits: "counted"`: a cache hit is one
//     increment of a plain number, reported at collection time), metrics only;
//   - telemetry on, `cacheHits: "recorded"` (every cache hit an SDK
//     histogram.record, which hashes the attribute set);
//   - default with metrics and traces, each request in a SERVER span (the
//     cache hit sets its attributes on it), against the same server span
//     without telemetry, so the server span's own cost is not counted as ours.
// Goal: the default within 5%. In-process figures (the cache-hit call alone,
// far less noisy on a shared machine) come first.
//
//   node telemetry.js [--rounds=N] [--duration=S] [--in-process-only]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestIssuer } from "@cognito-bearer/testing";
import { runHttp } from "./http-bench.js";
import { killAllChildrenNow } from "./processes.js";
import { median } from "./stats.js";
import { issuerConfig, mintTokens } from "./tokens.js";

const option = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const BASE = "node-cognito";
/** Each variant and the server it is compared with. */
const BASELINE = {
  [BASE]: BASE,
  "node-cognito-otel-off": BASE,
  "node-cognito-otel": BASE,
  "node-cognito-otel-recorded": BASE,
  "node-cognito-server-span": "node-cognito-server-span",
  "node-cognito-otel-traces": "node-cognito-server-span",
};
const KINDS = Object.keys(BASELINE);

process.on("exit", killAllChildrenNow);
const tmp = mkdtempSync(join(tmpdir(), "cognito-bearer-bench-otel-"));
const issuer = await createTestIssuer();
try {
  const { tokens, file: tokensFile } = await mintTokens(issuer, tmp);
  await inProcess(issuerConfig(tokens), tokens);
  if (!process.argv.includes("--in-process-only")) await overHttp(tokens, tokensFile);
} finally {
  await issuer.close();
  rmSync(tmp, { recursive: true, force: true });
}

async function overHttp(tokens, tokensFile) {
  const { results, problems } = await runHttp({
    cfg: issuerConfig(tokens),
    tokensFile,
    rounds: Number(option("rounds") ?? 16),
    duration: Number(option("duration") ?? 1),
    warmup: 1,
    connections: 50,
    servers: KINDS,
    modes: ["repeated"], // the cache-hit path only
    log: (line) => console.log(line),
  });
  const byKind = new Map(results.map((r) => [r.kind, r]));
  console.log("\ncache hit (one token repeated), server CPU per request, median of rounds; ratio: median of paired per-round ratios to its baseline");
  for (const r of results) {
    const base = byKind.get(BASELINE[r.kind]);
    const ratios = r.repeated.cpuRounds.map((cpu, i) => cpu / base.repeated.cpuRounds[i]);
    const ratio = median(ratios);
    const against = base === r ? "(baseline)".padEnd(27) : `vs ${base.kind}`.padEnd(27);
    console.log(
      `  ${r.label.padEnd(82)} ${r.repeated.cpuMicrosPerRequest.toFixed(1).padStart(6)} µs/req  ${fmtRatio(ratio)} ${against} ${Math.round(r.repeated.requestsPerSecond).toString().padStart(6)} req/s` +
        `  (rounds ${ratios.map((x) => x.toFixed(3)).join(" ")})`,
    );
  }
  for (const p of problems) console.log(`  problem: ${p}`);
}

/**
 * The cache-hit call alone, in this process: verifier.authenticate(header) in
 * a loop, each variant in turn for several rounds, CPU time per call. Far less
 * noisy than HTTP on a shared machine; the HTTP figures follow.
 */
async function inProcess(cfg, tokens) {
  const { createVerifier } = await import("@cognito-bearer/core");
  const { context, trace, SpanKind } = await import("@opentelemetry/api");
  const { createCognitoTelemetry } = await import("@cognito-bearer/otel");
  const { meterProvider, tracerProvider } = await import("./otel-setup.js");
  const options = { userPoolId: cfg.userPoolId, clientId: cfg.clientId, issuer: cfg.issuer, jwksUri: cfg.jwksUri };
  const tracing = tracerProvider();
  const on = (extra) => createVerifier({ ...options, onEvent: createCognitoTelemetry({ meterProvider: meterProvider(), ...extra }).onVerifierEvent });
  // [name, verifier, in an active server span?]
  const variants = [
    ["no telemetry", createVerifier(options), false],
    ["default, metrics on", on({ tracerProvider: false }), false],
    ["recorded, metrics on", on({ tracerProvider: false, cacheHits: "recorded" }), false],
    ["no telemetry, in a span", createVerifier(options), true],
    ["default, traces, in a span", on({ tracerProvider: tracing }), true],
    ["recorded, traces, in a span", on({ tracerProvider: tracing, cacheHits: "recorded" }), true],
  ];
  const header = `Bearer ${tokens.repeated ?? tokens.pool[0]}`;
  for (const [, verifier] of variants) await verifier.authenticate(header);
  // One long-lived active span, as a request's server span (its attributes are overwritten, not grown).
  const server = tracing.getTracer("bench").startSpan("GET /", { kind: SpanKind.SERVER });
  const inSpan = trace.setSpan(context.active(), server);
  const samples = new Map(variants.map(([name]) => [name, []]));
  const loop = (verifier) => {
    const cpu = process.cpuUsage();
    const until = performance.now() + 300;
    let n = 0;
    while (performance.now() < until) for (let i = 0; i < 1000; i++, n++) verifier.authenticate(header);
    const used = process.cpuUsage(cpu);
    return ((used.user + used.system) * 1000) / n;
  };
  for (let round = 0; round < 7; round++) {
    for (const [name, verifier, spanned] of variants) samples.get(name).push(spanned ? context.with(inSpan, () => loop(verifier)) : loop(verifier));
  }
  server.end();
  const base = median(samples.get("no telemetry"));
  const spanBase = median(samples.get("no telemetry, in a span"));
  console.log("in-process cache hit, verifier.authenticate(header): CPU ns per call, median of 7 rounds (\"in a span\": against no telemetry in the same span)");
  for (const [name, verifier, spanned] of variants) {
    const ns = median(samples.get(name));
    const against = spanned ? spanBase : base;
    console.log(`  ${name.padEnd(28)} ${ns.toFixed(0).padStart(6)} ns  ${fmtRatio(ns / against)}  (+${(ns - against).toFixed(0)} ns)`);
    verifier.close();
  }
  console.log("");
}

function fmtRatio(ratio) {
  const pct = (ratio - 1) * 100;
  return `${pct >= 0 ? "+" : ""}${pct.toFixed(1)}%`.padStart(7);
}
