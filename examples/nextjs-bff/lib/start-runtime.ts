// Imported by instrumentation.ts on the Node.js runtime only: starts
// server/runtime.mjs (the orders API, the revocation list it shares with the
// BFF and, offline, the local Cognito) and leaves it where every bundle of the
// app finds it. Why in this process and not in a launcher: see server/runtime.mjs.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { RUNTIME_KEY, type Runtime } from "./runtime";

// `next start` runs in the app's folder (pnpm -C examples/nextjs-bff start). Loaded by Node, not bundled:
// servers (Express, Redis's client, the test issuer) are not app code.
const file = pathToFileURL(path.join(process.cwd(), "server", "runtime.mjs")).href;
const { startRuntime } = (await import(/* turbopackIgnore: true */ /* webpackIgnore: true */ file)) as {
  startRuntime(app: { port: number }): Promise<Runtime>;
};
// process.env.PORT is the port `next start` listens on: it sets it once listening (PORT=0 included).
// A global, not a module variable: instrumentation, route handlers and pages are separate bundles, each with
// its own copy of lib/runtime.ts, and all of them must see this one runtime (and one BFF, see lib/bff.ts).
(globalThis as { [key: symbol]: unknown })[RUNTIME_KEY] = await startRuntime({ port: Number(process.env.PORT) });
