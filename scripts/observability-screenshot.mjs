// The README's Observability screenshot: Prometheus's own graph page, in
// headless Chromium, of the refusals by reason while the node example serves
// valid and refused tokens (issue 20). Everything is real and local: the
// offline test issuer, examples/node with COGNITO_METRICS=1, Debian's
// `prometheus` scraping it every second, /usr/bin/chromium through
// playwright-core. Every process it starts is stopped, and its files removed.
//
//   pnpm build && node scripts/observability-screenshot.mjs [--seconds=30] [--out=docs/observability/refusals-by-reason.png]
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { createTestIssuer } from "@cognito-bearer/testing";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const option = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const SECONDS = Number(option("seconds", "30"));
const OUT = path.resolve(ROOT, option("out", "docs/observability/refusals-by-reason.png"));
const PROMETHEUS = process.env.PROMETHEUS ?? "/usr/bin/prometheus";
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const QUERY = "sum by (error_type) (rate(cognito_bearer_verification_refusals_total[1m]))";

const children = new Set();
const cleanups = [];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function start(command, args, options) {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
  children.add(child);
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (chunk) => (out += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk) => (out += chunk));
  const exited = new Promise((resolve) => child.once("close", resolve));
  exited.then(() => children.delete(child));
  return { child, output: () => out, exited };
}

async function stop({ child, exited }) {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitUntil(what, check, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const value = await check();
    if (value) return value;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function main() {
  const issuer = await createTestIssuer();
  cleanups.push(() => issuer.close());

  // The node example, metrics on, against the offline issuer.
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name === "PORT" || name === "HOST" || name.startsWith("COGNITO_")) delete env[name];
  const example = start(process.execPath, [path.join("examples", "node", "server.js")], {
    cwd: ROOT,
    env: { ...env, PORT: "0", HOST: "127.0.0.1", COGNITO_METRICS: "1", COGNITO_USER_POOL_ID: issuer.userPoolId, COGNITO_CLIENT_ID: issuer.clientId, COGNITO_ISSUER: issuer.issuer, COGNITO_JWKS_URI: issuer.jwksUri },
  });
  cleanups.push(() => stop(example));
  const exampleUrl = await waitUntil("the example to listen", () => /^listening on (http:\/\/\S+)$/m.exec(example.output())?.[1] ?? (example.child.exitCode !== null ? Promise.reject(new Error(example.output())) : undefined));

  // Prometheus, scraping it every second.
  const dir = mkdtempSync(path.join(tmpdir(), "cognito-bearer-screenshot-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const config = path.join(dir, "prometheus.yml");
  writeFileSync(config, ["global:", "  scrape_interval: 1s", "scrape_configs:", "  - job_name: cognito-bearer-demo", "    static_configs:", `      - targets: ["${new URL(exampleUrl).host}"]`, ""].join("\n"));
  const promPort = await freePort();
  const prometheus = start(PROMETHEUS, [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, "data")}`, `--web.listen-address=127.0.0.1:${promPort}`, "--log.level=warn"]);
  cleanups.push(() => stop(prometheus));
  const promUrl = `http://127.0.0.1:${promPort}`;
  await waitUntil("prometheus to be ready", () => fetch(`${promUrl}/-/ready`).then((res) => res.ok, () => false));

  // Traffic: valid tokens (mostly cache hits), and refusals of several reasons;
  // halfway through, a burst of forged signatures (what the refusal-spike alert is for).
  const valid = issuer.mintAccessToken();
  const [header, payload, signature] = valid.split(".");
  const forged = `${header}.${payload}.${signature.slice(0, -2)}${signature.at(-2) === "A" ? "B" : "A"}${signature.at(-1)}`;
  const expired = issuer.mintAccessToken({}, { expiresInSeconds: -600 });
  const otherClient = issuer.mintAccessToken({ client_id: "another-client" });
  const idToken = issuer.mintIdToken();
  const call = (authorization) =>
    fetch(`${exampleUrl}/me`, { headers: authorization === undefined ? {} : { authorization } }).then(async (res) => {
      await res.arrayBuffer();
      return res.status;
    });
  const statuses = new Map();
  const started = Date.now();
  for (let second = 0; second < SECONDS; second++) {
    const spike = second >= SECONDS / 2;
    const batch = [
      ...Array.from({ length: 20 }, () => `Bearer ${valid}`),
      ...Array.from({ length: spike ? 12 : 2 }, () => `Bearer ${forged}`),
      ...Array.from({ length: 4 }, () => `Bearer ${expired}`),
      ...Array.from({ length: 3 }, () => `Bearer ${otherClient}`),
      ...Array.from({ length: 1 }, () => `Bearer ${idToken}`),
      ...Array.from({ length: 2 }, () => undefined),
    ];
    for (const status of await Promise.all(batch.map(call))) statuses.set(status, (statuses.get(status) ?? 0) + 1);
    await sleep(Math.max(0, started + (second + 1) * 1000 - Date.now()));
  }
  process.stderr.write(`traffic: ${JSON.stringify(Object.fromEntries(statuses))} over ${SECONDS} s\n`);
  await sleep(2000); // the last scrapes

  const answer = await (await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(QUERY)}`)).json();
  const reasons = answer.data.result.map((sample) => sample.metric.error_type).sort();
  if (reasons.length < 4) throw new Error(`Prometheus has too few refusal reasons: ${JSON.stringify(answer)}`);
  const scrapes = await (await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent("sum_over_time(up[5m])")}`)).json();
  process.stderr.write(`reasons in Prometheus: ${reasons.join(", ")}; successful scrapes: ${scrapes.data.result[0]?.value[1]}\n`);

  // Prometheus's graph page, in headless Chromium.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  cleanups.push(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, deviceScaleFactor: 1 });
  const graph = `${promUrl}/graph?g0.expr=${encodeURIComponent(QUERY)}&g0.tab=0&g0.stacked=0&g0.show_exemplars=0&g0.range_input=1m`;
  // The graph tab asks /api/v1/query_range, then draws the series; its legend names each error_type.
  const ranged = page.waitForResponse((res) => res.url().includes("/api/v1/query_range") && res.ok(), { timeout: 20_000 });
  await page.goto(graph, { waitUntil: "networkidle" });
  await ranged;
  try {
    await page.getByText("invalid_signature").first().waitFor({ timeout: 20_000 });
  } catch (err) {
    await page.screenshot({ path: path.join(tmpdir(), "observability-screenshot-failed.png") });
    throw err;
  }
  await sleep(1000);
  mkdirSync(path.dirname(OUT), { recursive: true });
  await page.screenshot({ path: OUT, fullPage: false });
  process.stderr.write(`wrote ${path.relative(ROOT, OUT)}\n`);
}

async function cleanup() {
  while (cleanups.length > 0) {
    try {
      await cleanups.pop()();
    } catch (err) {
      process.stderr.write(`cleanup: ${err.message}\n`);
    }
  }
  for (const child of children) child.kill("SIGKILL");
}

process.once("SIGINT", () => void cleanup().then(() => process.exit(130)));
try {
  await main();
} catch (err) {
  process.exitCode = 1;
  process.stderr.write(`${err.stack ?? err}\n`);
} finally {
  await cleanup();
}
