// One instance of an API's revocation list, in its own process (its own
// connections, its own mirror), driven by the revocation bench over IPC:
//   open     createRedisRevocationList on a url or a cluster, then ready(): load time and the mirror's heap
//   watch    resolve with the moment this instance's check() first refuses the claims (propagation)
//   burst    revoke `count` sessions at `perSecond`, answer each one's claims and outcome (stored / queued / local)
//   sustain  revoke at `perSecond` for `seconds`, answer how many Redis acknowledged, and how fast
//   verdicts what check() answers now for a list of claims (revoked / ok / unavailable)
//   cacheHit CPU per `authenticate(header)` on a cache hit, with no list, an empty Redis list and this list, alternating rounds
//   pending, stats, close
// Run with --expose-gc for a precise heap figure in `open`.
import { randomUUID } from "node:crypto";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createVerifier } from "@cognito-bearer/core";
import { createRedisRevocationList } from "@cognito-bearer/redis";
import { isMain, serveParent } from "./processes.js";
import { percentile } from "./revocation-stats.js";

let list;
/** What the list reported (onEvent), by type, and its first error: the bench reports them. */
const events = {};
let firstError;

const heapAfterGc = () => {
  global.gc?.();
  global.gc?.();
  return process.memoryUsage().heapUsed;
};

async function open({ url, cluster, keyPrefix, commandTimeoutMs, readyTimeoutMs = 120_000 }) {
  const before = heapAfterGc();
  const started = performance.now();
  let reloaded;
  list = createRedisRevocationList({
    ...(cluster ? { cluster: { rootNodes: cluster.map((node) => ({ url: node })) } } : { url }),
    keyPrefix,
    commandTimeoutMs,
    onEvent: (event) => {
      if (event.type === "reloaded") reloaded ??= event;
      events[event.type] = (events[event.type] ?? 0) + 1;
      if (event.type === "error") firstError ??= event.error;
    },
  });
  // The longest the event loop was blocked meanwhile: a load stalls every request of this process that long.
  const stalls = monitorEventLoopDelay({ resolution: 10 });
  stalls.enable();
  await list.ready({ timeoutMs: readyTimeoutMs });
  const loadMs = performance.now() - started;
  // What runs right after ready() (the anti-entropy comparison of a large mirror) blocks too: let it finish.
  await new Promise((resolve) => setTimeout(resolve, 50));
  stalls.disable();
  const longestStallMs = stalls.max / 1e6;
  return { loadMs, reloadMs: reloaded?.durationMs, entries: reloaded?.entries, longestStallMs, heapBytes: heapAfterGc() - before, gc: Boolean(global.gc) };
}

const now = () => performance.timeOrigin + performance.now();
const sessionClaims = () => ({ origin_jti: randomUUID(), sub: "bench-user", exp: Math.floor(Date.now() / 1000) + 3600 });

function watch({ claims }) {
  return new Promise((resolve) => {
    const poll = () => (list.check(claims) === "revoked" ? resolve(now()) : setImmediate(poll));
    poll();
  });
}

async function revokeOnce(claims) {
  try {
    await list.revokeSession({ claims });
    return "stored";
  } catch (err) {
    return err?.queued === true ? "queued" : "local";
  }
}

/** `count` revocations, one every 1/perSecond s, none awaited before the next (as independent sign-outs are). */
async function burst({ count, perSecond }) {
  const calls = [];
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const claims = sessionClaims();
    calls.push(revokeOnce(claims).then((outcome) => ({ claims, outcome })));
  }
  return Promise.all(calls);
}

/** Revocations at a steady rate for `seconds`, in ticks of 10 ms; counts what Redis acknowledged. */
async function sustain({ perSecond, seconds }) {
  const outcomes = { stored: 0, queued: 0, local: 0 };
  /** How long each stored revocation took to be acknowledged (ms). */
  const storedIn = [];
  const calls = [];
  const started = performance.now();
  let sent = 0;
  let lastAck = started;
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * perSecond);
    for (; sent < due; sent++) {
      const calledAt = performance.now();
      calls.push(
        revokeOnce(sessionClaims()).then((outcome) => {
          outcomes[outcome]++;
          lastAck = performance.now();
          if (outcome === "stored") storedIn.push(lastAck - calledAt);
        }),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await Promise.all(calls);
  const elapsed = (lastAck - started) / 1000;
  return { sent, ...outcomes, seconds: elapsed, storedPerSecond: outcomes.stored / elapsed, revokeP50: percentile(storedIn, 50), revokeP99: percentile(storedIn, 99), pendingAtEnd: list.pending(), events: { ...events }, firstError };
}

function verdicts({ claimsList }) {
  const counts = { revoked: 0, ok: 0, unavailable: 0 };
  const notRefused = [];
  for (const claims of claimsList) {
    const verdict = list.check(claims);
    counts[verdict === "revoked" ? "revoked" : verdict === "unavailable" ? "unavailable" : "ok"]++;
    if (verdict !== "revoked") notRefused.push(claims.origin_jti);
  }
  return { ...counts, notRefused };
}

const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/** A cache hit's CPU cost with no list and with this instance's list, in alternating rounds (median ns per call). */
async function cacheHit({ verifierOptions, header, rounds, calls, url }) {
  // An empty Redis list beside this one: what the list's check costs apart from the size of its Map.
  const empty = createRedisRevocationList({ url, keyPrefix: `bench-empty-${randomUUID().slice(0, 8)}:` });
  await empty.ready({ timeoutMs: 30_000 });
  const verifiers = {
    none: createVerifier(verifierOptions),
    empty: createVerifier({ ...verifierOptions, revocations: empty }),
    list: createVerifier({ ...verifierOptions, revocations: list }),
  };
  // Distinct header strings, as HTTP requests bring (a string's hash is cached on the string).
  const headers = Array.from({ length: 64 }, () => header.slice(0, 7) + header.slice(7));
  for (const verifier of Object.values(verifiers)) {
    const auth = await verifier.authenticate(header);
    if (!auth?.sub) throw new Error("the bench token was not accepted");
  }
  const perCall = { none: [], empty: [], list: [] };
  for (let round = 0; round < rounds; round++) {
    // Rotate the order too, so that none always runs first in a round.
    const order = ["none", "empty", "list"].map((_, i, names) => names[(i + round) % names.length]);
    for (const name of order) {
      const verifier = verifiers[name];
      const started = cpuMicros();
      for (let i = 0; i < calls; i++) {
        // A cache hit answers synchronously; a promise here (e.g. a 503 from a stale list) is not what is measured.
        if (verifier.authenticate(headers[i & 63]).then !== undefined) throw new Error(`${name}: not a synchronous cache hit (call ${i})`);
      }
      perCall[name].push(((cpuMicros() - started) * 1000) / calls);
      // Let the lists' heartbeats in: a run of rounds without a turn of the event loop would make the mirror stale (503).
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  for (const verifier of Object.values(verifiers)) verifier.close();
  await empty.close();
  return perCall;
}

if (isMain(import.meta.url)) {
  serveParent({
    open,
    watch,
    burst,
    sustain,
    verdicts,
    cacheHit,
    pending: () => list.pending(),
    stats: () => list.stats(),
    close: async () => {
      await list?.close();
      return true;
    },
  });
}
