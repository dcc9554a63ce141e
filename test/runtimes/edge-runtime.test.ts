// The contract table on Vercel's Edge runtime (the edge-runtime package: the
// same VM and web APIs Vercel's Edge Functions and `next dev` use for
// `runtime = "edge"`), with the app bundled under the edge-light condition.
import { join } from "node:path";
import { EdgeRuntime, runServer } from "edge-runtime";
import { bundleForWeb, EDGE_CONDITIONS } from "./bundle.js";
import { describeContractOnRuntime } from "./contract-table.js";

jest.setTimeout(30_000);

describe("edge-runtime", () => {
  describeContractOnRuntime(async (optionsJson) => {
    const initialCode = await bundleForWeb(join(__dirname, "edge-entry.ts"), EDGE_CONDITIONS, "iife");
    const runtime = new EdgeRuntime({ initialCode, extend: (context) => Object.assign(context, { CONTRACT_OPTIONS: optionsJson }) });
    const server = await runServer({ runtime, host: "127.0.0.1", port: 0 });
    return { url: server.url.replace(/\/$/, ""), stop: () => server.close() };
  });
});
