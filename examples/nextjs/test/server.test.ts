// Builds examples/nextjs with `next build` (from scratch) and serves it with
// `next start`, as a user deploys it, against the test issuer: the shared route
// table on the Node.js runtime (/) and on the Edge runtime (/edge), JWKS
// outages, and a bad configuration stopping the server at start-up.
import path from "node:path";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { issuerEnv, JWKS_DOWN, request, ROOT, routeCases } from "../../shared/harness";
import { removeNextOutput, runToEnd, startRuntime, type RuntimeProcess } from "../../../test/runtimes/runtime-process";

jest.setTimeout(300_000);

const APP = path.join(ROOT, "examples", "nextjs");
const NEXT = path.join(APP, "node_modules", "next", "dist", "bin", "next");
const RUNTIMES = [
  ["Node.js runtime", ""],
  ["Edge runtime", "/edge"],
] as const;

/** `next start` on a free port of 127.0.0.1, configured by `env` (the COGNITO_* variables). */
const start = (env: Record<string, string>) =>
  startRuntime({ command: process.execPath, args: [NEXT, "start", "-p", "0", "-H", "127.0.0.1"], cwd: APP, env: { ...env, PORT: "", HOST: "" } });

let issuer: TestIssuer;
const running: RuntimeProcess[] = [];
let app: RuntimeProcess;

beforeAll(async () => {
  issuer = await createTestIssuer();
  removeNextOutput(APP);
  await runToEnd({ command: process.execPath, args: [NEXT, "build"], cwd: APP });
  app = await start(issuerEnv(issuer));
  running.push(app);
});

afterAll(async () => {
  await Promise.all(running.map((process) => process.stop()));
  await issuer?.close();
  removeNextOutput(APP);
});

describe.each(RUNTIMES)("%s", (_name, prefix) => {
  it("answers every case of the shared table exactly", async () => {
    for (const { name, method, path: pathname, authorization, expected } of routeCases(issuer)) {
      const answer = await request(`${app.url}${prefix}`, pathname, { method, authorization });
      expect({ case: name, ...answer }).toEqual({ case: name, ...expected });
    }
  });

  it("keeps answering from cached keys while the JWKS is down", async () => {
    await request(`${app.url}${prefix}`, "/me", { authorization: `Bearer ${issuer.mintAccessToken()}` });
    issuer.setFault({ mode: "down" });
    try {
      const answer = await request(`${app.url}${prefix}`, "/me", { authorization: `Bearer ${issuer.mintAccessToken({ username: "bob" })}` });
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body).username).toBe("bob");
    } finally {
      issuer.setFault(null);
    }
  });
});

it("answers 503 with Retry-After, never 401, on both runtimes when the JWKS is down and nothing is cached", async () => {
  const down = await createTestIssuer();
  try {
    down.setFault({ mode: "down" });
    const cold = await start(issuerEnv(down));
    running.push(cold);
    const token = `Bearer ${down.mintAccessToken({ scope: "orders/read" })}`;
    for (const [, prefix] of RUNTIMES) {
      expect(await request(`${cold.url}${prefix}`, "/me", { authorization: token })).toEqual(JWKS_DOWN);
      expect(await request(`${cold.url}${prefix}`, "/public", { authorization: token })).toEqual(JWKS_DOWN);
      expect((await request(`${cold.url}${prefix}`, "/health")).status).toBe(200);
    }
  } finally {
    await down.close();
  }
});

const badConfigs: [string, Record<string, string>, RegExp][] = [
  ["COGNITO_USER_POOL_ID is missing", { COGNITO_USER_POOL_ID: "" }, /^COGNITO_USER_POOL_ID is required/],
  ["COGNITO_CLIENT_ID is only commas", { COGNITO_CLIENT_ID: ", ," }, /^COGNITO_CLIENT_ID is required/],
  ["COGNITO_ISSUER is not a URL", { COGNITO_ISSUER: "not a url" }, /^COGNITO_ISSUER must be an absolute http\(s\) URL/],
];

it.each(badConfigs)("stops at start-up with one line naming the variable when %s", async (_label, overrides, message) => {
  const failure = await runToEnd({ command: process.execPath, args: [NEXT, "start", "-p", "0", "-H", "127.0.0.1"], cwd: APP, env: { ...issuerEnv(issuer), ...overrides }, timeoutMs: 20_000 }).then(
    () => "exited 0",
    (err: Error) => err.message,
  );
  expect(failure).toMatch(/failed \(exit 1\)/);
  expect(failure.split("\n").filter((line) => message.test(line))).toHaveLength(1);
});
