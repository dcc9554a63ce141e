// The cold start on each runtime (issue 18): starts the contract app on it,
// sends one valid token, and prints how long that first answer took and how
// many times the JWKS was fetched (one). `pnpm build && node scripts/runtime-cold-start.mjs`
// (Next.js: build test/runtimes/next-app first with `node test/runtimes/node_modules/next/dist/bin/next build test/runtimes/next-app`).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createTestIssuer } from "@cognito-bearer/testing";

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "test", "runtimes");
const modules = path.join(dir, "node_modules");
const next = path.join(modules, "next", "dist", "bin", "next");

const RUNTIMES = [
  ["Node 20 (Express 5)", process.execPath, ["apps/node-express.mjs"], ""],
  ["Node 22 (Express 5)", path.join(modules, "node22", "bin", "node"), ["apps/node-express.mjs"], ""],
  ["Node 24 (Express 5)", path.join(modules, "node24", "bin", "node"), ["apps/node-express.mjs"], ""],
  ["Deno (Deno.serve)", path.join(modules, "deno", "deno"), ["run", "--allow-net=127.0.0.1", "--allow-env", "--allow-read", "--no-lock", "apps/deno.mjs"], ""],
  ["Bun (Bun.serve)", path.join(modules, "bun", "bin", "bun.exe"), ["apps/bun.mjs"], ""],
  ["Next.js (Node.js runtime)", process.execPath, [next, "start", "-p", "0", "-H", "127.0.0.1", "next-app"], "/node"],
  ["Next.js (Edge runtime)", process.execPath, [next, "start", "-p", "0", "-H", "127.0.0.1", "next-app"], "/edge"],
];

async function coldStart([name, command, args, prefix]) {
  if (args.includes("next-app") && !existsSync(path.join(dir, "next-app", ".next", "BUILD_ID"))) return `${name}: not built (see the header)`;
  const issuer = await createTestIssuer();
  const child = spawn(command, args, { cwd: dir, env: { ...process.env, NO_COLOR: "1", NEXT_TELEMETRY_DISABLED: "1", CONTRACT_OPTIONS: JSON.stringify([issuer.verifierOptions]) }, stdio: ["ignore", "pipe", "inherit"] });
  try {
    let output = "";
    const url = await new Promise((resolve, reject) => {
      child.stdout.setEncoding("utf8").on("data", (chunk) => {
        output += chunk;
        const match = /(?:listening on|Local:)\s+(http:\/\/\S+)/.exec(output);
        if (match) resolve(match[1]);
      });
      child.once("exit", () => reject(new Error(`${name} exited`)));
    });
    const token = issuer.mintAccessToken({ username: "alice" });
    const started = performance.now();
    const response = await fetch(`${url}${prefix}/me`, { headers: { authorization: `Bearer ${token}` } });
    await response.text();
    const first = performance.now() - started;
    const again = performance.now();
    await (await fetch(`${url}${prefix}/me`, { headers: { authorization: `Bearer ${token}` } })).text();
    const second = performance.now() - again;
    return `${name}: first request ${response.status} in ${first.toFixed(1)} ms (JWKS fetches: ${issuer.jwksRequests}); the next (cache hit) ${second.toFixed(1)} ms`;
  } catch (err) {
    return `${name}: ${err.message}`;
  } finally {
    child.kill("SIGKILL");
    await issuer.close();
  }
}

for (const runtime of RUNTIMES) console.log(await coldStart(runtime));
