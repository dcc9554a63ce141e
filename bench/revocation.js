// The revocation list's cost, in one run (`pnpm bench` runs it last; alone:
// `node --expose-gc revocation.js [--quick]` after `pnpm build`):
// 1. a verified-token cache hit (`authenticate(header)`, what every adapter
//    calls) with no list, with an empty memory list, and with 100,000 revoked
//    sessions in it, alternating rounds, in CPU time per call;
// 2. propagation over a real Redis: a revoke in this process until a second
//    process (its own list, its own connections) refuses the token, p50/p99;
// 3. memory of the local mirror per 100,000 entries.
// Writes results/revocation.md (or revocation-quick.md).
import { fork, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { createMemoryRevocationList, createVerifier } from "@cognito-bearer/core";
import { RevocationEntries } from "@cognito-bearer/core/adapter";
import { createRedisRevocationList } from "@cognito-bearer/redis";
import { createTestIssuer } from "@cognito-bearer/testing";

const quick = process.argv.includes("--quick");
const ROUNDS = quick ? 3 : 9;
const CALLS = quick ? 200_000 : 1_000_000;
const PROPAGATIONS = quick ? 50 : 300;
const ENTRIES = 100_000;
/** node:http + cognito-bearer's server CPU per request on a cache hit, from the latest full `pnpm bench` (results/latest.md). */
const NODE_HTTP_CPU_US = 36;

if (process.argv[2] === "--child") {
  // The other instance: its own list on the same Redis; reports when it refuses each token.
  const [, , , url, prefix] = process.argv;
  const list = createRedisRevocationList({ url, keyPrefix: prefix });
  await list.ready();
  process.on("message", (claims) => {
    const poll = () => {
      if (list.check(claims) === "revoked") process.send({ at: performance.timeOrigin + performance.now() });
      else setImmediate(poll);
    };
    poll();
  });
  process.on("disconnect", () => list.close().then(() => process.exit(0)));
  process.send("ready");
} else {
  await main();
}

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

    // 3. Memory of the mirror (first, on a quiet heap).
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
    const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
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

    // 2. Propagation over Redis.
    const redis = await startRedis();
    try {
      const prefix = `bench${Date.now()}:`;
      const list = createRedisRevocationList({ url: redis.url, keyPrefix: prefix });
      await list.ready();
      const child = fork(new URL(import.meta.url).pathname, ["--child", redis.url, prefix], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
      await new Promise((resolve) => child.once("message", resolve));
      const times = [];
      for (let i = 0; i < PROPAGATIONS; i++) {
        const claims = { origin_jti: randomUUID(), sub: "s", exp: Math.floor(Date.now() / 1000) + 3600 };
        child.send(claims);
        await new Promise((resolve) => setTimeout(resolve, 2));
        const revokedAt = performance.timeOrigin + performance.now();
        const seen = new Promise((resolve) => child.once("message", resolve));
        await list.revokeSession({ claims });
        const { at } = await seen;
        times.push(at - revokedAt);
      }
      child.disconnect();
      await list.close();
      times.sort((a, b) => a - b);
      const pct = (p) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))];
      say(`## 2. Propagation over a real Redis (${redis.version}), process to process`);
      say();
      say(`From \`revokeSession()\` called in this process to the other process's check refusing the token, ${PROPAGATIONS} revocations: **p50 ${pct(50).toFixed(2)} ms, p99 ${pct(99).toFixed(2)} ms**, max ${times.at(-1).toFixed(2)} ms.`);
      say();
    } finally {
      redis.stop();
    }
    say(`## 3. Memory of the local mirror`);
    say();
    say(`${ENTRIES.toLocaleString("en")} session entries (UUIDs): **${mib.toFixed(1)} MiB** of heap (${((after - before) / ENTRIES).toFixed(0)} bytes per entry)${global.gc ? "" : " (run with --expose-gc for a precise figure)"}.`);
    writeFileSync(new URL(quick ? "./results/revocation-quick.md" : "./results/revocation.md", import.meta.url), lines.join("\n") + "\n");
  } finally {
    await issuer.close();
  }
}

async function startRedis() {
  const port = await new Promise((resolve, reject) => {
    const server = createServer().once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port: free } = server.address();
      server.close(() => resolve(free));
    });
  });
  const child = spawn(process.env.REDIS_SERVER ?? "redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  const version = await new Promise((resolve, reject) => {
    let out = "";
    child.once("error", () => reject(new Error("redis-server is not installed")));
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      out += chunk;
      if (out.includes("Ready to accept connections")) resolve(/Redis version=([\d.]+)/.exec(out)?.[1] ?? "7");
    });
  });
  return { url: `redis://127.0.0.1:${port}`, version, stop: () => child.kill("SIGKILL") };
}
