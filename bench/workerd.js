// `pnpm -C bench run bench:workerd` (after `pnpm build`): Hono + cognito-bearer
// against Hono's own `jwk` middleware (and bare Hono), each on Cloudflare's
// runtime, workerd (through miniflare, bundled as wrangler bundles it: core's
// web build, fetch and Web Crypto), next to the same apps on Node
// (@hono/node-server, core's Node build); repeated and fresh tokens, as in
// `pnpm bench`'s HTTP section. Also a workerd cold start: the first request's
// latency and how many JWKS fetches it took. Prints a Markdown table.
//
//   node workerd.js [--duration=S] [--connections=N]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { createTestIssuer } from "@cognito-bearer/testing";
import { BENCH_DIR, PINNING, startChild, stopAllChildren, stopChild } from "./processes.js";
import { issuerConfig, mintTokens } from "./tokens.js";

const option = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
const DURATION = option("duration", 3);
const CONNECTIONS = option("connections", 50);
const log = (...args) => console.log(...args);

/** The three apps as Worker modules; the verifier options come as a binding (JSON). */
const WORKERS = {
  "hono-bare": `app.get("/", (c) => c.json({ sub: "anonymous" }));`,
  "hono-cognito": `app.use(cognitoAuth({ userPoolId: cfg.userPoolId, clientId: cfg.clientId, issuer: cfg.issuer, jwksUri: cfg.jwksUri }));
    app.get("/", (c) => c.json({ sub: c.var.auth.sub }));`,
  "hono-jwk": `app.use(jwk({ jwks_uri: cfg.jwksUri, alg: ["RS256"] }));
    app.get("/", (c) => c.json({ sub: c.get("jwtPayload").sub }));`,
};
const LABELS = { "hono-bare": "Hono (bare)", "hono-cognito": "Hono + cognito-bearer", "hono-jwk": "Hono + hono/jwk" };

async function bundle(kind) {
  const contents = `import { Hono } from "hono";
import { jwk } from "hono/jwk";
import { cognitoAuth } from "@cognito-bearer/fetch/hono";
let app;
function create(cfg) {
  const app = new Hono();
  ${WORKERS[kind]}
  return app;
}
export default { fetch(request, env) { app ??= create(JSON.parse(env.CFG)); return app.fetch(request); } };`;
  const result = await build({
    stdin: { contents, resolveDir: BENCH_DIR, loader: "js" },
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    logLevel: "silent",
    // Not the repository's tsconfig.json, whose paths lead to the sources: the built packages, as from npm.
    tsconfigRaw: {},
  });
  return result.outputFiles[0].text;
}

async function startWorkerd(script, cfg) {
  const mf = new Miniflare({ modules: true, script, compatibilityDate: "2025-09-01", bindings: { CFG: JSON.stringify(cfg) }, host: "127.0.0.1", port: 0 });
  const url = await mf.ready;
  return { url: url.href, stop: () => mf.dispose() };
}

async function startNode(kind, cfg) {
  const child = startChild("server.js", { core: PINNING.server });
  const { port } = await child.call("start", { kind, cfg });
  return { url: `http://127.0.0.1:${port}/`, stop: () => stopChild(child) };
}

const fmt = (n) => Math.round(n).toLocaleString("en-US");

const issuer = await createTestIssuer();
const dir = mkdtempSync(join(tmpdir(), "cognito-bearer-workerd-bench-"));
try {
  const { tokens, file } = mintTokens(issuer, dir);
  const cfg = issuerConfig(tokens);
  const load = startChild("load.js", { core: PINNING.load });
  await load.call("init", { tokensFile: file });

  // Cold start on workerd: a new runtime, one request with a valid token.
  const cold = [];
  for (const kind of ["hono-cognito", "hono-jwk"]) {
    const runtime = await startWorkerd(await bundle(kind), cfg);
    try {
      issuer.resetCounters();
      const started = performance.now();
      const first = await fetch(runtime.url, { headers: { authorization: `Bearer ${tokens.repeated}` } });
      const firstMs = performance.now() - started;
      const fetchesAfterFirst = issuer.jwksRequests;
      const again = performance.now();
      await fetch(runtime.url, { headers: { authorization: `Bearer ${tokens.repeated}` } }).then((r) => r.arrayBuffer());
      const secondMs = performance.now() - again;
      cold.push({ kind, status: first.status, firstMs, secondMs, fetchesAfterFirst, fetchesAfterTwo: issuer.jwksRequests });
      await first.arrayBuffer();
    } finally {
      await runtime.stop();
    }
  }

  const rows = [];
  for (const [runtimeName, start] of [
    ["workerd", async (kind) => startWorkerd(await bundle(kind), cfg)],
    ["Node 20", (kind) => startNode(kind, cfg)],
  ]) {
    for (const kind of Object.keys(WORKERS)) {
      const server = await start(kind);
      try {
        for (const mode of ["repeated", "fresh"]) {
          await load.call("run", { url: server.url, mode, duration: 0.5, connections: CONNECTIONS }); // warm-up
          const result = await load.call("run", { url: server.url, mode, duration: DURATION, connections: CONNECTIONS });
          rows.push({ runtime: runtimeName, kind, mode, ...result });
        }
      } finally {
        await server.stop();
      }
    }
  }
  await stopChild(load);

  log(`\n## Hono on workerd and on Node (${CONNECTIONS} connections, ${DURATION} s per run, autocannon; load average ${(await import("node:os")).loadavg().map((n) => n.toFixed(2)).join(" ")})\n`);
  log("| runtime | server | token | req/s | p50 | p99 | non-2xx |");
  log("| --- | --- | --- | --- | --- | --- | --- |");
  for (const r of rows) log(`| ${r.runtime} | ${LABELS[r.kind]} | ${r.mode} | ${fmt(r.requestsPerSecond)} | ${r.p50} ms | ${r.p99} ms | ${r.non2xx} |`);
  log("\n## Cold start on workerd (a new runtime, the first request with a valid token)\n");
  log("| server | status | first request | second request | JWKS fetches after 1 / 2 requests |");
  log("| --- | --- | --- | --- | --- |");
  for (const c of cold) log(`| ${LABELS[c.kind]} | ${c.status} | ${c.firstMs.toFixed(1)} ms | ${c.secondMs.toFixed(1)} ms | ${c.fetchesAfterFirst} / ${c.fetchesAfterTwo} |`);
} finally {
  await stopAllChildren();
  await issuer.close();
  rmSync(dir, { recursive: true, force: true });
}
