// The two implementations of core's runtime interface (packages/core/src/runtime)
// side by side on Node, which has both node:http and fetch, node:crypto and Web
// Crypto: against a real JWKS endpoint and each of its faults, they must give
// the same outcome (the same deadline, size limit, no redirects, status on the
// error), and agree on which keys load and which signatures hold.
import { createTestIssuer, type JwksFault, type TestIssuer } from "@cognito-bearer/testing";
import { runtime as nodeRuntime } from "../../packages/core/src/runtime/node.js";
import type { Runtime } from "../../packages/core/src/runtime/runtime.js";
import { runtime as webRuntime } from "../../packages/core/src/runtime/web.js";

// A deadline a loaded CI machine meets for a healthy endpoint; the slow fault waits well beyond it.
const LIMITS = { timeoutMs: 1_500, maxResponseBytes: 128 * 1024 };
const RUNTIMES: ReadonlyArray<[string, Runtime]> = [
  ["node", nodeRuntime],
  ["web", webRuntime],
];

let issuer: TestIssuer;

beforeAll(async () => {
  issuer = await createTestIssuer();
});

afterAll(async () => {
  await issuer.close();
});

/** What a fetch came to: the keys' kids, or the error's class, status and the gist of its message. */
async function outcome(runtime: Runtime): Promise<unknown> {
  try {
    const body = await runtime.fetchJwksBody(issuer.jwksUri, LIMITS);
    return { kids: (JSON.parse(new TextDecoder().decode(body)) as { keys: Array<{ kid: string }> }).keys.map((key) => key.kid) };
  } catch (err) {
    const message = (err as Error).message;
    const gist = ["timed out", "larger than", "answered", "fetch failed", "ended early"].find((part) => message.includes(part)) ?? message;
    // aws-jwt-verify's FetchError (a dependency of core, not of this folder), by its class name.
    return { error: (err as Error).constructor.name, status: (err as { status?: number }).status, gist };
  }
}

describe.each<[string, JwksFault | null, unknown]>([
  ["healthy", null, undefined],
  ["503", { mode: "status", status: 503 }, { error: "FetchError", status: 503, gist: "answered" }],
  ["a redirect (not followed)", { mode: "status", status: 302 }, { error: "FetchError", status: 302, gist: "answered" }],
  ["connection reset", { mode: "down" }, { error: "FetchError", status: undefined, gist: "fetch failed" }],
  ["slower than the deadline", { mode: "slow", delayMs: 5_000 }, { error: "FetchError", status: undefined, gist: "timed out" }],
  ["too large, chunked", { mode: "huge", bytes: 1024 * 1024 }, { error: "FetchError", status: undefined, gist: "larger than" }],
  ["too large, announced", { mode: "huge", bytes: 1024 * 1024, contentLength: true }, { error: "FetchError", status: undefined, gist: "larger than" }],
])("JWKS endpoint %s", (_name, fault, expected) => {
  test("both runtimes come to the same outcome", async () => {
    issuer.setFault(fault);
    try {
      const outcomes = [];
      for (const [name, runtime] of RUNTIMES) outcomes.push({ runtime: name, outcome: await outcome(runtime) });
      const want = expected ?? { kids: issuer.kids };
      expect(outcomes).toEqual(RUNTIMES.map(([name]) => ({ runtime: name, outcome: want })));
    } finally {
      issuer.setFault(null);
    }
  });
});

test("both runtimes load the issuer's keys and refuse a key that is not one", async () => {
  const [jwk] = issuer.jwks().keys;
  for (const [name, runtime] of RUNTIMES) {
    expect({ runtime: name, loads: await runtime.loadsAsPublicKey(jwk as never), broken: await runtime.loadsAsPublicKey({ kty: "EC", crv: "P-256", x: "AA", y: "AA" } as never) }).toEqual({
      runtime: name,
      loads: true,
      broken: false,
    });
  }
});

test("both runtimes accept the issuer's signature and refuse a tampered one", async () => {
  const [header, payload, signature] = issuer.mintAccessToken().split(".");
  const bytes = new Uint8Array(Buffer.from(signature, "base64url"));
  const tampered = bytes.slice();
  tampered[10] ^= 1;
  const jwk = issuer.jwks().keys.find((key) => key.kid === issuer.kid)!;
  for (const [name, runtime] of RUNTIMES) {
    const input = `${header}.${payload}`;
    expect({ runtime: name, valid: await runtime.verifySignature(jwk as never, "RS256", input, bytes), tampered: await runtime.verifySignature(jwk as never, "RS256", input, tampered) }).toEqual({
      runtime: name,
      valid: true,
      tampered: false,
    });
  }
});
