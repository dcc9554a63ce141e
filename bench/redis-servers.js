// The real Redis servers of the revocation bench, started and stopped by the
// bench itself: one redis-server, or a Redis Cluster of 6 (3 primaries, 3
// replicas), on free ports of 127.0.0.1, no persistence, each in a temporary
// directory removed by stop(). The same approach as the tests' harness
// (test/support/redis-process.ts and redis-cluster.ts), in plain ESM so that
// the bench needs no TypeScript loader. Every server started is tracked, and
// killAllRedisNow() (for process 'exit') kills what is left.
// Needs redis-server, and redis-cli for the cluster (Debian: redis-server, redis-tools).
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const REDIS_SERVER = process.env.REDIS_SERVER ?? "redis-server";
const REDIS_CLI = process.env.REDIS_CLI ?? "redis-cli";
/** How long a cluster node may be silent before it is marked failed (a failover starts after about twice this). */
const NODE_TIMEOUT_MS = 1000;

const running = new Set();
/** Temporary directories not yet removed by a stop(). */
const dirs = new Set();

/** Last resort on a synchronous exit (an error, Ctrl-C): SIGKILL every redis-server still running, remove their directories. */
export function killAllRedisNow() {
  for (const child of running) child.kill("SIGKILL");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}

function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
  dirs.delete(dir);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `count` distinct free ports on 127.0.0.1 (held open together, so none is handed out twice). */
export async function freePorts(count) {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise((resolve, reject) => {
      const server = createServer().once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve(server));
    })),
  );
  const ports = servers.map((server) => server.address().port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** Start redis-server with `args`; resolves with the child and its version once it accepts connections. */
function spawnRedisServer(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(REDIS_SERVER, args, { stdio: ["ignore", "pipe", "pipe"] });
    running.add(child);
    child.once("exit", () => running.delete(child));
    let output = "";
    const fail = (err) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`redis-server did not start within 10 s: ${output}`)), 10_000);
    child.once("error", (err) => fail(new Error(`cannot run ${REDIS_SERVER} (install redis-server): ${err.message}`)));
    child.once("exit", (code) => fail(new Error(`redis-server exited (${code}) before it was ready: ${output}`)));
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      output += chunk;
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        child.removeAllListeners("error");
        child.stdout.removeAllListeners("data");
        child.stdout.resume();
        child.stderr.resume();
        resolve({ child, version: /Redis version=([\d.]+)/.exec(output)?.[1] ?? /v=([\d.]+)/.exec(output)?.[1] ?? "unknown" });
      }
    });
    child.stderr.setEncoding("utf8").on("data", (chunk) => (output += chunk));
  });
}

/** SIGKILL; resolves once the process has exited or is a zombie (Node's 'exit' was seen late under load), 10 s at most. */
export function killChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearInterval(poll);
      clearTimeout(limit);
      resolve();
    };
    const poll = setInterval(() => gone(child.pid) && done(), 50);
    const limit = setTimeout(done, 10_000);
    child.once("exit", done);
    child.kill("SIGKILL");
  });
}

function gone(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  }
}

function run(file, args, timeoutMs = 20_000) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, encoding: "utf8" }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.slice(0, 6).join(" ")}…: ${err.message} ${stderr}`.trim()));
      else resolve(stdout);
    });
  });
}

/**
 * One redis-server. `kill()` SIGKILLs it (its data is gone: no persistence) and `restart()` starts a new,
 * empty one on the same port, as an operator's restart without persistence would.
 */
export async function startRedis() {
  const [port] = await freePorts(1);
  const dir = tempDir("cognito-bearer-bench-redis-");
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--maxmemory-policy", "noeviction"];
  let { child, version } = await spawnRedisServer(args);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    version,
    cli: (...cliArgs) => run(REDIS_CLI, ["-h", "127.0.0.1", "-p", String(port), ...cliArgs]),
    kill: () => killChild(child),
    async restart() {
      await killChild(child);
      ({ child } = await spawnRedisServer(args));
    },
    async stop() {
      await killChild(child);
      removeDir(dir);
    },
  };
}

/**
 * A Redis Cluster: 3 primaries and 3 replicas, each replica's first sync done before it resolves.
 * `killPrimaryOf(key)` SIGKILLs the primary serving a key and waits for the failover.
 */
export async function startRedisCluster() {
  const dir = tempDir("cognito-bearer-bench-cluster-");
  /** port → redis-server child, while it runs. */
  const children = new Map();
  const stop = async () => {
    await Promise.all([...children.values()].map(killChild));
    removeDir(dir);
  };
  try {
    const ports = await freePorts(12);
    const nodePorts = ports.slice(0, 6);
    let version;
    for (const [index, port] of nodePorts.entries()) {
      const started = await spawnRedisServer([
        "--port", String(port),
        "--cluster-port", String(ports[6 + index]),
        "--bind", "127.0.0.1",
        "--cluster-enabled", "yes",
        "--cluster-config-file", join(dir, `nodes-${port}.conf`),
        "--cluster-node-timeout", String(NODE_TIMEOUT_MS),
        "--dir", dir,
        "--save", "",
        "--appendonly", "no",
        "--maxmemory-policy", "noeviction",
      ]);
      children.set(port, started.child);
      version = started.version;
    }
    const cli = (port, ...args) => run(REDIS_CLI, ["-h", "127.0.0.1", "-p", String(port), ...args]);
    await cli(nodePorts[0], "--cluster", "create", ...nodePorts.map((port) => `127.0.0.1:${port}`), "--cluster-replicas", "1", "--cluster-yes");
    const alive = () => nodePorts.filter((port) => children.has(port));
    // Every live node ok and agreeing that each slot has a primary.
    const clusterOk = async (deadline) => {
      for (;;) {
        const states = await Promise.all(alive().map((port) => cli(port, "cluster", "info").catch(() => "")));
        if (states.every((info) => /cluster_state:ok/.test(info) && /cluster_slots_ok:16384/.test(info))) return;
        if (Date.now() > deadline) throw new Error("the cluster did not become ok in time");
        await sleep(100);
      }
    };
    const deadline = Date.now() + 30_000;
    await clusterOk(deadline);
    // Then every replica's first sync done: a failover before it would promote an empty node.
    for (;;) {
      const infos = await Promise.all(nodePorts.map((port) => cli(port, "info", "replication").catch(() => "")));
      const replicas = infos.filter((info) => /role:slave/.test(info));
      if (replicas.length === 3 && replicas.every((info) => /master_link_status:up/.test(info) && /master_sync_in_progress:0/.test(info))) break;
      if (Date.now() > deadline) throw new Error("the cluster's replicas did not sync within 30 s");
      await sleep(100);
    }
    /** The port of the primary serving `key`'s slot now. */
    const primaryOf = async (key) => {
      const port = alive()[0];
      const slot = Number((await cli(port, "cluster", "keyslot", key)).trim());
      for (const line of (await cli(port, "cluster", "nodes")).trim().split("\n")) {
        const [, address, flags, , , , , , ...ranges] = line.split(" ");
        if (!flags.split(",").includes("master") || flags.includes("fail")) continue;
        for (const range of ranges) {
          const [from, to = from] = range.split("-").map(Number);
          if (slot >= from && slot <= to) return Number(address.split("@")[0].split(":")[1]);
        }
      }
      throw new Error(`no primary serves slot ${slot}`);
    };
    return {
      urls: nodePorts.map((port) => `redis://127.0.0.1:${port}`),
      version,
      cli,
      /** SIGKILL the primary serving `key`; resolves once a replica has taken its slots over and the cluster is ok. */
      async killPrimaryOf(key, timeoutMs = 20_000) {
        const port = await primaryOf(key);
        const child = children.get(port);
        children.delete(port);
        await killChild(child);
        const until = Date.now() + timeoutMs;
        while ((await primaryOf(key).catch(() => port)) === port) {
          if (Date.now() > until) throw new Error(`no failover within ${timeoutMs} ms`);
          await sleep(100);
        }
        await clusterOk(until);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
