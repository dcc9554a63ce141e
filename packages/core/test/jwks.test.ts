// JWKS policy against the real testing issuer: warmup, one fetch for a cold
// crowd, rotation, unknown-kid cooldown, max age and outages.
import type { TestIssuer } from "@cognito-bearer/testing";
import { expectRejected, fixtures, INVALID_TOKEN, recorder, UNAVAILABLE } from "./helpers";

const t = fixtures();
let issuer: TestIssuer;
beforeEach(async () => {
  issuer = await t.issuer();
});

function until(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      if (condition()) resolve();
      else if (Date.now() > deadline) reject(new Error("condition not met in time"));
      else setTimeout(poll, 10);
    };
    poll();
  });
}

describe("warmup()", () => {
  test("fetches the JWKS now, and verification then needs no fetch", async () => {
    const { onEvent, ofType } = recorder();
    const verifier = t.verifier({ ...issuer.verifierOptions, onEvent });
    expect(verifier.stats().jwks[0]).toMatchObject({ kids: [], fetchedAt: undefined, fetches: 0 });

    await verifier.warmup();
    expect(issuer.jwksRequests).toBe(1);
    expect(verifier.stats().jwks[0]).toMatchObject({ jwksUri: issuer.jwksUri, kids: [issuer.kid], fetches: 1 });
    expect(verifier.stats().jwks[0].fetchedAt).toEqual(expect.any(Number));
    expect(ofType("jwks_fetch")).toEqual([
      expect.objectContaining({ type: "jwks_fetch", jwksUri: issuer.jwksUri, trigger: "warmup", ok: true, keys: 1 }),
    ]);

    await verifier.verify(issuer.mintAccessToken());
    expect(issuer.jwksRequests).toBe(1);
  });

  test("rejects with a 503 AuthError when the JWKS cannot be fetched, and can be retried", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    issuer.setFault({ mode: "status", status: 502 });
    await expectRejected(verifier.warmup(), UNAVAILABLE);
    issuer.setFault(null);
    await verifier.warmup();
    await expect(verifier.verify(issuer.mintAccessToken())).resolves.toBeDefined();
  });

  test("concurrent warmups share one fetch", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    await Promise.all([verifier.warmup(), verifier.warmup(), verifier.warmup()]);
    expect(issuer.jwksRequests).toBe(1);
  });
});

describe("a cold cache", () => {
  test("50 concurrent verifications share one JWKS fetch", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    const tokens = Array.from({ length: 50 }, (_, i) => issuer.mintAccessToken({ username: `user-${i}` }));
    const auths = await Promise.all(tokens.map((token) => verifier.verify(token)));
    expect(auths.map((auth) => auth.username)).toEqual(tokens.map((_, i) => `user-${i}`));
    expect(issuer.jwksRequests).toBe(1);
  });

  test("50 concurrent verifications during an outage share one failed fetch, all 503", async () => {
    issuer.setFault({ mode: "slow", delayMs: 5_000 });
    const verifier = t.verifier({ ...issuer.verifierOptions, jwks: { timeoutMs: 200 } });
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => verifier.verify(issuer.mintAccessToken())));
    expect(results.every((r) => r.status === "rejected" && (r.reason as { status: number }).status === 503)).toBe(true);
    expect(issuer.jwksRequests).toBe(1);
  });

  test("a failed cold fetch is retried by the next request (failures are not remembered)", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    issuer.setFault({ mode: "down" });
    await expectRejected(verifier.verify(issuer.mintAccessToken()), UNAVAILABLE);
    issuer.setFault(null);
    await expect(verifier.verify(issuer.mintAccessToken())).resolves.toBeDefined();
    expect(issuer.jwksRequests).toBe(2);
  });
});

describe("key rotation and unknown kids", () => {
  test("a new key is picked up on first sight of its kid", async () => {
    const { onEvent, ofType } = recorder();
    const verifier = t.verifier({ ...issuer.verifierOptions, onEvent });
    await verifier.verify(issuer.mintAccessToken());
    const newKid = issuer.rotateKey();
    const auth = await verifier.verify(issuer.mintAccessToken());
    expect(auth.sub).toEqual(expect.any(String));
    expect(issuer.jwksRequests).toBe(2);
    expect(ofType("jwks_fetch").map((event) => event.trigger)).toEqual(["cold", "unknown_kid"]);
    expect(verifier.stats().jwks[0].kids).toContain(newKid);
    // Tokens of the previous key still verify (both are published during a rotation).
    await expect(verifier.verify(issuer.mintAccessToken({}, { kid: issuer.kids[0] }))).resolves.toBeDefined();
  });

  test("unknown kids cause at most one refetch per cooldown window, however many arrive", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    await verifier.warmup();
    const forged = Array.from({ length: 20 }, (_, i) => issuer.mintAccessToken({}, { header: { kid: `forged-${i}` } }));
    const results = await Promise.allSettled(forged.map((token) => verifier.verify(token)));
    expect(results.map((r) => r.status === "rejected" && (r.reason as { reason: string }).reason)).toEqual(forged.map(() => "unknown_key"));
    for (const token of forged.slice(0, 5)) await expectRejected(verifier.verify(token), INVALID_TOKEN("unknown_key"));
    expect(issuer.jwksRequests).toBe(2);
    expect(verifier.stats().jwks[0].coolingDown).toBe(true);
    // Valid traffic is unaffected.
    await expect(verifier.verify(issuer.mintAccessToken())).resolves.toBeDefined();
    expect(issuer.jwksRequests).toBe(2);
  });

  test("after the cooldown an unknown kid may refetch again", async () => {
    const verifier = t.verifier({ ...issuer.verifierOptions, jwks: { cooldownSeconds: 0.2 } });
    await verifier.warmup();
    await expectRejected(verifier.verify(issuer.mintAccessToken({}, { header: { kid: "forged" } })), INVALID_TOKEN("unknown_key"));
    expect(issuer.jwksRequests).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 250));
    const newKid = issuer.rotateKey();
    const auth = await verifier.verify(issuer.mintAccessToken({}, { kid: newKid }));
    expect(auth).toBeDefined();
    expect(issuer.jwksRequests).toBe(3);
  });

  test("a forged header (disallowed alg) never causes a fetch, even with an unknown kid", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    await verifier.warmup();
    await expectRejected(verifier.verify(issuer.mintAccessToken({}, { header: { alg: "HS256", kid: "forged" } })), INVALID_TOKEN("algorithm_not_allowed"));
    expect(issuer.jwksRequests).toBe(1);
  });

  test("an unknown kid while the JWKS is down is a 503 (the key could not be checked)", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    await verifier.warmup();
    issuer.setFault({ mode: "down" });
    await expectRejected(verifier.verify(issuer.mintAccessToken({}, { header: { kid: "new-key" } })), UNAVAILABLE);
  });
});

describe("outages once keys are cached", () => {
  test.each([
    ["down", { mode: "down" } as const],
    ["5xx", { mode: "status", status: 503 } as const],
    ["garbage", { mode: "garbage" } as const],
    ["slow", { mode: "slow", delayMs: 5_000 } as const],
  ])("a %s endpoint does not break verification of a known kid", async (_name, fault) => {
    const verifier = t.verifier({ ...issuer.verifierOptions, cache: false });
    await verifier.warmup();
    issuer.setFault(fault);
    const started = Date.now();
    await expect(verifier.verify(issuer.mintAccessToken())).resolves.toBeDefined();
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe("max age", () => {
  test("keys are refreshed in the background; a withdrawn key stops verifying", async () => {
    const { onEvent, ofType } = recorder();
    const verifier = t.verifier({ ...issuer.verifierOptions, cache: false, onEvent, jwks: { maxAgeSeconds: 0.3 } });
    const oldKid = issuer.kid;
    await verifier.verify(issuer.mintAccessToken());
    issuer.rotateKey({ retireOthers: true });
    expect(issuer.kids).not.toContain(oldKid);

    await until(() => ofType("jwks_fetch").some((event) => event.trigger === "refresh"));
    expect(ofType("jwks_fetch").find((event) => event.trigger === "refresh")).toMatchObject({ ok: true });
    await expectRejected(verifier.verify(issuer.mintAccessToken({}, { kid: oldKid })), INVALID_TOKEN("unknown_key"));
    await expect(verifier.verify(issuer.mintAccessToken())).resolves.toBeDefined();
  });

  test("a failed refresh keeps the old keys", async () => {
    const { onEvent, ofType } = recorder();
    const verifier = t.verifier({ ...issuer.verifierOptions, cache: false, onEvent, jwks: { maxAgeSeconds: 0.2 } });
    await verifier.warmup();
    issuer.setFault({ mode: "status", status: 500 });
    await until(() => ofType("jwks_fetch").some((event) => event.trigger === "refresh" && !event.ok));
    await expect(verifier.verify(issuer.mintAccessToken())).resolves.toBeDefined();
  });

  test("close() stops background refreshes", async () => {
    const verifier = t.verifier({ ...issuer.verifierOptions, jwks: { maxAgeSeconds: 0.1 } });
    await verifier.warmup();
    verifier.close();
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(issuer.jwksRequests).toBe(1);
  });
});
