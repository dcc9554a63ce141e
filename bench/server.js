// One HTTP server in its own process: `node server.js <kind>`, where
// servers/<kind>.js builds the app. Answers the orchestrator over IPC:
// `start` (listen on 127.0.0.1, answer the port), `cpu` (CPU time used so
// far, to turn req/s into CPU per request on a noisy machine, and the number
// of connections accepted, to catch a server that closes keep-alive ones), and
// `profileStart`/`profileStop` (a V8 CPU profile of the load in between).
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { Session } from "node:inspector/promises";
import { isMain, serveParent } from "./processes.js";

let connections = 0;
let app;

async function start({ kind, cfg }) {
  const { create } = await import(`./servers/${kind}.js`);
  app = await create(cfg);
  const server = createServer(app);
  server.keepAliveTimeout = 60_000;
  server.on("connection", () => connections++);
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  process.on("SIGTERM", () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
  return { port: server.address().port };
}

// CPU profiling on demand (profile.js): only the measured load is sampled.
let session;
async function profileStart({ intervalMicros = 200 }) {
  session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: intervalMicros });
  await session.post("Profiler.start");
  return true;
}
async function profileStop({ file }) {
  const { profile } = await session.post("Profiler.stop");
  session.disconnect();
  writeFileSync(file, JSON.stringify(profile));
  return file;
}

if (isMain(import.meta.url)) {
  serveParent({
    start,
    cpu: () => ({ ...process.cpuUsage(), connections }),
    profileStart,
    profileStop,
    // What the app reports about itself, if anything (servers/node-cognito-redis.js: its revocation list's counts).
    stats: () => app?.stats?.() ?? null,
  });
}
