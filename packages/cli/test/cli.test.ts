// `cognito-bearer explain` as users run it: the built bin in a child process,
// against a local issuer (pnpm test builds the packages first).
import { spawn } from "node:child_process";
import { join } from "node:path";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";

const BIN = join(__dirname, "..", "dist", "esm", "bin.js");
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(() => issuer.close());

function run(args: string[], { stdin, env = {} }: { stdin?: string; env?: Record<string, string> } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });
}

const pool = () => ["--pool", issuer.userPoolId, "--client", issuer.clientId, "--issuer", issuer.issuer];

test("a valid token: exit 0, the verdict, the decoded claims and every check", async () => {
  const token = issuer.mintAccessToken({ username: "alice" });
  const { code, stdout } = await run(["explain", token, ...pool()]);
  expect(code).toBe(0);
  expect(stdout).toMatch(/^verdict {3}valid \(200\)$/m);
  expect(stdout).toContain('"username":"alice"');
  expect(stdout).toMatch(/✓ signature/);
  expect(stdout).not.toContain(token);
  expect(stdout).not.toContain(token.split(".")[2]);
});

test("an expired token from standard input, the pool from the environment: exit 1 and why", async () => {
  const token = issuer.mintAccessToken({}, { expiresInSeconds: -60 });
  const env = { COGNITO_USER_POOL_ID: issuer.userPoolId, COGNITO_CLIENT_ID: issuer.clientId, COGNITO_ISSUER: issuer.issuer };
  const { code, stdout } = await run(["explain"], { stdin: `Bearer ${token}\n`, env });
  expect(code).toBe(1);
  expect(stdout).toMatch(/^verdict {3}refused \(401 expired\): The access token has expired$/m);
  expect(stdout).toMatch(/✗ expiry .*ago/);
});

test("--json for machines", async () => {
  const { code, stdout } = await run(["explain", issuer.mintIdToken(), ...pool(), "--json"]);
  expect(code).toBe(1);
  const report = JSON.parse(stdout);
  expect(report).toMatchObject({ verdict: "refused", status: 401, reason: "wrong_token_use" });
  expect(report.checks.find((check: { check: string }) => check.check === "token_use")).toMatchObject({ outcome: "fail", found: "id" });
});

test("the JWKS unreachable: exit 3", async () => {
  const down = await createTestIssuer();
  down.setFault({ mode: "down" });
  try {
    const { code, stdout } = await run(["explain", down.mintAccessToken(), "--pool", down.userPoolId, "--client", down.clientId, "--issuer", down.issuer]);
    expect(code).toBe(3);
    expect(stdout).toMatch(/unavailable \(503 jwks_unavailable\)/);
  } finally {
    await down.close();
  }
});

test.each([
  [["--isuer", "http://127.0.0.1:1/p"], "unknown option --isuer (did you mean --issuer?)"],
  [["--jwks-url=http://127.0.0.1:1/jwks"], "unknown option --jwks-url (did you mean --jwks-uri?)"],
  [["--scope", "a"], "unknown option --scope (did you mean --scopes?)"],
  [["--frobnicate"], "unknown option --frobnicate"],
  [["-x"], "unknown option -x"],
  [["--toString"], "unknown option --toString"],
])("an unknown flag %j: exit 2, the flag (and the one meant) first, then one line on --help, no usage dump", async (flag, message) => {
  const { code, stdout, stderr } = await run(["explain", "a.b.c", "--pool", "eu-west-1_AbCdEf123", "--client", "c", ...flag]);
  expect(code).toBe(2);
  expect(stdout).toBe("");
  expect(stderr).toBe(`${message}\nRun cognito-bearer explain --help for the options.\n`);
});

test("a flag without its value: node's message on one line, then the --help line", async () => {
  const { code, stderr } = await run(["explain", "a.b.c", "--client", "c", "--pool"]);
  expect(code).toBe(2);
  expect(stderr.trimEnd().split("\n")).toEqual([expect.stringContaining("--pool"), "Run cognito-bearer explain --help for the options."]);
});

test.each([
  ["no subcommand", []],
  ["another subcommand", ["verify", "x"]],
  ["no pool or client", ["explain", "a.b.c"]],
  ["an unknown flag", ["explain", "a.b.c", "--pool", "p", "--client", "c", "--frobnicate"]],
  ["a bad pool id", ["explain", "a.b.c", "--pool", "not-a-pool", "--client", "c"]],
])("usage errors exit 2: %s", async (_name, args) => {
  const { code, stderr } = await run(args);
  expect(code).toBe(2);
  expect(stderr.length).toBeGreaterThan(0);
});
