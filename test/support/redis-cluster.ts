// A real Redis Cluster for a test file: 6 redis-server processes on 127.0.0.1
// (3 primaries, 3 replicas), free ports, no persistence, their nodes-*.conf in
// a temporary directory removed by stop(). `killPrimaryOf(key)` SIGKILLs the
// primary serving a key and waits for its replica to take over.
// Needs redis-server and redis-cli (Debian: redis-server and redis-tools).
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export interface RedisClusterNode {
  readonly port: number;
  readonly url: string;
}

export interface RedisCluster {
  readonly nodes: readonly RedisClusterNode[];
  /** `redis://127.0.0.1:P` of every node. */
  readonly urls: readonly string[];
  /** The port of the primary serving `key`'s slot now. */
  primaryOf(key: string): Promise<number>;
  /** SIGKILL the primary serving `key`; resolves (with its port) once a replica has taken over and the cluster is ok again. */
  killPrimaryOf(key: string, timeoutMs?: number): Promise<number>;
  /** `redis-cli -p port …` on a node (its stdout). */
  cli(port: number, ...args: string[]): Promise<string>;
  /** Stop every node and remove the temporary directory (idempotent). */
  stop(): Promise<void>;
}

const SERVER = process.env.REDIS_SERVER ?? "redis-server";
const CLI = process.env.REDIS_CLI ?? "redis-cli";
/** How long a node may be unreachable before it is marked failed (the failover starts after about twice this). */
const NODE_TIMEOUT_MS = 1000;

export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = await mkdtemp(path.join(tmpdir(), "cognito-bearer-cluster-"));
  const children = new Map<number, ChildProcess>();
  const stop = async () => {
    await Promise.all([...children.values()].map((child) => killChild(child)));
    children.clear();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const ports = await freePorts(12);
    const nodes = ports.slice(0, 6).map((port) => ({ port, url: `redis://127.0.0.1:${port}` }));
    await Promise.all(
      nodes.map(async ({ port }, index) => {
        const child = await startServer([
          "--port", String(port),
          "--cluster-port", String(ports[6 + index]),
          "--bind", "127.0.0.1",
          "--cluster-enabled", "yes",
          "--cluster-config-file", path.join(dir, `nodes-${port}.conf`),
          "--cluster-node-timeout", String(NODE_TIMEOUT_MS),
          "--dir", dir,
          "--save", "",
          "--appendonly", "no",
        ]);
        children.set(port, child);
      }),
    );
    const cli = (port: number, ...args: string[]) => run(CLI, ["-h", "127.0.0.1", "-p", String(port), ...args], 20_000);
    await cli(nodes[0].port, "--cluster", "create", ...nodes.map(({ port }) => `127.0.0.1:${port}`), "--cluster-replicas", "1", "--cluster-yes");
    const alive = () => nodes.filter(({ port }) => children.has(port));
    const clusterOk = async (deadline: number) => {
      for (;;) {
        const states = await Promise.all(alive().map(({ port }) => cli(port, "cluster", "info").catch(() => "")));
        // Every node ok, and every node agreeing that each slot has a primary.
        if (states.every((info) => /cluster_state:ok/.test(info) && /cluster_slots_ok:16384/.test(info))) return;
        if (Date.now() > deadline) throw new Error(`the cluster did not become ok in time: ${states.map((s) => /cluster_state:\w+/.exec(s)?.[0]).join(", ")}`);
        await sleep(100);
      }
    };
    await clusterOk(Date.now() + 20_000);

    const primaryOf = async (key: string) => {
      const port = alive()[0].port;
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
      nodes,
      urls: nodes.map(({ url }) => url),
      primaryOf,
      cli,
      async killPrimaryOf(key, timeoutMs = 20_000) {
        const port = await primaryOf(key);
        const child = children.get(port)!;
        children.delete(port);
        await killChild(child);
        const deadline = Date.now() + timeoutMs;
        // A replica is promoted: the key's slot has a live primary again, and the cluster is ok.
        for (;;) {
          const now = await primaryOf(key).catch(() => port);
          if (now !== port) break;
          if (Date.now() > deadline) throw new Error(`no failover within ${timeoutMs} ms`);
          await sleep(100);
        }
        await clusterOk(deadline);
        return port;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function startServer(args: string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const proc = spawn(SERVER, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const fail = (err: Error) => {
      clearTimeout(timer);
      proc.kill("SIGKILL");
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`redis-server did not start within 10 s: ${output}`)), 10_000);
    proc.once("error", (err) => fail(new Error(`cannot run ${SERVER} (install redis-server): ${err.message}`)));
    proc.once("exit", (code) => fail(new Error(`redis-server exited (${code}) before it was ready: ${output}`)));
    proc.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        proc.removeAllListeners("exit");
        resolve(proc);
      }
    });
    proc.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  });
}

/**
 * SIGKILL, resolved on 'exit', or once the process is gone or a zombie: under load Node's 'exit' for a killed
 * redis-server was seen not to come within a minute, so the process table is checked too (bounded: 10 s).
 */
export function killChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const pid = proc.pid;
    const done = () => {
      clearInterval(poll);
      clearTimeout(limit);
      resolve();
    };
    const poll = setInterval(() => {
      if (pid === undefined || gone(pid)) {
        done();
      }
    }, 100);
    const limit = setTimeout(done, 10_000);
    proc.once("exit", done);
    proc.kill("SIGKILL");
  });
}

/** No such process, or a zombie (dead, not yet reaped). */
function gone(pid: number): boolean {
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

export function run(file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, encoding: "utf8" }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(file)} ${args.slice(0, 6).join(" ")}…: ${err.message} ${stderr}`.trim()));
      else resolve(stdout);
    });
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `count` distinct free ports on 127.0.0.1 (held open together, so none is handed out twice). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}
