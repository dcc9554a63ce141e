// A runtime (deno, bun, node, next start) as a child process serving one app
// on 127.0.0.1: started, its base URL read from what it prints, and stopped.
import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";

/** This folder: the runtimes are its devDependencies (pinned in the lockfile). */
export const RUNTIMES_DIR = __dirname;
const bin = (...parts: string[]) => path.join(RUNTIMES_DIR, "node_modules", ...parts);

/** The runtimes' binaries as installed from npm. */
// The binaries themselves, not node_modules/.bin's shims: a shim would run under whichever `node` it finds
// first (node22/node24 put one in .bin), and signals would reach the shim, not the runtime.
export const BINARIES = {
  deno: bin("deno", "deno"),
  bun: bin("bun", "bin", "bun.exe"),
  /** A script: run it with a Node binary (`process.execPath`, Node 20, for next build and next start). */
  next: bin("next", "dist", "bin", "next"),
  node22: bin("node22", "bin", "node"),
  node24: bin("node24", "bin", "node"),
} as const;

export interface RuntimeProcess {
  /** `http://127.0.0.1:<port>` */
  url: string;
  output(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone. */
  stop(): Promise<void>;
}

export interface StartOptions {
  command: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
  /** How long to wait for the URL (default 20 s). */
  timeoutMs?: number;
  /** Where the URL is in the output (its first group); default: a 127.0.0.1 URL after "listening on" or "Local:". */
  urlPattern?: RegExp;
}

// "listening on http://…" (our apps) or "- Local: http://…" (next start).
const URL_LINE = /(?:listening on|Local:)\s+(http:\/\/127\.0\.0\.1:\d+)/;

/** Starts the process and resolves with its URL once it printed it; rejects (and kills it) if it exits or times out first. */
export async function startRuntime({ command, args, cwd = RUNTIMES_DIR, env = {}, timeoutMs = 20_000, urlPattern = URL_LINE }: StartOptions): Promise<RuntimeProcess> {
  const child: ChildProcess = spawn(command, args, {
    cwd,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group: stop() signals the runtime and any worker it started.
    detached: true,
  });
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // The group is gone already.
    }
  };
  const stop = async () => {
    signal("SIGTERM");
    const timer = setTimeout(() => signal("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
    signal("SIGKILL"); // what is left of the group
    child.stdout!.destroy();
    child.stderr!.destroy();
  };
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = urlPattern.exec(output);
    if (match) return { url: match[1], output: () => output, stop };
    if (gone || Date.now() > deadline) {
      await stop();
      throw new Error(`${path.basename(command)} ${args.join(" ")} did not start (${gone ? "exited" : "timeout"}):\n${output.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Runs a command to its end (e.g. `next build`); rejects with its output unless it exits 0. */
export async function runToEnd({ command, args, cwd = RUNTIMES_DIR, env = {}, timeoutMs = 180_000 }: StartOptions): Promise<string> {
  const child = spawn(command, args, { cwd, env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once("close", (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${path.basename(command)} ${args.join(" ")} failed (exit ${code}):\n${output.trim()}`);
  return output;
}

/** What `next build` and `next start` leave in an app's folder: removed before a build (nothing cached across runs) and after the test. */
export function removeNextOutput(app: string): void {
  for (const name of [".next", "cache", "next-env.d.ts"]) rmSync(path.join(app, name), { recursive: true, force: true });
}
