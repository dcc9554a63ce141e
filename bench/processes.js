// Child processes of the benchmark: started pinned to a core when `taskset`
// exists, spoken to over IPC, and all killed at the end, even on error.
import { spawn, spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname } from "node:path";

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));

const hasTaskset = spawnSync("taskset", ["-c", "0", "true"], { stdio: "ignore" }).status === 0;
const cores = availableParallelism();

/**
 * Where each role runs. With taskset and 2+ cores, servers and in-process
 * measurements own core 1 and the load generator (and this orchestrator) core 0.
 */
export const PINNING = hasTaskset && cores >= 2 ? { server: 1, load: 0, enabled: true } : { server: null, load: null, enabled: false };

const children = new Set();
let nextId = 1;

/** Start `node <script> ...args` (optionally pinned to `core`) with an IPC channel. */
export function startChild(script, { core = null, execArgv = [], args = [], env = {} } = {}) {
  const nodeArgs = [...execArgv, script, ...args];
  const [command, argv] = core !== null && hasTaskset ? ["taskset", ["-c", String(core), process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const child = spawn(command, argv, {
    cwd: BENCH_DIR,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env, ...env },
  });
  children.add(child);
  const pending = new Map();
  child.once("exit", (code, signal) => {
    children.delete(child);
    const reason = new Error(`${script} exited (${signal ?? code}) before answering`);
    for (const { reject } of pending.values()) reject(reason);
    pending.clear();
  });
  child.on("error", (err) => {
    for (const { reject } of pending.values()) reject(err);
    pending.clear();
  });
  child.on("message", (msg) => {
    const waiter = pending.get(msg?.id);
    if (!waiter) return;
    pending.delete(msg.id);
    if (msg.error) waiter.reject(new Error(`${script}: ${msg.error}`));
    else waiter.resolve(msg.result);
  });
  /** Send a command; resolves with the child's answer. */
  child.call = (type, params = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ id, type, params }, (err) => {
        if (err) {
          pending.delete(id);
          reject(err);
        }
      });
    });
  return child;
}

/** Stop one child: SIGTERM, then SIGKILL after a grace period. */
export function stopChild(child, graceMs = 2000) {
  if (child.exitCode !== null || child.signalCode !== null || !children.has(child)) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** Stop every child still running. */
export function stopAllChildren() {
  return Promise.all([...children].map((child) => stopChild(child)));
}

/** Last resort on a synchronous exit: no time to wait. */
export function killAllChildrenNow() {
  for (const child of children) child.kill("SIGKILL");
}

/** In a child: answer the parent's commands with `handlers[type](params)`; exit when the parent goes away. */
export function serveParent(handlers) {
  process.on("disconnect", () => process.exit(0));
  process.on("message", async (msg) => {
    const handler = handlers[msg?.type];
    try {
      if (!handler) throw new Error(`unknown command ${msg?.type}`);
      const result = await handler(msg.params ?? {});
      process.send({ id: msg.id, result });
    } catch (err) {
      process.send({ id: msg.id, error: err instanceof Error ? err.stack ?? err.message : String(err) });
    }
  });
}

/** True when this module file is the process's entry point. */
export function isMain(importMetaUrl) {
  return process.argv[1] !== undefined && importMetaUrl === pathToFileURL(process.argv[1]).href;
}
