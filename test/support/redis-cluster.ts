// A real Redis Cluster for a test file: 6 redis-server processes on 127.0.0.1
// (3 primaries, 3 replicas), free ports, no persistence, their nodes-*.conf in
// a temporary directory removed by stop(). `killPrimaryOf(key)` SIGKILLs the
// primary serving a key and waits for its replica to take over.
// Needs redis-server and redis-cli (Debian: redis-server and redis-tools).
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePorts, killChild, run, spawnRedisServer } from "./redis-process";

export { killChild, run } from "./redis-process";

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
  /**
   * Resolves once every live replica has caught up with its primary (link up, no sync in progress, and its
   * replication offset at the primary's). Redis replicates asynchronously: a write is only safe from a failover
   * once this holds (a WAIT from another connection proves nothing: it only waits for that connection's writes).
   */
  replicated(timeoutMs?: number): Promise<void>;
  /** `redis-cli -p port …` on a node (its stdout). */
  cli(port: number, ...args: string[]): Promise<string>;
  /** Stop every node and remove the temporary directory (idempotent). */
  stop(): Promise<void>;
}

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
        const child = await spawnRedisServer([
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

    const info = async (port: number) =>
      Object.fromEntries(
        (await cli(port, "info", "replication"))
          .split(/\r?\n/)
          .map((line) => line.split(":"))
          .filter((pair) => pair.length >= 2)
          .map(([name, ...rest]) => [name, rest.join(":")]),
      ) as Record<string, string>;
    const replicated = async (timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const states = await Promise.all(
          alive().map(async ({ port }) => {
            const fields: Record<string, string> = await info(port).catch(() => ({}));
            return { port, role: fields.role, connected_slaves: fields.connected_slaves, master_port: fields.master_port, master_link_status: fields.master_link_status, master_sync_in_progress: fields.master_sync_in_progress, slave_repl_offset: fields.slave_repl_offset, master_repl_offset: fields.master_repl_offset };
          }),
        );
        const byPort = new Map(states.map((state) => [state.port, state]));
        const replicas = states.filter((state) => state.role === "slave");
        const primaries = states.filter((state) => state.role === "master" && Number(state.connected_slaves) > 0);
        const caughtUp = replicas.every((replica) => {
          const primary = byPort.get(Number(replica.master_port));
          return (
            replica.master_link_status === "up" &&
            replica.master_sync_in_progress === "0" &&
            primary !== undefined &&
            Number(replica.slave_repl_offset) >= Number(primary.master_repl_offset)
          );
        });
        if (replicas.length > 0 && primaries.length > 0 && caughtUp) return;
        if (Date.now() > deadline) throw new Error(`the replicas did not catch up within ${timeoutMs} ms`);
        await sleep(50);
      }
    };
    // The replicas' first full sync is done before any test writes: a failover before it would promote an empty node.
    await replicated();

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
      replicated,
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

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
