// A real redis-server for a test file: on 127.0.0.1, a free port, no
// persistence (nothing is written to disk), started and stopped by the test.
// `kill()` and `start()` again on the same port simulate an outage and a
// restart (which, without persistence, comes back empty, like a cache node).
// Extra arguments configure it further, e.g. `["--maxmemory-policy", "allkeys-lru"]`
// or `["--rename-command", "CONFIG", ""]` (CONFIG refused, as on ElastiCache).
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

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

/** Where redis-server is: `REDIS_SERVER` or the PATH (`apt-get install redis-server`, `brew install redis`). */
const BINARY = process.env.REDIS_SERVER ?? "redis-server";

export async function startRedisServer(extraArgs: readonly string[] = []): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = () =>
    new Promise<void>((resolve, reject) => {
      const proc = spawn(BINARY, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes", ...extraArgs], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      child = proc;
      let output = "";
      const timer = setTimeout(() => fail(new Error(`redis-server did not start within 10 s: ${output}`)), 10_000);
      const fail = (err: Error) => {
        clearTimeout(timer);
        proc.kill("SIGKILL");
        reject(err);
      };
      proc.once("error", (err) => fail(new Error(`cannot run ${BINARY} (install redis-server): ${err.message}`)));
      proc.once("exit", (code) => fail(new Error(`redis-server exited (${code}) before it was ready: ${output}`)));
      proc.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
        output += chunk;
        if (output.includes("Ready to accept connections")) {
          clearTimeout(timer);
          proc.removeAllListeners("exit");
          resolve();
        }
      });
      proc.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    });

  const kill = async () => {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once("exit", () => resolve());
      proc.kill("SIGKILL");
    });
  };

  await start();
  return { port, url: `redis://127.0.0.1:${port}`, start, kill, stop: kill };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
