// Starting and stopping real redis-server processes for the tests' harnesses
// (standalone, cluster, TLS): where the binary is, free ports, a start that
// waits for "Ready to accept connections", and a kill that always settles.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";

/** Where redis-server is: `REDIS_SERVER` or the PATH (`apt-get install redis-server`, `brew install redis`). */
export const REDIS_SERVER = process.env.REDIS_SERVER ?? "redis-server";

/** Starts redis-server with `args`; resolves once it accepts connections (10 s at most). `what` names it in errors. */
export function spawnRedisServer(args: readonly string[], what = "redis-server"): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const proc = spawn(REDIS_SERVER, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const fail = (err: Error) => {
      clearTimeout(timer);
      proc.kill("SIGKILL");
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`${what} did not start within 10 s: ${output}`)), 10_000);
    proc.once("error", (err) => fail(new Error(`cannot run ${REDIS_SERVER} (install redis-server): ${err.message}`)));
    proc.once("exit", (code) => fail(new Error(`${what} exited (${code}) before it was ready: ${output}`)));
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

/** `count` distinct free ports on 127.0.0.1 (held open together, so none is handed out twice). */
export async function freePorts(count: number): Promise<number[]> {
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

export async function freePort(): Promise<number> {
  return (await freePorts(1))[0];
}
