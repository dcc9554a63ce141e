// `pnpm -C bench telemetry` (after `pnpm build`): what @cognito-bearer/otel
// costs on the cache-hit path (issue 20). node:http + cognito-bearer without
// telemetry, with OTel loaded but not hooked ("off": core has no telemetry
// code, so this must be within noise), with metrics on, and with metrics and
// traces on. Server CPU per request (the figure a noisy neighbour disturbs
// least), as paired per-round ratios to the server without telemetry; goal:
// metrics on within 5%. The same servers also run in `pnpm bench`'s HTTP section.
//
// `cacheHits: "counted"` (a cache hit is one increment of a plain number,
// reported at collection time; no histogram point, no span) is measured
// beside the default, where every cache hit is an SDK histogram.record.
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
const KINDS = [BASE, "node-cognito-otel-off", "node-cognito-otel", "node-cognito-otel-traces", "node-cognito-otel-counted"];

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
    rounds: Number(option("rounds") ?? 8),
    duration: Number(option("duration") ?? 1.5),
    warmup: 1,
    connections: 50,
    servers: KINDS,
    log: (line) => console.log(line),
  });
  const base = results.find((r) => r.kind === BASE);
  console.log("\ncache hit (one token repeated), server CPU per request, median of rounds; ratio: median of paired per-round ratios to no telemetry");
  for (const r of results) {
    const ratios = r.repeated.cpuRounds.map((cpu, i) => cpu / base.repeated.cpuRounds[i]);
    const ratio = median(ratios);
    console.log(
      `  ${r.label.padEnd(58)} ${r.repeated.cpuMicrosPerRequest.toFixed(1).padStart(6)} µs/req  ${fmtRatio(ratio)}  ${Math.round(r.repeated.requestsPerSecond).toString().padStart(6)} req/s` +
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
  const { MeterProvider } = await import("@opentelemetry/sdk-metrics");
  const { PrometheusExporter } = await import("@opentelemetry/exporter-prometheus");
  const { BasicTracerProvider, BatchSpanProcessor } = await import("@opentelemetry/sdk-trace-base");
  const { createCognitoTelemetry } = await import("@cognito-bearer/otel");
  const meterProvider = () => new MeterProvider({ readers: [new PrometheusExporter({ preventServerStart: true })] });
  const dropping = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
  const options = { userPoolId: cfg.userPoolId, clientId: cfg.clientId, issuer: cfg.issuer, jwksUri: cfg.jwksUri };
  const tracing = () => new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropping)] });
  const variants = [
    ["no telemetry", createVerifier(options)],
    ["metrics on", createVerifier({ ...options, onEvent: createCognitoTelemetry({ meterProvider: meterProvider(), tracerProvider: false }).onVerifierEvent })],
    [
      "metrics and traces on",
      createVerifier({
        ...options,
        onEvent: createCognitoTelemetry({ meterProvider: meterProvider(), tracerProvider: tracing() }).onVerifierEvent,
      }),
    ],
    ["metrics on, hits counted", createVerifier({ ...options, onEvent: createCognitoTelemetry({ meterProvider: meterProvider(), tracerProvider: false, cacheHits: "counted" }).onVerifierEvent })],
    [
      "metrics+traces, counted",
      createVerifier({ ...options, onEvent: createCognitoTelemetry({ meterProvider: meterProvider(), tracerProvider: tracing(), cacheHits: "counted" }).onVerifierEvent }),
    ],
  ];
  const header = `Bearer ${tokens.repeated ?? tokens.pool[0]}`;
  for (const [, verifier] of variants) await verifier.authenticate(header);
  const samples = new Map(variants.map(([name]) => [name, []]));
  for (let round = 0; round < 7; round++) {
    for (const [name, verifier] of variants) {
      const cpu = process.cpuUsage();
      const until = performance.now() + 300;
      let n = 0;
      while (performance.now() < until) for (let i = 0; i < 1000; i++, n++) verifier.authenticate(header);
      const used = process.cpuUsage(cpu);
      samples.get(name).push(((used.user + used.system) * 1000) / n);
    }
  }
  const base = median(samples.get("no telemetry"));
  console.log("in-process cache hit, verifier.authenticate(header): CPU ns per call, median of 7 rounds");
  for (const [name, verifier] of variants) {
    const ns = median(samples.get(name));
    console.log(`  ${name.padEnd(24)} ${ns.toFixed(0).padStart(6)} ns  ${fmtRatio(ns / base)}  (+${(ns - base).toFixed(0)} ns)`);
    verifier.close();
  }
  console.log("");
}

function fmtRatio(ratio) {
  const pct = (ratio - 1) * 100;
  return `${pct >= 0 ? "+" : ""}${pct.toFixed(1)}%`.padStart(7);
}
