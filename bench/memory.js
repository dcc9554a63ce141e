// Section 4: memory after verifying many distinct tokens through core with the
// default cache. Runs in its own process started with --expose-gc, so that the
// heap it reports holds nothing but the verifier and the batch in hand.
//
// Every token is real: minted (RSA-2048, RS256) by worker threads, each owning
// a local issuer; the verifier is configured for those issuers (one verifier,
// several pools, one shared cache with the default limits). The number of
// tokens N is chosen from the measured minting rate to fit the time budget
// (capped at 1,000,000) and reported as used. After every 10% of N the heap is
// measured after a full GC, with the cache's own size and byte estimate.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { createVerifier } from "@cognito-bearer/core";
import { isMain, serveParent } from "./processes.js";

const BATCH = 500;
const MAX_TOKENS = 1_000_000;

function startWorker() {
  const worker = new Worker(new URL("./mint-worker.js", import.meta.url));
  const waiters = [];
  let ready;
  const readyPromise = new Promise((resolve, reject) => {
    ready = resolve;
    worker.once("error", reject);
  });
  worker.on("message", (msg) => {
    if (msg.type === "ready") ready(msg.verifierOptions);
    else if (msg.type === "tokens") waiters.shift().resolve(msg.tokens);
  });
  worker.on("error", (err) => {
    for (const w of waiters.splice(0)) w.reject(err);
  });
  return {
    ready: readyPromise,
    mint(count) {
      return new Promise((resolve, reject) => {
        waiters.push({ resolve, reject });
        worker.postMessage({ type: "mint", count });
      });
    },
    async close() {
      worker.postMessage({ type: "close" });
      await new Promise((resolve) => {
        const timer = setTimeout(() => worker.terminate().then(resolve), 2000);
        worker.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

function snapshot(verifier, verified, started) {
  global.gc();
  global.gc();
  const { rss, heapUsed, external } = process.memoryUsage();
  return { verified, seconds: (performance.now() - started) / 1000, rss, heapUsed, external, cache: verifier.stats().cache };
}

/**
 * Mint and verify `count` distinct tokens: every worker keeps one batch
 * minting while this thread verifies the batch in hand. Returns the failures.
 */
async function pump(workers, verifier, count) {
  let requested = 0;
  let failures = 0;
  const inflight = [];
  const request = () => {
    for (const worker of workers) {
      if (requested >= count) return;
      const size = Math.min(BATCH, count - requested);
      requested += size;
      inflight.push(worker.mint(size));
    }
  };
  request();
  while (inflight.length > 0) {
    const batch = await inflight.shift();
    request();
    for (const token of batch) {
      try {
        await verifier.verify(token);
      } catch {
        failures++;
      }
    }
  }
  return failures;
}

export async function runMemory({ budgetSeconds, minTokens = 20_000 }) {
  if (typeof global.gc !== "function") throw new Error("memory.js needs --expose-gc");
  const workers = Array.from({ length: Math.max(1, availableParallelism()) }, startWorker);
  let verifier;
  try {
    const options = await Promise.all(workers.map((w) => w.ready));
    verifier = createVerifier(options);
    await verifier.warmup();

    // Calibrate on the real pipeline (workers minting while this thread verifies).
    const calibrationTokens = workers.length * BATCH * 6;
    const calibrationStart = performance.now();
    await pump(workers, verifier, calibrationTokens);
    const pipelinePerSecond = calibrationTokens / ((performance.now() - calibrationStart) / 1000);
    const step = workers.length * BATCH * 10;
    const fit = Math.floor((pipelinePerSecond * 0.9 * budgetSeconds) / step) * step;
    const n = Math.min(MAX_TOKENS, Math.max(minTokens, fit));

    verifier.close(); // start counting from an empty cache
    verifier = createVerifier(options);
    await verifier.warmup();
    const started = performance.now();
    const checkpoints = [snapshot(verifier, 0, started)];
    let verified = 0;
    let failures = 0;
    for (let part = 1; part <= 10; part++) {
      const target = Math.round((n * part) / 10);
      failures += await pump(workers, verifier, target - verified);
      verified = target;
      checkpoints.push(snapshot(verifier, verified, started));
    }
    const seconds = (performance.now() - started) / 1000;
    return { n, mintPerSecond: n / seconds, calibratedPerSecond: pipelinePerSecond, workers: workers.length, failures, checkpoints, seconds };
  } finally {
    verifier?.close();
    await Promise.all(workers.map((w) => w.close()));
  }
}

if (isMain(import.meta.url)) serveParent({ run: runMemory });
