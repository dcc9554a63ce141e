// Proxy mode's overhead (`node bench/bff-proxy.js [--quick]`, after `pnpm build`):
// the same upstream API (Express + @cognito-bearer/express) called directly
// with the access token, and through the token handler's proxy with the
// session cookie, for a small JSON answer and a 1 MiB body. Everything runs in
// this one process on 127.0.0.1, requests one at a time over keep-alive
// connections: the difference in CPU per request (process.cpuUsage) is the
// proxy's own work (the client's and the upstream's cancel out), and the
// difference in latency is what the extra hop adds. Direct and proxied runs
// alternate for several rounds, and each figure is the median of the rounds,
// so that a noisy neighbour disturbs both sides alike.
// The web-standard proxy of @cognito-bearer/bff/next (fetch to the upstream,
// a Response back) is measured too, behind a minimal node:http adapter of our
// own (a Request in, the Response piped out): what it adds over node:http's
// proxy is fetch's; Next's own routing is not in it.
// Writes results/bff-proxy.md (quick runs: bff-proxy-quick.md); `pnpm bench` runs it.
import { writeFileSync } from "node:fs";
import { createServer, request, Agent } from "node:http";
import { Readable } from "node:stream";
import express from "express";
import { cognitoAuth } from "@cognito-bearer/express";
import { createTestIssuer } from "@cognito-bearer/testing";

// The bff package is not a dependency of the bench: its build is loaded by path.
const bffDist = new URL("../packages/bff/dist/esm/", import.meta.url);
const { createTokenHandler } = await import(new URL("index.js", bffDist).href);
const { tokenHandlerListener } = await import(new URL("mounts/node.js", bffDist).href);
const { createMemorySessionStore } = await import(new URL("index.js", bffDist).href);
const { createNextTokenHandler } = await import(new URL("next/index.js", bffDist).href);

const quick = process.argv.includes("--quick");
const SMALL_N = quick ? 500 : 3000;
const BIG_N = quick ? 50 : 300;
const ROUNDS = quick ? 1 : 5;
const MIB = Buffer.alloc(1024 * 1024, 7);

const listen = (server) => new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${server.address().port}`)));

const issuer = await createTestIssuer({ oauth: { redirectUris: ["http://127.0.0.1/placeholder"], users: [{ username: "bench" }], accessTokenLifetimeSeconds: 3600 } });
const upstream = express();
upstream.use(cognitoAuth(issuer.verifierOptions));
upstream.get("/small", (req, res) => res.json({ sub: req.auth.sub, orders: [{ id: "ord_1001", quantity: 2 }] }));
upstream.get("/big", (_req, res) => res.type("application/octet-stream").send(MIB));
const upstreamServer = createServer(upstream);
const upstreamUrl = await listen(upstreamServer);

let handler;
const bffServer = createServer((req, res) => tokenHandlerListener(handler)(req, res));
const bffUrl = await listen(bffServer);
issuer.oauth.addRedirectUri(`${bffUrl}/auth/callback`);
// One session store for both proxies: the session signed in through the node:http one is used by the web one too.
const sessions = createMemorySessionStore();
handler = createTokenHandler({
  cognito: { domain: issuer.url, clientId: issuer.clientId, redirectUri: `${bffUrl}/auth/callback` },
  verifier: issuer.verifierOptions,
  sessions,
  upstreams: { "/api": upstreamUrl },
  // Only so that this script can call the upstream directly with the same token.
  exposeAccessToken: true,
});

const web = createNextTokenHandler({
  name: "bench",
  cognito: { domain: issuer.url, clientId: issuer.clientId, redirectUri: `${bffUrl}/auth/callback` },
  verifier: issuer.verifierOptions,
  sessions,
  upstreams: { "/api": upstreamUrl },
});
// The minimal adapter a route handler stands for: node:http's request as a web Request, the Response piped back.
const webServer = createServer(async (req, res) => {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) for (const item of [value ?? []].flat()) headers.append(name, item);
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const response = await web.proxyHandlers.GET(new Request(new URL(req.url, webUrl), { method: req.method, headers, body: hasBody ? Readable.toWeb(req) : null, duplex: "half" }));
  res.writeHead(response.status, [...response.headers].flat());
  if (response.body === null) return res.end();
  Readable.fromWeb(response.body).pipe(res);
});
const webUrl = await listen(webServer);

// Sign in as a browser would: /auth/login → the issuer's authorize → /auth/callback, with a cookie jar.
const jar = new Map();
async function browse(url, init = {}) {
  const target = new URL(url, bffUrl);
  const cookie = target.origin === bffUrl ? [...jar].map(([name, value]) => `${name}=${value}`).join("; ") : "";
  const res = await fetch(target, { ...init, redirect: "manual", headers: { ...init.headers, ...(cookie ? { cookie } : {}) } });
  if (target.origin === bffUrl) for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(";");
    const eq = pair.indexOf("=");
    jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return res;
}
const login = await browse("/auth/login");
const authorize = await browse(login.headers.get("location"));
await browse(authorize.headers.get("location"));
const session = [...jar].find(([name]) => name.endsWith("cb-session"));
const { access_token: token } = await (await browse("/auth/token", { method: "POST", headers: { "x-csrf": "1", origin: bffUrl } })).json();

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
function get(base, path, headers) {
  return new Promise((resolve, reject) => {
    const url = new URL(path, base);
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, headers, agent }, (res) => {
      let bytes = 0;
      res.on("data", (chunk) => (bytes += chunk.length));
      res.on("end", () => (res.statusCode === 200 ? resolve(bytes) : reject(new Error(`${path} answered ${res.statusCode}`))));
    });
    req.on("error", reject);
    req.end();
  });
}

async function measure(label, call, n) {
  for (let i = 0; i < Math.min(200, n); i++) await call();
  const latencies = new Float64Array(n);
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await call();
    latencies[i] = performance.now() - t;
  }
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  latencies.sort();
  const pct = (p) => latencies[Math.min(n - 1, Math.floor((p / 100) * n))];
  return { label, n, p50: pct(50), p99: pct(99), cpuUsPerRequest: (used.user + used.system) / n, rps: (n / wall) * 1000 };
}

const direct = { authorization: `Bearer ${token}` };
const viaProxy = { cookie: `${session[0]}=${session[1]}` };
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
/** The median of each figure over the rounds. */
const summary = (label, runs) => ({
  label,
  n: runs[0].n * runs.length,
  p50: median(runs.map((r) => r.p50)),
  p99: median(runs.map((r) => r.p99)),
  cpuUsPerRequest: median(runs.map((r) => r.cpuUsPerRequest)),
  rps: median(runs.map((r) => r.rps)),
});
const rows = [];
for (const [size, path, n] of [["small JSON", "/small", SMALL_N], ["1 MiB", "/big", BIG_N]]) {
  const directRuns = [];
  const proxyRuns = [];
  const overheads = [];
  const webRuns = [];
  const webOverheads = [];
  for (let round = 0; round < ROUNDS; round++) {
    const a = await measure(`${size}, direct`, () => get(upstreamUrl, path, direct), n);
    const b = await measure(`${size}, through the proxy`, () => get(bffUrl, `/api${path}`, viaProxy), n);
    const c = await measure(`${size}, through the web proxy`, () => get(webUrl, `/api${path}`, viaProxy), n);
    directRuns.push(a);
    proxyRuns.push(b);
    webRuns.push(c);
    overheads.push({ n, p50: b.p50 - a.p50, p99: b.p99 - a.p99, cpuUsPerRequest: b.cpuUsPerRequest - a.cpuUsPerRequest, rps: NaN });
    webOverheads.push({ n, p50: c.p50 - a.p50, p99: c.p99 - a.p99, cpuUsPerRequest: c.cpuUsPerRequest - a.cpuUsPerRequest, rps: NaN });
  }
  rows.push(
    summary(`${size}, direct`, directRuns),
    summary(`${size}, through the proxy`, proxyRuns),
    { ...summary(`${size}: proxy overhead (paired per round)`, overheads), rps: NaN },
    summary(`${size}, through the web proxy (bff/next)`, webRuns),
    { ...summary(`${size}: web proxy overhead (paired per round)`, webOverheads), rps: NaN },
  );
}

const fmt = (ms) => `${ms.toFixed(3)} ms`;
const lines = [
  `bff proxy overhead (node ${process.version}, one process, sequential keep-alive requests, median of ${ROUNDS} round${ROUNDS === 1 ? "" : "s"})`,
  "",
  "| case | requests | p50 | p99 | CPU per request | req/s |",
  "| --- | --- | --- | --- | --- | --- |",
  ...rows.map((row) => `| ${row.label} | ${row.n} | ${fmt(row.p50)} | ${fmt(row.p99)} | ${Math.round(row.cpuUsPerRequest)} µs | ${Number.isNaN(row.rps) ? "" : Math.round(row.rps)} |`),
];
process.stdout.write(lines.join("\n") + "\n");
const file = `results/bff-proxy${quick ? "-quick" : ""}.md`;
writeFileSync(new URL(`./${file}`, import.meta.url), lines.join("\n") + "\n");
process.stdout.write(`wrote ${file}\n`);

agent.destroy();
await handler.close();
await web.close();
await new Promise((resolve) => webServer.close(resolve));
await new Promise((resolve) => bffServer.close(resolve));
upstreamServer.closeAllConnections();
await new Promise((resolve) => upstreamServer.close(resolve));
await issuer.close();
