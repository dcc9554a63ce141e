// Runs once when `next start` starts, before the first request is served
// (Next awaits register() before it handles any). On the Node.js runtime it
// starts what runs beside the app, server/runtime.mjs: the orders API, the
// revocation list it shares with the BFF and, offline, the local Cognito.
// Why there and not in a launcher script: see server/runtime.mjs.
import type { Runtime } from "./lib/runtime";

export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { pathToFileURL } = await import("node:url");
  const path = await import("node:path");
  // `next start` runs in the app's folder (pnpm -C examples/nextjs-bff start). Loaded by Node, not bundled:
  // servers (Express, Redis's client, the test issuer) are not app code.
  const file = pathToFileURL(path.join(process.cwd(), "server", "runtime.mjs")).href;
  const { startRuntime } = await import(/* turbopackIgnore: true */ /* webpackIgnore: true */ file);
  // process.env.PORT is the port `next start` listens on (it sets it once listening, PORT=0 included).
  const runtime: Runtime = await startRuntime({ port: Number(process.env.PORT) });
  // A global, not a module variable: instrumentation, route handlers and pages are separate bundles, each
  // with its own copy of lib/runtime.ts, and all of them must see this one runtime (and one BFF, see lib/bff.ts).
  (globalThis as { [key: symbol]: unknown })[Symbol.for("cognito-bearer.example-nextjs-bff")] = runtime;
}
