// The Workers example (src/index.js) bundled as wrangler bundles it (esbuild,
// conditions workerd, worker, browser) and run in the real workerd through
// miniflare, configured by bindings pointing at a test issuer: the examples'
// shared route table, a JWKS outage, and a missing binding.
import path from "node:path";
import { build } from "esbuild";
import type { Readable } from "node:stream";
import { Miniflare } from "miniflare";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { issuerEnv, JWKS_DOWN, request, routeCases } from "../../shared/harness";

jest.setTimeout(30_000);

let script: string;
let issuer: TestIssuer;
const running: Miniflare[] = [];

/** A worker on workerd; its console output (the Worker's log) is collected, not printed. */
async function startWorker(bindings: Record<string, string>): Promise<{ url: string; log: () => string }> {
  let log = "";
  const mf = new Miniflare({
    modules: true,
    script,
    compatibilityDate: "2025-09-01",
    bindings,
    host: "127.0.0.1",
    port: 0,
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      for (const stream of [stdout, stderr]) stream.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")));
    },
  });
  running.push(mf);
  return { url: (await mf.ready).origin, log: () => log };
}

/** The COGNITO_* bindings of the shared harness (PORT and HOST are wrangler's business here). */
function bindingsFor(testIssuer: TestIssuer): Record<string, string> {
  const { PORT: _port, HOST: _host, ...cognito } = issuerEnv(testIssuer);
  return cognito;
}

/** The Worker's log arrives through workerd's stdio, shortly after the answer. */
async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the Worker's log");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  const result = await build({
    entryPoints: [path.join(__dirname, "../src/index.js")],
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    logLevel: "silent",
    tsconfigRaw: {},
  });
  script = result.outputFiles[0].text;
  issuer = await createTestIssuer();
});

afterAll(async () => {
  await Promise.all(running.map((mf) => mf.dispose()));
  await issuer?.close();
});

test("answers the examples' route table", async () => {
  const { url } = await startWorker(bindingsFor(issuer));
  for (const { name, method, path: pathname, authorization, expected } of routeCases(issuer)) {
    const answer = await request(url, pathname, { method, authorization });
    expect({ case: name, ...answer }).toEqual({ case: name, ...expected });
  }
});

test("a cold isolate fetches the JWKS once, then answers from cached keys while the JWKS is down", async () => {
  const { url } = await startWorker(bindingsFor(issuer));
  issuer.resetCounters();
  expect((await request(url, "/me", { authorization: `Bearer ${issuer.mintAccessToken()}` })).status).toBe(200);
  expect(issuer.jwksRequests).toBe(1);
  issuer.setFault({ mode: "down" });
  try {
    const answer = await request(url, "/me", { authorization: `Bearer ${issuer.mintAccessToken({ username: "bob" })}` });
    expect({ status: answer.status, username: JSON.parse(answer.body).username }).toEqual({ status: 200, username: "bob" });
  } finally {
    issuer.setFault(null);
  }
});

test("a JWKS outage on a cold isolate is 503 with Retry-After, never 401", async () => {
  const down = await createTestIssuer();
  try {
    down.setFault({ mode: "down" });
    const { url, log } = await startWorker(bindingsFor(down));
    const token = down.mintAccessToken();
    expect(await request(url, "/me", { authorization: `Bearer ${token}` })).toEqual(JWKS_DOWN);
    // The operator learns of it in the Worker's log (once, naming the JWKS), without the token.
    await waitFor(() => log().includes("COGNITO_BEARER_JWKS_UNAVAILABLE"));
    expect(log()).toContain(down.jwksUri);
    expect(log()).not.toContain(token.split(".")[2]);
  } finally {
    await down.close();
  }
});

test("a missing binding is a 500, not a 401", async () => {
  const { COGNITO_CLIENT_ID: _clientId, ...withoutClient } = bindingsFor(issuer);
  const { url, log } = await startWorker(withoutClient);
  const answer = await request(url, "/me", { authorization: `Bearer ${issuer.mintAccessToken()}` });
  expect({ status: answer.status, body: answer.body }).toEqual({ status: 500, body: JSON.stringify({ error: "server_error" }) });
  await waitFor(() => log().includes("COGNITO_CLIENT_ID is required"));
});
