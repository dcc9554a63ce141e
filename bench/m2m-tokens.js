// What the client-credentials token source saves (issue 19, item 3): Cognito
// bills every client_credentials token request (about $2.25 per 1,000), so a
// service that asks for a token per call pays for nothing.
//
// `node m2m-tokens.js [--calls=10000] [--seconds=20] [--lifetime=5]` after
// `pnpm build`: 10,000 API calls, paced over 20 s, through
// clientCredentialsFetch to a real API (node:http + the core verifier) with
// tokens from the test issuer that live 5 s, in three set-ups:
//   1. one instance (one source);
//   2. four instances, each its own source (no shared cache);
//   3. four instances sharing the token through a real redis-server.
// The refresh window is 10% of the lifetime, as the default gives an hour-long
// Cognito token (the 60 s floor would otherwise refresh a 5 s token at half-life).
// Prints token-endpoint requests per 10,000 API calls (counted by the issuer),
// per token lifetime, and the cost against a token per call.
import { spawn } from "node:child_process";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { clientCredentialsFetch, createClientCredentials } from "@cognito-bearer/client-credentials";
import { createVerifier } from "@cognito-bearer/core";
import { createTestIssuer } from "@cognito-bearer/testing";
import { createClient } from "redis";

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const CALLS = arg("calls", 10_000);
const SECONDS = arg("seconds", 20);
const LIFETIME = arg("lifetime", 5);
const INSTANCES = 4;
const PRICE_PER_REQUEST = 2.25 / 1000;
const CONCURRENCY = 10;

const issuer = await createTestIssuer({
  oauth: { machineClients: [{ clientId: "bench-worker", clientSecret: "bench-secret", allowedScopes: ["orders/read"], accessTokenLifetimeSeconds: LIFETIME }] },
});
const verifier = createVerifier({ ...issuer.verifierOptions, clientId: "bench-worker" });
let refused = 0;
const api = createHttpServer(async (req, res) => {
  try {
    await verifier.verify((req.headers.authorization ?? "").replace(/^Bearer /, ""));
    res.writeHead(200).end("ok");
  } catch {
    refused++;
    res.writeHead(401, { "www-authenticate": 'Bearer error="invalid_token"' }).end();
  }
});
await new Promise((resolve) => api.listen(0, "127.0.0.1", resolve));
const apiUrl = `http://127.0.0.1:${api.address().port}/orders`;
const redis = await startRedis();

/** CALLS calls paced evenly over SECONDS, spread over the instances' fetches; the token requests the issuer counted. */
async function run(instances) {
  issuer.oauth.resetCounters();
  const calls = instances.map((source) => clientCredentialsFetch(source));
  const started = Date.now();
  let next = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < CALLS; i = next++) {
        const due = started + (i * SECONDS * 1000) / CALLS;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
        const res = await calls[i % calls.length](apiUrl);
        if (res.status !== 200) failed++;
        await res.arrayBuffer();
      }
    }),
  );
  for (const source of instances) source.close();
  return { tokenRequests: issuer.oauth.counters.client_credentials, failed, seconds: (Date.now() - started) / 1000 };
}

// The refresh window as for a real, hour-long token (10% of the lifetime): the
// default's 60 s floor would make a 5 s token refresh at half-life.
const options = {
  tokenEndpoint: issuer.oauth.tokenUrl,
  clientId: "bench-worker",
  clientSecret: "bench-secret",
  scopes: ["orders/read"],
  refreshBeforeExpirySeconds: LIFETIME * 0.1,
};
const redisClients = [];
const setups = [
  ["1 instance", () => [createClientCredentials(options)]],
  [`${INSTANCES} instances, no shared cache`, () => Array.from({ length: INSTANCES }, () => createClientCredentials(options))],
  [
    `${INSTANCES} instances, shared through Redis`,
    () =>
      Array.from({ length: INSTANCES }, () => {
        const client = createClient({ url: redis.url });
        client.on("error", () => undefined);
        redisClients.push(client);
        return createClientCredentials({ ...options, sharedCache: { redis: client } });
      }),
  ],
];

const rows = [];
for (const [name, make] of setups) {
  const instances = make();
  await Promise.all(redisClients.filter((c) => !c.isOpen).map((c) => c.connect()));
  const result = await run(instances);
  const per10k = (result.tokenRequests * 10_000) / CALLS;
  const lifetimes = result.seconds / LIFETIME;
  rows.push({ name, ...result, per10k, perLifetime: result.tokenRequests / lifetimes });
}

const perCallCost = CALLS * PRICE_PER_REQUEST;
const lines = [
  `${CALLS} API calls over ${SECONDS} s, tokens of ${LIFETIME} s (${(SECONDS / LIFETIME).toFixed(1)} lifetimes), ${CONCURRENCY} concurrent, Redis ${redis.version}`,
  "",
  "| set-up | token requests | per 10,000 API calls | per token lifetime | cost | saved vs a token per call | API calls refused |",
  "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  `| a token per call | ${CALLS} | 10,000 | — | $${perCallCost.toFixed(2)} | — | — |`,
  ...rows.map(
    (r) =>
      `| ${r.name} | ${r.tokenRequests} | ${r.per10k.toFixed(1)} | ${r.perLifetime.toFixed(2)} | $${(r.tokenRequests * PRICE_PER_REQUEST).toFixed(4)} | $${(perCallCost - r.tokenRequests * PRICE_PER_REQUEST).toFixed(2)} (${(100 * (1 - r.tokenRequests / CALLS)).toFixed(2)}%) | ${r.failed} |`,
  ),
];
process.stdout.write(`${lines.join("\n")}\n`);

for (const client of redisClients) client.destroy();
redis.stop();
verifier.close();
await new Promise((resolve) => api.close(resolve));
api.closeAllConnections();
await issuer.close();
if (refused > 0) process.exitCode = 1;

async function startRedis() {
  const port = await new Promise((resolve, reject) => {
    const server = createServer().once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port: free } = server.address();
      server.close(() => resolve(free));
    });
  });
  const child = spawn(process.env.REDIS_SERVER ?? "redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  const version = await new Promise((resolve, reject) => {
    let out = "";
    child.once("error", () => reject(new Error("redis-server is not installed")));
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      out += chunk;
      if (out.includes("Ready to accept connections")) resolve(/Redis version=([\d.]+)/.exec(out)?.[1] ?? "7");
    });
  });
  return { url: `redis://127.0.0.1:${port}`, version, stop: () => child.kill("SIGKILL") };
}
