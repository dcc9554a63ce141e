// The HTTP servers compared in section 2, one child process each, pinned to
// the server core. `framework` groups a server with its bare baseline; `ours`
// marks cognito-bearer's adapters; `peer` the other middlewares; `ceiling`
// the framework with one middleware that does nothing (what any auth layer
// costs at least); `variant` ours in another configuration.
import { PINNING, startChild, stopChild } from "./processes.js";

export const SERVERS = [
  { kind: "express-bare", label: "Express 5 (bare)", framework: "express", role: "bare" },
  { kind: "express-noop", label: "Express 5 + a no-op middleware", framework: "express", role: "ceiling" },
  { kind: "express-cognito", label: "Express 5 + cognito-bearer", framework: "express", role: "ours" },
  { kind: "express-aws-naive", label: "Express 5 + naive aws-jwt-verify", framework: "express", role: "peer" },
  { kind: "express-jose", label: "Express 5 + jose", framework: "express", role: "peer" },
  { kind: "express-oauth2", label: "Express 5 + express-oauth2-jwt-bearer", framework: "express", role: "peer" },
  { kind: "express-jwt", label: "Express 5 + express-jwt + jwks-rsa", framework: "express", role: "peer" },
  { kind: "koa-bare", label: "Koa 3 (bare)", framework: "koa", role: "bare" },
  { kind: "koa-noop", label: "Koa 3 + a no-op middleware", framework: "koa", role: "ceiling" },
  { kind: "koa-cognito", label: "Koa 3 + cognito-bearer", framework: "koa", role: "ours" },
  { kind: "koa-jwt", label: "Koa 3 + koa-jwt + jwks-rsa", framework: "koa", role: "peer" },
  { kind: "node-bare", label: "node:http (bare)", framework: "node", role: "bare" },
  { kind: "node-noop", label: "node:http + a no-op wrapper", framework: "node", role: "ceiling" },
  { kind: "node-cognito", label: "node:http + cognito-bearer", framework: "node", role: "ours" },
  { kind: "node-cognito-revoked", label: "node:http + cognito-bearer, 100,000 revoked sessions", framework: "node", role: "variant" },
  { kind: "node-cognito-otel-off", label: "node:http + cognito-bearer, OTel loaded, telemetry off", framework: "node", role: "variant" },
  { kind: "node-cognito-otel", label: "node:http + cognito-bearer, OTel metrics on (default)", framework: "node", role: "variant" },
  { kind: "node-cognito-otel-recorded", label: "node:http + cognito-bearer, OTel metrics on, cacheHits: recorded", framework: "node", role: "variant" },
  { kind: "node-cognito-server-span", label: "node:http + cognito-bearer in a server span, no telemetry", framework: "node", role: "variant" },
  { kind: "node-cognito-otel-traces", label: "node:http + cognito-bearer in a server span, OTel metrics and traces on (default)", framework: "node", role: "variant" },
  { kind: "fastify-bare", label: "Fastify 5 (bare)", framework: "fastify", role: "bare" },
  { kind: "fastify-noop", label: "Fastify 5 + a no-op onRequest hook", framework: "fastify", role: "ceiling" },
  { kind: "fastify-cognito", label: "Fastify 5 + cognito-bearer", framework: "fastify", role: "ours" },
  { kind: "hono-bare", label: "Hono (bare, @hono/node-server)", framework: "hono", role: "bare" },
  { kind: "hono-noop", label: "Hono + a no-op middleware", framework: "hono", role: "ceiling" },
  { kind: "hono-cognito", label: "Hono + cognito-bearer", framework: "hono", role: "ours" },
];

/** Start every server (one process each); resolves to [{ ...server, child, url }]. */
export async function startServers(cfg, servers = SERVERS) {
  const started = [];
  try {
    for (const server of servers) {
      const child = startChild("server.js", { core: PINNING.server });
      started.push({ ...server, child });
      const { port } = await child.call("start", { kind: server.kind, cfg });
      started.at(-1).url = `http://127.0.0.1:${port}/`;
    }
  } catch (err) {
    await Promise.all(started.map((s) => stopChild(s.child)));
    throw err;
  }
  return started;
}

/** CPU seconds the server process has used so far, and the connections it has accepted. */
export async function serverCounters(server) {
  const { user, system, connections } = await server.child.call("cpu");
  return { cpuSeconds: (user + system) / 1e6, connections };
}

export function stopServers(started) {
  return Promise.all(started.map((s) => stopChild(s.child)));
}
