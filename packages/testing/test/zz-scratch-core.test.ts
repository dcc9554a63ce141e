import { createVerifier } from "@cognito-bearer/core";
import { createTestIssuer } from "../src/index.js";

it.each(["RS256", "ES256", "ES512"] as const)("core accepts %s tokens and classifies faults", async (algorithm) => {
  const issuer = await createTestIssuer({ algorithm });
  try {
    const v = createVerifier({ ...issuer.verifierOptions, cache: false, jwks: { timeoutMs: 300, maxResponseBytes: 100000 } } as never);
    const auth = await v.verify(issuer.mintAccessToken({ "cognito:groups": ["admin"] }));
    console.log(algorithm, auth.sub, auth.groups);
    const results: Record<string, unknown> = {};
    for (const fault of [{ mode: "down" }, { mode: "status" }, { mode: "html" }, { mode: "garbage" }, { mode: "invalid-keys" }, { mode: "empty" }, { mode: "slow", delayMs: 1000 }, { mode: "huge" }] as const) {
      const fresh = await createTestIssuer({ algorithm });
      fresh.setFault(fault);
      const v2 = createVerifier({ ...fresh.verifierOptions, cache: false, jwks: { timeoutMs: 300, maxResponseBytes: 100000 } } as never);
      results[fault.mode] = await v2.verify(fresh.mintAccessToken()).then(() => "ok", (e: any) => `${e.status} ${e.code} ${e.message}`);
      await fresh.close();
    }
    console.log(results);
  } finally {
    await issuer.close();
  }
});
