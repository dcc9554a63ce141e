// The contract table on Deno (the npm package's binary): Deno.serve and
// @cognito-bearer/fetch, as apps/deno.mjs.
import { contractEnv, describeContractOn, useContractWorld } from "./contract-suite.js";
import { BINARIES, startRuntime, type RuntimeProcess } from "./runtime-process.js";

jest.setTimeout(60_000);

const world = useContractWorld();
let deno: RuntimeProcess | undefined;

beforeAll(async () => {
  // Node's modules from node_modules (Deno reads package.json here); no lockfile of Deno's own, nothing fetched.
  deno = await startRuntime({ command: BINARIES.deno, args: ["run", "--allow-net=127.0.0.1", "--allow-env", "--allow-read", "--no-lock", "apps/deno.mjs"], env: contractEnv(world()) });
});

afterAll(async () => {
  await deno?.stop();
});

describeContractOn("Deno.serve + @cognito-bearer/fetch", world, () => deno!.url);
