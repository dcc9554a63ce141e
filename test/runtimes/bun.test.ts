// The contract table on Bun (the npm package's binary): Bun.serve with the
// fetch handler of @cognito-bearer/fetch, and with its Hono middleware.
import { contractEnv, describeContractOn, useContractWorld } from "./contract-suite.js";
import { BINARIES, startRuntime, type RuntimeProcess } from "./runtime-process.js";

jest.setTimeout(60_000);

const world = useContractWorld();
const running: Record<"fetch" | "hono", RuntimeProcess | undefined> = { fetch: undefined, hono: undefined };

beforeAll(async () => {
  const start = (app: "fetch" | "hono") => startRuntime({ command: BINARIES.bun, args: ["apps/bun.mjs"], env: { ...contractEnv(world()), CONTRACT_APP: app } });
  [running.fetch, running.hono] = await Promise.all([start("fetch"), start("hono")]);
});

afterAll(async () => {
  await Promise.all(Object.values(running).map((process) => process?.stop()));
});

describeContractOn("Bun.serve + @cognito-bearer/fetch", world, () => running.fetch!.url);
describeContractOn("Hono on Bun.serve + @cognito-bearer/fetch/hono", world, () => running.hono!.url);
