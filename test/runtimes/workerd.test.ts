// The contract table on Cloudflare's real runtime, workerd (through
// miniflare), with the app bundled as wrangler bundles it; once without and
// once with the nodejs_compat flag (issue 18: with it, core used to load and
// answer valid tokens 401; without it, it did not load at all).
import { join } from "node:path";
import type { Readable } from "node:stream";
import { Miniflare } from "miniflare";
import { createTestIssuer } from "@cognito-bearer/testing";
import { bundleForWeb, WORKERD_CONDITIONS } from "./bundle.js";
import { describeContractOnWebRuntime, type StartWebRuntime } from "./contract-suite.js";
import type { ContractEnv } from "./contract-routes.js";

jest.setTimeout(30_000);

let script: Promise<string> | undefined;
const bundled = () => (script ??= bundleForWeb(join(__dirname, "workerd-entry.ts"), WORKERD_CONDITIONS, "esm"));

function startWorkerd(compatibilityFlags: string[]): StartWebRuntime {
  return async (env) => {
    const mf = new Miniflare({
      modules: true,
      script: await bundled(),
      compatibilityDate: "2025-09-01",
      compatibilityFlags,
      bindings: { ...env },
      host: "127.0.0.1",
      port: 0,
      // The outage pool's warning goes to the Worker's log; keep it out of the test output.
      handleRuntimeStdio(stdout: Readable, stderr: Readable) {
        stdout.resume();
        stderr.resume();
      },
    });
    const url = await mf.ready;
    return { url: url.origin, stop: () => mf.dispose() };
  };
}

describe("workerd", () => {
  describeContractOnWebRuntime(startWorkerd([]));
});

describe("workerd with nodejs_compat", () => {
  describeContractOnWebRuntime(startWorkerd(["nodejs_compat"]));
});

describe("workerd, keys older than maxAge", () => {
  // An isolate's timers do not outlive the request that set them, so the JWKS refresh
  // timer may never fire: the first key lookup past maxAge (+1 s) refreshes instead.
  test("a key the issuer withdrew stops verifying, and the tokens it verified leave the cache", async () => {
    const issuer = await createTestIssuer();
    const options = JSON.stringify([{ ...issuer.verifierOptions, jwks: { maxAgeSeconds: 1 } }]);
    // Only /hono/me is asked; the RFC 9728 apps get the same options.
    const env: ContractEnv = { CONTRACT_OPTIONS: options, CONTRACT_METADATA_OPTIONS: options };
    const runtime = await startWorkerd([])(env);
    try {
      const me = (token: string) => fetch(`${runtime.url}/hono/me`, { headers: { Authorization: `Bearer ${token}` } }).then((response) => response.status);
      const oldKid = issuer.kid;
      const cached = issuer.mintAccessToken();
      expect(await me(cached)).toBe(200);
      issuer.rotateKey({ retireOthers: true });
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      issuer.resetCounters();
      expect(await me(issuer.mintAccessToken({}, { kid: oldKid }))).toBe(401);
      expect(issuer.jwksRequests).toBe(1);
      expect(await me(cached)).toBe(401);
      expect(await me(issuer.mintAccessToken())).toBe(200);
    } finally {
      await runtime.stop();
      await issuer.close();
    }
  });
});
