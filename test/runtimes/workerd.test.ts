// The contract table on Cloudflare's real runtime, workerd (through
// miniflare), with the app bundled as wrangler bundles it; once without and
// once with the nodejs_compat flag (issue 18: with it, core used to load and
// answer valid tokens 401; without it, it did not load at all).
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { bundleForWeb, WORKERD_CONDITIONS } from "./bundle.js";
import { describeContractOnRuntime, type StartRuntime } from "./contract-table.js";

jest.setTimeout(30_000);

let script: Promise<string> | undefined;
const bundled = () => (script ??= bundleForWeb(join(__dirname, "workerd-entry.ts"), WORKERD_CONDITIONS, "esm"));

function startWorkerd(compatibilityFlags: string[]): StartRuntime {
  return async (optionsJson) => {
    const mf = new Miniflare({
      modules: true,
      script: await bundled(),
      compatibilityDate: "2025-09-01",
      compatibilityFlags,
      bindings: { CONTRACT_OPTIONS: optionsJson },
      host: "127.0.0.1",
      port: 0,
      // The outage pool's warning goes to the Worker's log; keep it out of the test output.
      handleRuntimeStdio(stdout, stderr) {
        stdout.resume();
        stderr.resume();
      },
    });
    const url = await mf.ready;
    return { url: url.origin, stop: () => mf.dispose() };
  };
}

describe("workerd", () => {
  describeContractOnRuntime(startWorkerd([]));
});

describe("workerd with nodejs_compat", () => {
  describeContractOnRuntime(startWorkerd(["nodejs_compat"]));
});
