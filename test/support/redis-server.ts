// A real redis-server for a test file: on 127.0.0.1, a free port, no
// persistence (nothing is written to disk), started and stopped by the test.
// `kill()` and `start()` again on the same port simulate an outage and a
// restart (which, without persistence, comes back empty, like a cache node).
// Extra arguments configure it further, e.g. `["--maxmemory-policy", "allkeys-lru"]`
// or `["--rename-command", "CONFIG", ""]` (CONFIG refused, as on ElastiCache).
import type { ChildProcess } from "node:child_process";
import { freePort, killChild, spawnRedisServer } from "./redis-process";

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Start (again) on the same port; resolves once it accepts connections. */
  start(): Promise<void>;
  /** SIGKILL: the connections drop at once, as when a node dies. */
  kill(): Promise<void>;
  /** Stop for good (idempotent). */
  stop(): Promise<void>;
}

export async function startRedisServer(extraArgs: readonly string[] = []): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = async () => {
    child = await spawnRedisServer(["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes", ...extraArgs]);
  };

  const kill = async () => {
    const proc = child;
    child = undefined;
    if (proc !== undefined) await killChild(proc);
  };

  await start();
  return { port, url: `redis://127.0.0.1:${port}`, start, kill, stop: kill };
}
