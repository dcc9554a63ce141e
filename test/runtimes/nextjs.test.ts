// The contract table on Next.js 16 (App Router), built and served as users
// deploy it: a real `next build` (Turbopack, from scratch) and `next start`,
// route handlers on the Node.js runtime (/node/*) and on the Edge runtime
// (/edge/*) of one app (next-app/), with @cognito-bearer/fetch.
import { readFileSync } from "node:fs";
import path from "node:path";
import { contractEnv, describeContractOn, useContractWorld } from "./contract-suite.js";
import { BINARIES, removeNextOutput, RUNTIMES_DIR, runToEnd, startRuntime, type RuntimeProcess } from "./runtime-process.js";

jest.setTimeout(300_000);

const APP = path.join(RUNTIMES_DIR, "next-app");
const world = useContractWorld();
let next: RuntimeProcess | undefined;

beforeAll(async () => {
  // Nothing cached from an earlier run: the build is the one CI makes.
  removeNextOutput(APP);
  await runToEnd({ command: process.execPath, args: [BINARIES.next, "build"], cwd: APP });
  next = await startRuntime({ command: process.execPath, args: [BINARIES.next, "start", "-p", "0", "-H", "127.0.0.1"], cwd: APP, env: contractEnv(world()) });
});

afterAll(async () => {
  await next?.stop();
  removeNextOutput(APP);
});

test("the build puts /edge on the Edge runtime and /node on the Node.js runtime", () => {
  const manifest = JSON.parse(readFileSync(path.join(APP, ".next", "server", "middleware-manifest.json"), "utf8"));
  expect(Object.keys(manifest.functions)).toEqual(["/edge/[[...path]]/route"]);
});

describeContractOn("Next.js 16 route handlers on the Node.js runtime", world, () => `${next!.url}/node`);
describeContractOn("Next.js 16 route handlers on the Edge runtime", world, () => `${next!.url}/edge`);
