// The contract table on Vercel's Edge runtime (the edge-runtime package: the
// same VM and web APIs Vercel's Edge Functions and `next dev` use for
// `runtime = "edge"`), with the app bundled under the edge-light condition.
import { join } from "node:path";
import { EdgeRuntime, runServer } from "edge-runtime";
import { bundleForWeb, EDGE_CONDITIONS } from "./bundle.js";
import { describeContractOnWebRuntime } from "./contract-suite.js";

jest.setTimeout(30_000);

const warnings: string[] = [];

describe("edge-runtime", () => {
  describeContractOnWebRuntime(async (env) => {
    const initialCode = await bundleForWeb(join(__dirname, "edge-entry.ts"), EDGE_CONDITIONS, "iife");
    const runtime = new EdgeRuntime({
      initialCode,
      extend: (context) =>
        Object.assign(context, {
          ...env,
          // The outage pool's warning (console.warn in the function) is collected, not printed.
          console: { ...context.console, warn: (...args: unknown[]) => warnings.push(args.join(" ")) },
        }),
    });
    const server = await runServer({ runtime, host: "127.0.0.1", port: 0 });
    const url = server.url.replace(/\/$/, "");
    return {
      url,
      stop: async () => {
        await fetch(`${url}/__close`, { method: "POST" });
        await server.close();
      },
    };
  });

  // Four verifiers have the pool whose JWKS is down: the Hono app's and the fetch handler's, each also with `resourceMetadata`
  // (the RFC 9728 cases the tenants-mcp merge added to the table run on a second app per adapter).
  test("a JWKS outage is reported in the function's log once per verifier (the Hono app's and the fetch handler's, with and without resourceMetadata), naming the JWKS", () => {
    expect(warnings).toHaveLength(4);
    for (const warning of warnings) expect(warning).toMatch(/^COGNITO_BEARER_JWKS_UNAVAILABLE: cognito-bearer: the JWKS at http:\/\/127\.0\.0\.1:\d+\/[^ ]+\/\.well-known\/jwks\.json could not be fetched/);
  });
});
