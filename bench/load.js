// The load generator: autocannon in its own process (pinned to the load core),
// never in a server's. Two token modes:
// - "repeated": every request carries the same token (static request buffer);
// - "fresh": each request takes the next token of the shared pool, in order,
//   across all connections (one counter), so no two in-flight requests carry
//   the same token and the pool (larger than the cache) never hits it.
import { readFileSync } from "node:fs";
import autocannon from "autocannon";
import { isMain, serveParent } from "./processes.js";

let tokens;
let next = 0;

function init({ tokensFile }) {
  tokens = JSON.parse(readFileSync(tokensFile, "utf8"));
  return { poolSize: tokens.pool.length };
}

function run({ url, mode, duration, connections }) {
  const options = { url, connections, duration, pipelining: 1, timeout: 10 };
  if (mode === "repeated") {
    options.headers = { authorization: `Bearer ${tokens.repeated}` };
  } else {
    const pool = tokens.pool;
    options.requests = [
      {
        method: "GET",
        path: "/",
        setupRequest(request) {
          request.headers = { authorization: `Bearer ${pool[next++ % pool.length]}` };
          return request;
        },
      },
    ];
  }
  return new Promise((resolve, reject) => {
    autocannon(options, (err, result) => {
      if (err) return reject(err);
      const seconds = (result.finish - result.start) / 1000;
      resolve({
        requestsPerSecond: result["2xx"] / seconds,
        ok: result["2xx"],
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        p50: result.latency.p50,
        p99: result.latency.p99,
        seconds,
      });
    });
  });
}

if (isMain(import.meta.url)) serveParent({ init, run });
