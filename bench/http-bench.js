// Section 2: HTTP req/s and p99 at N connections, every server in its own
// process on the server core, autocannon in its own process on the load core.
// All servers start first and stay up (idle ones cost nothing); each is warmed
// in both token modes, then each round runs every (server, mode) pair, grouped
// by framework (see below). Medians of rounds are reported, and ratios are
// medians of per-round ratios (paired), which a noisy neighbour disturbs less.
// Server CPU time is read before and after each run, giving CPU per request:
// a figure a noisy neighbour disturbs far less than req/s.
import { PINNING, startChild, stopChild } from "./processes.js";
import { SERVERS, serverCounters, startServers, stopServers } from "./http-servers.js";
import { median } from "./stats.js";

export const MODES = ["repeated", "fresh"];

async function measureOnce(load, server, mode, duration, connections) {
  const before = await serverCounters(server);
  const result = await load.call("run", { url: server.url, mode, duration, connections });
  const after = await serverCounters(server);
  const answered = result.ok + result.non2xx;
  return {
    ...result,
    cpuMicrosPerRequest: answered > 0 ? ((after.cpuSeconds - before.cpuSeconds) / answered) * 1e6 : NaN,
    newConnections: after.connections - before.connections,
  };
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
    // Servers of one framework run back to back, one token mode at a time, so
    // that a server, its bare baseline and its peers are measured seconds apart:
    // ratios are taken within a round, then their median across rounds.
    const groups = [...new Set(servers.map((s) => s.framework))].map((f) => servers.filter((s) => s.framework === f));
    const rotate = (list, by) => list.map((_, i) => list[(i + by) % list.length]);
    for (let round = 0; round < rounds; round++) {
      const modes = round % 2 === 0 ? MODES : [...MODES].reverse();
      for (const group of rotate(groups, round)) {
        for (const mode of modes) {
          for (const server of rotate(group, round)) {
            const sample = await measureOnce(load, server, mode, duration, connections);
            if (sample.non2xx > 0 || sample.errors > 0) {
              problems.push(`${server.label}, ${mode} token, round ${round + 1}: ${sample.non2xx} non-2xx answers, ${sample.errors} errors`);
            }
            // autocannon opens its connections once per run; more means the server closed keep-alive ones.
            if (sample.newConnections > connections) {
              problems.push(`${server.label}, ${mode} token, round ${round + 1}: ${sample.newConnections} connections for ${connections} clients (keep-alive broken)`);
            }
            samples.get(server.kind)[mode].push(sample);
          }
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
          cpuRounds: list.map((s) => Number(s.cpuMicrosPerRequest.toFixed(1))),
          non2xx: list.reduce((sum, s) => sum + s.non2xx, 0),
          errors: list.reduce((sum, s) => sum + s.errors, 0),
          newConnections: list.reduce((sum, s) => sum + s.newConnections, 0),
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
