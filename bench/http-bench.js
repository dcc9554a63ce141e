// Section 2: HTTP req/s and p99 at N connections, every server in its own
// process on the server core, autocannon in its own process on the load core.
// All servers start first and stay up (idle ones cost nothing); each is warmed
// in both token modes, then rounds run every (server, mode) pair in turn, the
// starting server rotating each round, and the median round is reported.
// Server CPU time is read before and after each run, giving CPU per request:
// a figure a noisy neighbour disturbs far less than req/s.
import { PINNING, startChild, stopChild } from "./processes.js";
import { SERVERS, serverCpuSeconds, startServers, stopServers } from "./http-servers.js";
import { median } from "./stats.js";

export const MODES = ["repeated", "fresh"];

async function measureOnce(load, server, mode, duration, connections) {
  const cpuBefore = await serverCpuSeconds(server);
  const result = await load.call("run", { url: server.url, mode, duration, connections });
  const cpuAfter = await serverCpuSeconds(server);
  const answered = result.ok + result.non2xx;
  return { ...result, cpuMicrosPerRequest: answered > 0 ? ((cpuAfter - cpuBefore) / answered) * 1e6 : NaN };
}

export async function runHttp({ cfg, tokensFile, rounds, duration, warmup, connections, servers: only, log = () => {} }) {
  const definitions = only ? SERVERS.filter((s) => only.includes(s.kind)) : SERVERS;
  let servers = [];
  let load;
  try {
    servers = await startServers(cfg, definitions);
    load = startChild("load.js", { core: PINNING.load });
    const { poolSize } = await load.call("init", { tokensFile });
    const samples = new Map(servers.map((s) => [s.kind, { repeated: [], fresh: [] }]));
    const problems = [];

    for (const server of servers) {
      for (const mode of MODES) {
        const result = await load.call("run", { url: server.url, mode, duration: warmup, connections });
        if (result.non2xx > 0 || result.errors > 0) {
          problems.push(`${server.label}, ${mode} token, warm-up: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
        }
      }
      log(`  warmed ${server.label}`);
    }
    for (let round = 0; round < rounds; round++) {
      const order = servers.map((_, i) => servers[(i + round) % servers.length]);
      for (const server of order) {
        for (const mode of MODES) {
          const sample = await measureOnce(load, server, mode, duration, connections);
          if (sample.non2xx > 0 || sample.errors > 0) {
            problems.push(`${server.label}, ${mode} token, round ${round + 1}: ${sample.non2xx} non-2xx answers, ${sample.errors} errors`);
          }
          samples.get(server.kind)[mode].push(sample);
        }
      }
      log(`  round ${round + 1}/${rounds} done`);
    }

    const results = servers.map((server) => {
      const row = { kind: server.kind, label: server.label, framework: server.framework, role: server.role };
      for (const mode of MODES) {
        const list = samples.get(server.kind)[mode];
        row[mode] = {
          requestsPerSecond: median(list.map((s) => s.requestsPerSecond)),
          p99: median(list.map((s) => s.p99)),
          p50: median(list.map((s) => s.p50)),
          cpuMicrosPerRequest: median(list.map((s) => s.cpuMicrosPerRequest)),
          rounds: list.map((s) => Math.round(s.requestsPerSecond)),
          non2xx: list.reduce((sum, s) => sum + s.non2xx, 0),
          errors: list.reduce((sum, s) => sum + s.errors, 0),
        };
      }
      return row;
    });
    return { results, problems, poolSize, connections, duration, rounds };
  } finally {
    if (load) await stopChild(load);
    await stopServers(servers);
  }
}
