// `node profile.js`: where the time goes. Starts chosen servers (default: the
// cognito-bearer ones and their closest peers), puts them under the same load
// as the benchmark, records a V8 CPU profile of the server process during the
// measured load only, and writes results/profile.md: self time by layer
// (package) and by function, and the inclusive time of cognito-bearer's own
// functions. The raw profiles go to results/profiles/ (open them in Chrome
// DevTools or speedscope).
//
//   node profile.js [--servers=express-cognito,express-jose] [--modes=fresh,repeated] [--duration=5]
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestIssuer } from "@cognito-bearer/testing";
import { SERVERS, startServers, stopServers } from "./http-servers.js";
import { BENCH_DIR, PINNING, killAllChildrenNow, startChild, stopAllChildren, stopChild } from "./processes.js";
import { fmtInt } from "./stats.js";
import { issuerConfig, mintTokens } from "./tokens.js";

const argv = process.argv.slice(2);
const option = (name, fallback) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const kinds = option("servers", "express-cognito,express-aws-naive,express-jose,koa-cognito,node-cognito,node-bare").split(",");
const modes = option("modes", "repeated,fresh").split(",");
const duration = Number(option("duration", "5"));

/** The layer a frame belongs to: a package name, our package folder, node internals, or V8. */
function layerOf(frame) {
  const url = frame.url;
  if (!url) return frame.functionName.startsWith("(") ? frame.functionName : "(native)";
  if (url.startsWith("node:")) return "node internals";
  const ours = /\/packages\/([^/]+)\//.exec(url);
  if (ours) return `@cognito-bearer/${ours[1]}`;
  const dep = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (dep) return dep[1];
  if (url.includes("/bench/")) return "bench harness";
  return url;
}

function frameName(frame) {
  const url = frame.url.replace(/^.*node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?/, "").replace(/^.*\/packages\//, "packages/");
  return `${frame.functionName || "(anonymous)"} ${url ? `${url}:${frame.lineNumber + 1}` : ""}`.trim();
}

/** Self time by layer and by function, inclusive time of our own functions (fractions of busy time). */
export function summarize(profile) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const time = new Map();
  for (let i = 0; i < profile.samples.length; i++) time.set(profile.samples[i], (time.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  let busy = 0;
  const byLayer = new Map();
  const byFunction = new Map();
  const oursInclusive = new Map();
  for (const [id, t] of time) {
    const frame = nodes.get(id).callFrame;
    if (frame.functionName === "(idle)") continue;
    busy += t;
    const layer = layerOf(frame);
    byLayer.set(layer, (byLayer.get(layer) ?? 0) + t);
    const name = frameName(frame);
    byFunction.set(name, (byFunction.get(name) ?? 0) + t);
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const f = nodes.get(cur).callFrame;
      if (!layerOf(f).startsWith("@cognito-bearer/")) continue;
      const n = frameName(f);
      if (seen.has(n)) continue;
      seen.add(n);
      oursInclusive.set(n, (oursInclusive.get(n) ?? 0) + t);
    }
  }
  const top = (map, n) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, t]) => ({ name, share: t / busy }));
  return { busyMs: busy / 1000, layers: top(byLayer, 15), functions: top(byFunction, 25), ours: top(oursInclusive, 20) };
}

function renderSummary(title, run, summary) {
  const pct = (x) => `${(x * 100).toFixed(1)}%`;
  const lines = [`## ${title}`, ""];
  lines.push(`${fmtInt(run.requestsPerSecond)} req/s, p99 ${run.p99} ms during the profile (the profiler itself costs a few %); ${(summary.busyMs / 1000).toFixed(1)} s of busy CPU sampled.`, "");
  lines.push("| layer | self time |", "| --- | --- |", ...summary.layers.map((l) => `| ${l.name} | ${pct(l.share)} |`), "");
  lines.push("| function (self time) | share |", "| --- | --- |", ...summary.functions.map((f) => `| \`${f.name}\` | ${pct(f.share)} |`), "");
  if (summary.ours.length) {
    lines.push("| cognito-bearer function (inclusive) | share |", "| --- | --- |", ...summary.ours.map((f) => `| \`${f.name}\` | ${pct(f.share)} |`), "");
  }
  return lines.join("\n");
}

let issuer;
let tmp;
try {
  tmp = mkdtempSync(join(tmpdir(), "cognito-bearer-profile-"));
  issuer = await createTestIssuer();
  const { tokens, file: tokensFile } = mintTokens(issuer, tmp);
  const outDir = join(BENCH_DIR, "results", "profiles");
  mkdirSync(outDir, { recursive: true });
  const sections = [`# CPU profiles of the servers under load`, "", `${new Date().toISOString()} · ${duration} s per profile · 50 connections · server pinned to one core`, ""];
  const load = startChild("load.js", { core: PINNING.load });
  await load.call("init", { tokensFile });
  for (const kind of kinds) {
    const definition = SERVERS.find((s) => s.kind === kind);
    if (!definition) throw new Error(`unknown server ${kind}`);
    for (const mode of modes) {
      // A fresh process per mode, so one mode's JIT state does not colour the other's profile.
      const [server] = await startServers(issuerConfig(tokens), [definition]);
      try {
        await load.call("run", { url: server.url, mode, duration: 2, connections: 50 });
        await server.child.call("profileStart", {});
        const run = await load.call("run", { url: server.url, mode, duration, connections: 50 });
        const file = join(outDir, `${kind}-${mode}.cpuprofile`);
        await server.child.call("profileStop", { file });
        const summary = summarize(JSON.parse(readFileSync(file, "utf8")));
        sections.push(renderSummary(`${definition.label}, ${mode} token`, run, summary));
        console.log(`${definition.label}, ${mode}: ${fmtInt(run.requestsPerSecond)} req/s; top layers: ${summary.layers.slice(0, 5).map((l) => `${l.name} ${(l.share * 100).toFixed(0)}%`).join(", ")}`);
      } finally {
        await stopServers([server]);
      }
    }
  }
  await stopChild(load);
  const md = join(BENCH_DIR, "results", "profile.md");
  writeFileSync(md, sections.join("\n"));
  console.log(`wrote ${md} and ${outDir}/*.cpuprofile`);
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  await stopAllChildren();
  killAllChildrenNow();
  await issuer?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}
