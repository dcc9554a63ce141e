// `pnpm -C examples/nextjs-bff start`: builds the app if it has no build yet (`next build`), then serves it with
// `next start` on HOST (default 127.0.0.1) and PORT (default 3000; 0 picks a free one). Everything else (the
// local Cognito offline, the orders API) starts inside `next start`: see instrumentation.ts.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const next = createRequire(import.meta.url).resolve("next/dist/bin/next");
const env = (name) => process.env[name]?.trim() || undefined;
const fail = (message) => {
  process.stderr.write(`${message}\n`);
  process.exit(1);
};

const port = env("PORT") ?? "3000";
if (!/^\d+$/.test(port) || Number(port) > 65535) fail(`PORT must be an integer from 0 to 65535, got "${port}"`);
const host = env("HOST") ?? "127.0.0.1";

/** Runs `next <args>` in this folder; resolves with its exit code (signals sent to us reach it too). */
function runNext(args) {
  const child = spawn(process.execPath, [next, ...args], { cwd: here, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: process.env.NEXT_TELEMETRY_DISABLED ?? "1" } });
  const forward = (signal) => child.kill(signal);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  return new Promise((resolve) =>
    child.once("exit", (code, signal) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      resolve(code ?? (signal === "SIGINT" ? 130 : 143));
    }),
  );
}

// A build is made once: `next build` writes .next/BUILD_ID last, so a broken build is made again.
if (!existsSync(path.join(here, ".next", "BUILD_ID"))) {
  const code = await runNext(["build"]);
  if (code !== 0) fail(`next build failed (exit ${code})`);
}
process.exitCode = await runNext(["start", "-p", port, "-H", host]);
