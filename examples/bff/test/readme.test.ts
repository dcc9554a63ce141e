// examples/bff/README.md tells how long the offline demo's access tokens live:
// the number must be server.js's default for DEMO_ACCESS_TOKEN_SECONDS, and
// what the running example uses.
import { readFileSync } from "node:fs";
import path from "node:path";
import { startExample, stopAllExamples } from "../../shared/harness";

jest.setTimeout(30_000);
afterAll(() => stopAllExamples());

const read = (file: string) => readFileSync(path.join(__dirname, "..", file), "utf8");

/** "Access tokens live <n> s (`DEMO_ACCESS_TOKEN_SECONDS`)" in the README. */
function readmeSeconds(): number {
  const match = /Access tokens live (\d+) s\s+\(`DEMO_ACCESS_TOKEN_SECONDS`\)/.exec(read("README.md"));
  if (match === null) throw new Error("README.md no longer says how long access tokens live (`DEMO_ACCESS_TOKEN_SECONDS`)");
  return Number(match[1]);
}

/** The default in `env("DEMO_ACCESS_TOKEN_SECONDS") ?? <n>` of server.js. */
function serverDefaultSeconds(): number {
  const match = /env\("DEMO_ACCESS_TOKEN_SECONDS"\) \?\? (\d+)\)/.exec(read("server.js"));
  if (match === null) throw new Error("server.js no longer reads DEMO_ACCESS_TOKEN_SECONDS with a default");
  return Number(match[1]);
}

test("the README's access-token lifetime is server.js's default for DEMO_ACCESS_TOKEN_SECONDS", () => {
  expect(readmeSeconds()).toBe(serverDefaultSeconds());
});

test("the running example, without DEMO_ACCESS_TOKEN_SECONDS, uses the README's lifetime", async () => {
  const app = await startExample("bff", { PORT: "0", HOST: "127.0.0.1", DEMO_ACCESS_TOKEN_SECONDS: undefined });
  const res = await fetch(`${app.url}/demo/config`);
  expect(((await res.json()) as { accessTokenSeconds: number }).accessTokenSeconds).toBe(readmeSeconds());
  await app.stop();
});
