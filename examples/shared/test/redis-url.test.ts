// COGNITO_REDIS_URL may carry Redis's password (redis://user:password@host):
// no message of the examples shows it, whether Redis does not answer, the URL
// does not parse, or it is not a redis:// URL. The examples exit 1 with one
// line naming the variable and the URL with its credentials masked.
import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { issuerEnv, ROOT, runToExit, stopAllExamples, type ExampleName } from "../harness";

jest.setTimeout(60_000);

const PASSWORD = "s3cret";
// Both ways into the shared revocationsFromEnv: configFromEnv (express and the
// others) and the token-handler example's own reading of the variable.
const EXAMPLES: ExampleName[] = ["express", "bff"];

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(async () => {
  await stopAllExamples();
  await issuer?.close();
});

/** A local port nobody listens on (free a moment ago). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** The example's environment: a test pool (the bff example offline, with a session secret for Redis). */
const envFor = (name: ExampleName, redisUrl: string): Record<string, string | undefined> =>
  name === "bff"
    ? { PORT: "0", HOST: "127.0.0.1", COGNITO_REDIS_URL: redisUrl, COGNITO_SESSION_SECRET: "a secret for the example, 32 characters or more" }
    : { ...issuerEnv(issuer), COGNITO_REDIS_URL: redisUrl };

test.each(EXAMPLES)("%s: Redis does not answer: exits 1 after 10 s naming COGNITO_REDIS_URL, without its password", async (name) => {
  const port = await closedPort();
  const exit = await runToExit(name, envFor(name, `redis://user:${PASSWORD}@127.0.0.1:${port}`), 30_000);
  expect(exit.code).toBe(1);
  expect(exit.stdout + exit.stderr).not.toContain(PASSWORD);
  const lines = exit.stderr.trimEnd().split("\n");
  expect(lines.at(-1)).toBe(`COGNITO_REDIS_URL redis://***@127.0.0.1:${port}: Redis did not answer within 10 s (connect ECONNREFUSED 127.0.0.1:${port})`);
  // The connection attempts before it, logged as they fail, name no credentials either.
  for (const line of lines.slice(0, -1)) expect(line).toMatch(/^revocation list: Redis: /);
});

test.each(EXAMPLES)("%s: a COGNITO_REDIS_URL that does not parse: one line, no stack, no password", async (name) => {
  const exit = await runToExit(name, envFor(name, `redis://user:${PASSWORD}@[bad`));
  expect(exit.code).toBe(1);
  expect(exit.stdout + exit.stderr).not.toContain(PASSWORD);
  expect(exit.stderr).toBe("COGNITO_REDIS_URL redis://***@[bad is refused: url is not a valid URL (check its host, port and the percent-encoding of its password); it is not repeated here, since it may hold a password\n");
});

test.each([
  ["express", /^COGNITO_REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL, got "http:\/\/\*\*\*@127\.0\.0\.1:6379"\n$/],
  // The token-handler example reads COGNITO_REDIS_URL with the same shared redisFromEnv() as the others.
  ["bff", /^COGNITO_REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL, got "http:\/\/\*\*\*@127\.0\.0\.1:6379"\n$/],
] as const)("%s: a COGNITO_REDIS_URL that is not redis://: one line, no password", async (name, message) => {
  const exit = await runToExit(name, envFor(name, `http://user:${PASSWORD}@127.0.0.1:6379`));
  expect(exit.code).toBe(1);
  expect(exit.stdout + exit.stderr).not.toContain(PASSWORD);
  expect(exit.stderr).toMatch(message);
});

test("redactUrl masks everything from // to the last @, and leaves a URL without credentials alone", () => {
  const cases: [string, string][] = [
    ["redis://user:s3cret@127.0.0.1:6379", "redis://***@127.0.0.1:6379"],
    ["rediss://:p%40ss@cache.example:6380/1", "rediss://***@cache.example:6380/1"],
    ["redis://default@cache.example", "redis://***@cache.example"],
    ["redis://u:p@ss@cache.example:6379", "redis://***@cache.example:6379"],
    ["redis://u:pa/ss#x@cache.example", "redis://***@cache.example"],
    ["user:s3cret@cache.example:6379", "***@cache.example:6379"],
    ["redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"],
  ];
  const script = `import { redactUrl } from "./examples/shared/config.mjs";
process.stdout.write(JSON.stringify(${JSON.stringify(cases.map(([url]) => url))}.map(redactUrl)));`;
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, encoding: "utf8" });
  expect(result.stderr).toBe("");
  expect(JSON.parse(result.stdout)).toEqual(cases.map(([, redacted]) => redacted));
});

test.each([
  [{ COGNITO_REDIS_MODE: "poll" }, /^COGNITO_REDIS_MODE must be subscribe or catch-up, got "poll"\n$/],
  [{ COGNITO_REDIS_MAX_STALENESS_SECONDS: "0" }, /^COGNITO_REDIS_MAX_STALENESS_SECONDS must be a positive number of seconds, got "0"\n$/],
  [{ COGNITO_REDIS_MAX_STALENESS_SECONDS: "soon" }, /^COGNITO_REDIS_MAX_STALENESS_SECONDS must be a positive number of seconds, got "soon"\n$/],
])("a bad revocation-list setting exits 1 with one line naming the variable: %j", async (settings, message) => {
  const exit = await runToExit("lambda", { ...issuerEnv(issuer), COGNITO_REDIS_URL: `redis://user:${PASSWORD}@127.0.0.1:6379`, ...settings });
  expect(exit.code).toBe(1);
  expect(exit.stdout + exit.stderr).not.toContain(PASSWORD);
  expect(exit.stderr).toMatch(message);
});
