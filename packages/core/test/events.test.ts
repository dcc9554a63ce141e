// onEvent: outcomes with reasons and timings, JWKS fetches; never the token.
import type { VerifyEvent } from "@cognito-bearer/core";
import type { TestIssuer } from "@cognito-bearer/testing";
import { expectRejected, fixtures, INVALID_TOKEN, recorder, tamperPayload, UNAVAILABLE } from "./helpers";

const t = fixtures();
let issuer: TestIssuer;
beforeEach(async () => {
  issuer = await t.issuer();
});

/** No event may contain a token, nor the signature or payload part of one. */
function expectNoTokenIn(events: VerifyEvent[], tokens: string[]): void {
  const text = JSON.stringify(events);
  for (const token of tokens) {
    const [, payload, signature] = token.split(".");
    expect(text).not.toContain(token);
    if (payload) expect(text).not.toContain(payload);
    if (signature) expect(text).not.toContain(signature);
  }
}

test("verified events: cached false, then true, with timings and identity but not the token", async () => {
  const { events, onEvent } = recorder();
  const verifier = t.verifier({ ...issuer.verifierOptions, onEvent });
  const token = issuer.mintAccessToken({ sub: "user-1" });
  await verifier.verify(token);
  await verifier.verify(token);

  const verified = events.filter((event) => event.type === "verified");
  expect(verified).toEqual([
    { type: "verified", cached: false, durationMs: expect.any(Number), sub: "user-1", clientId: issuer.clientId, issuer: issuer.issuer },
    { type: "verified", cached: true, durationMs: expect.any(Number), sub: "user-1", clientId: issuer.clientId, issuer: issuer.issuer },
  ]);
  for (const event of verified) expect(event.durationMs).toBeGreaterThanOrEqual(0);
  expectNoTokenIn(events, [token]);
});

test("jwks_fetch events: the cold fetch, with the key count", async () => {
  const { onEvent, ofType } = recorder();
  const verifier = t.verifier({ ...issuer.verifierOptions, onEvent });
  await verifier.verify(issuer.mintAccessToken());
  expect(ofType("jwks_fetch")).toEqual([
    { type: "jwks_fetch", jwksUri: issuer.jwksUri, trigger: "cold", ok: true, durationMs: expect.any(Number), keys: 1 },
  ]);
});

test("jwks_fetch events: a failed fetch carries a short error, and the rejection follows", async () => {
  const { events, onEvent, ofType } = recorder();
  const verifier = t.verifier({ ...issuer.verifierOptions, onEvent });
  issuer.setFault({ mode: "status", status: 500 });
  const token = issuer.mintAccessToken();
  await expectRejected(verifier.verify(token), UNAVAILABLE);

  expect(ofType("jwks_fetch")).toEqual([
    expect.objectContaining({ type: "jwks_fetch", jwksUri: issuer.jwksUri, trigger: "cold", ok: false, error: expect.stringContaining("500") }),
  ]);
  expect(ofType("rejected")).toEqual([
    { type: "rejected", reason: "jwks_unavailable", status: 503, code: "temporarily_unavailable", durationMs: expect.any(Number) },
  ]);
  expect(events.map((event) => event.type)).toEqual(["jwks_fetch", "rejected"]);
  expectNoTokenIn(events, [token]);
});

test("rejected events carry the reason, status and code, once per failure", async () => {
  const { events, onEvent, ofType } = recorder();
  const verifier = t.verifier({ ...issuer.verifierOptions, onEvent, scopes: "orders/read" });
  const tokens = [
    issuer.mintAccessToken({ scope: "orders/read" }, { expiresInSeconds: -10 }),
    tamperPayload(issuer.mintAccessToken({ scope: "orders/read" }), { sub: "admin" }),
    issuer.mintAccessToken({ scope: "orders/read", client_id: "other" }),
    issuer.mintIdToken(),
    issuer.mintAccessToken({ scope: "profile" }),
    issuer.mintAccessToken({ scope: "orders/read" }, { header: { kid: "kid-not-published" } }),
    "garbage",
  ];
  for (const token of tokens) await expect(verifier.verify(token)).rejects.toBeDefined();

  expect(ofType("rejected").map((event) => [event.reason, event.status, event.code])).toEqual([
    ["expired", 401, "invalid_token"],
    ["invalid_signature", 401, "invalid_token"],
    ["client_not_accepted", 401, "invalid_token"],
    ["wrong_token_use", 401, "invalid_token"],
    ["insufficient_scope", 403, "insufficient_scope"],
    ["unknown_key", 401, "invalid_token"],
    ["malformed_token", 401, "invalid_token"],
  ]);
  expectNoTokenIn(events, tokens);
  expect(JSON.stringify(events)).not.toContain("kid-not-published");
});

test("authenticate() reports missing and malformed credentials too", async () => {
  const { events, onEvent, ofType } = recorder();
  const verifier = t.verifier({ ...issuer.verifierOptions, onEvent });
  await expect(verifier.authenticate(undefined)).rejects.toBeDefined();
  await expect(verifier.authenticate("Bearer a b")).rejects.toBeDefined();
  await expect(verifier.authenticate("Bearer x".padEnd(20_000, "x"))).rejects.toBeDefined();
  expect(ofType("rejected").map((event) => [event.reason, event.status, event.code])).toEqual([
    ["missing_credentials", 401, null],
    ["malformed_credentials", 400, "invalid_request"],
    ["token_too_large", 401, "invalid_token"],
  ]);
  expect(JSON.stringify(events)).not.toContain("x".repeat(100));
});

test("an anonymous request on an optional route is not an event", async () => {
  const { events, onEvent } = recorder();
  const verifier = t.verifier({ ...issuer.verifierOptions, onEvent });
  expect(verifier.authenticate(undefined, true)).toBeUndefined();
  expect(events).toEqual([]);
});

test("a throwing onEvent hook does not fail the request", async () => {
  const verifier = t.verifier({
    ...issuer.verifierOptions,
    onEvent: () => {
      throw new Error("logger broke");
    },
  });
  const token = issuer.mintAccessToken();
  await expect(verifier.verify(token)).resolves.toMatchObject({ token });
  await expect(verifier.verify(token)).resolves.toMatchObject({ token });
  await expectRejected(verifier.verify(issuer.mintIdToken()), INVALID_TOKEN("wrong_token_use"));
});

test("warmup and refresh fetches are reported with their trigger", async () => {
  const { onEvent, ofType } = recorder();
  const verifier = t.verifier({ ...issuer.verifierOptions, onEvent, jwks: { maxAgeSeconds: 0.1 } });
  await verifier.warmup();
  const deadline = Date.now() + 3_000;
  while (!ofType("jwks_fetch").some((event) => event.trigger === "refresh") && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(ofType("jwks_fetch").map((event) => event.trigger).slice(0, 2)).toEqual(["warmup", "refresh"]);
});
