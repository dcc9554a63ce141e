// Section 1: raw verification throughput, in-process, one token at a time, on a
// warm JWKS. Each verifier runs in its own process pinned to the server core,
// so every library gets the same single core and its own heap. Rounds are
// interleaved (A B C, A B C, ...) so that a noisy neighbour hurts every library
// alike; the median is reported.
import { createPublicKey, verify as cryptoVerify } from "node:crypto";
import { readFileSync } from "node:fs";
import { createVerifier } from "@cognito-bearer/core";
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify } from "jose";
import { createAwsVerifier } from "./peers.js";
import { fileURLToPath } from "node:url";
import { isMain, serveParent, startChild, stopChild } from "./processes.js";
import { median } from "./stats.js";

/** The benchmarks, in report order. `prepare` returns the operation `op(i)`. */
const BENCHES = [
  {
    id: "floor",
    label: "floor: `crypto.verify` (prepared KeyObject, same signing input)",
    async prepare({ tokens }) {
      const [header, payload, signature] = tokens.repeated.split(".");
      const input = Buffer.from(`${header}.${payload}`, "ascii");
      const sig = Buffer.from(signature, "base64url");
      const kid = JSON.parse(Buffer.from(header, "base64url").toString()).kid;
      const key = createPublicKey({ key: tokens.jwks.keys.find((k) => k.kid === kid), format: "jwk" });
      if (!cryptoVerify("sha256", input, key, sig)) throw new Error("floor: signature does not verify");
      return () => cryptoVerify("sha256", input, key, sig);
    },
  },
  {
    id: "aws",
    label: "aws-jwt-verify `JwtVerifier.verify()` (warm, distinct tokens)",
    async prepare({ tokens, cfg }) {
      const verifier = createAwsVerifier(cfg);
      await verifier.hydrate();
      const pool = tokens.pool;
      return (i) => verifier.verify(pool[i % pool.length]);
    },
  },
  {
    id: "joseLocal",
    label: "jose `jwtVerify` + `createLocalJWKSet` (distinct tokens)",
    async prepare({ tokens, cfg }) {
      const jwks = createLocalJWKSet(tokens.jwks);
      const options = { issuer: cfg.issuer, audience: cfg.clientId, algorithms: ["RS256"] };
      const pool = tokens.pool;
      return (i) => jwtVerify(pool[i % pool.length], jwks, options);
    },
  },
  {
    id: "joseRemote",
    label: "jose `jwtVerify` + `createRemoteJWKSet`, warmed (distinct tokens)",
    async prepare({ tokens, cfg }) {
      const jwks = createRemoteJWKSet(new URL(cfg.jwksUri));
      const options = { issuer: cfg.issuer, audience: cfg.clientId, algorithms: ["RS256"] };
      await jwtVerify(tokens.repeated, jwks, options);
      const pool = tokens.pool;
      return (i) => jwtVerify(pool[i % pool.length], jwks, options);
    },
  },
  {
    id: "coreMiss",
    label: "core `verify()` cache miss (default cache, distinct tokens replayed in order)",
    async prepare({ tokens, cfg, verifiers }) {
      const verifier = createVerifier(cfg);
      verifiers.push(verifier);
      await verifier.warmup();
      const pool = tokens.pool;
      return (i) => verifier.verify(pool[i % pool.length]);
    },
  },
  {
    id: "coreNoCache",
    label: "core `verify()` with `cache: false` (same token)",
    async prepare({ tokens, cfg, verifiers }) {
      const verifier = createVerifier({ ...cfg, cache: false });
      verifiers.push(verifier);
      await verifier.warmup();
      const token = tokens.repeated;
      return () => verifier.verify(token);
    },
  },
  {
    id: "coreHit",
    label: "core `verify()` cache hit (same token)",
    async prepare({ tokens, cfg, verifiers }) {
      const verifier = createVerifier(cfg);
      verifiers.push(verifier);
      await verifier.verify(tokens.repeated);
      const token = tokens.repeated;
      return () => verifier.verify(token);
    },
  },
  {
    id: "coreAuthHit",
    label: "core `authenticate(header)` cache hit (a new header string per call, as in HTTP)",
    async prepare({ tokens, cfg, verifiers }) {
      const verifier = createVerifier(cfg);
      verifiers.push(verifier);
      await verifier.verify(tokens.repeated);
      const token = tokens.repeated;
      // A fresh string each time, as the HTTP parser makes one per request:
      // its hash is not cached, like a real request's header.
      return () => verifier.authenticate(`Bearer ${token}`);
    },
  },
];

/** Run `op` for about `ms` milliseconds; ops per wall second and per CPU second. */
async function measure(op, ms) {
  let i = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const deadline = start + ms;
  let now;
  do {
    for (let k = 0; k < 64; k++) {
      const result = op(i++);
      if (result !== null && typeof result === "object" && typeof result.then === "function") await result;
    }
    now = performance.now();
  } while (now < deadline);
  const cpu = process.cpuUsage(cpu0);
  return { ops: i, opsPerSecond: i / ((now - start) / 1000), opsPerCpuSecond: i / ((cpu.user + cpu.system) / 1e6) };
}

/**
 * The pool must miss the default cache when replayed in order: checked with a
 * verifier that counts cached answers, over a second pass after a filling pass.
 */
async function poolHitRate(tokens, cfg) {
  let hits = 0;
  let seen = 0;
  const verifier = createVerifier({
    ...cfg,
    onEvent: (event) => {
      if (event.type !== "verified") return;
      seen++;
      if (event.cached) hits++;
    },
  });
  try {
    for (const token of tokens.pool) await verifier.verify(token);
    hits = 0;
    seen = 0;
    for (const token of tokens.pool) await verifier.verify(token);
    return { hitRate: hits / seen, verified: seen, cache: verifier.stats().cache };
  } finally {
    verifier.close();
  }
}

// In the child: one verifier per process, so that no verifier pays for another's
// garbage (the default cache keeps 16 MiB alive) or shares its JIT state.
let prepared;
const verifiers = [];

async function prepareOne({ tokensFile, id }) {
  const tokens = JSON.parse(readFileSync(tokensFile, "utf8"));
  const cfg = { userPoolId: tokens.userPoolId, clientId: tokens.clientId, issuer: tokens.issuer, jwksUri: tokens.jwksUri };
  const bench = BENCHES.find((b) => b.id === id);
  prepared = await bench.prepare({ tokens, cfg, verifiers });
  return true;
}

function measureOne({ ms }) {
  return measure(prepared, ms);
}

async function sanityCheck({ tokensFile }) {
  const tokens = JSON.parse(readFileSync(tokensFile, "utf8"));
  const cfg = { userPoolId: tokens.userPoolId, clientId: tokens.clientId, issuer: tokens.issuer, jwksUri: tokens.jwksUri };
  return poolHitRate(tokens, cfg);
}

/**
 * In the orchestrator: one child process per verifier, all pinned to the
 * measuring core; rounds interleaved across them (only one runs at a time).
 */
export async function runRawVerify({ tokensFile, rounds, ms, warmupMs, core }) {
  const children = [];
  try {
    for (const bench of BENCHES) {
      const child = startChild(fileURLToPath(import.meta.url), { core });
      children.push({ bench, child });
      await child.call("prepare", { tokensFile, id: bench.id });
    }
    for (const { child } of children) await child.call("measure", { ms: warmupMs });
    const samples = new Map(children.map(({ bench }) => [bench.id, []]));
    for (let round = 0; round < rounds; round++) {
      for (const { bench, child } of children) samples.get(bench.id).push(await child.call("measure", { ms }));
    }
    const results = BENCHES.map((bench) => {
      const list = samples.get(bench.id);
      return {
        id: bench.id,
        label: bench.label,
        opsPerSecond: median(list.map((s) => s.opsPerSecond)),
        opsPerCpuSecond: median(list.map((s) => s.opsPerCpuSecond)),
        rounds: list.map((s) => Math.round(s.opsPerCpuSecond)),
      };
    });
    const sanity = await children[0].child.call("sanity", { tokensFile });
    return { results, poolSize: JSON.parse(readFileSync(tokensFile, "utf8")).pool.length, poolHitRate: sanity.hitRate, poolCache: sanity.cache };
  } finally {
    await Promise.all(children.map(({ child }) => stopChild(child)));
  }
}

if (isMain(import.meta.url)) {
  process.on("exit", () => {
    for (const verifier of verifiers) verifier.close();
  });
  serveParent({ prepare: prepareOne, measure: measureOne, sanity: sanityCheck });
}
