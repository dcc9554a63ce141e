// Several user pools (issuers) behind one verifier.
import { OptionsError } from "@cognito-bearer/core";
import type { TestIssuer } from "@cognito-bearer/testing";
import { decode, expectRejected, fixtures, INVALID_TOKEN, recorder } from "./helpers";

const t = fixtures();
let a: TestIssuer;
let b: TestIssuer;
let c: TestIssuer;
beforeAll(async () => {
  [a, b, c] = await Promise.all([t.issuer(), t.issuer(), t.issuer()]);
});

test("tokens of each configured pool are accepted, each against its own JWKS", async () => {
  const verifier = t.verifier([a.verifierOptions, b.verifierOptions]);
  const fromA = await verifier.verify(a.mintAccessToken());
  const fromB = await verifier.verify(b.mintAccessToken());
  expect([fromA.issuer, fromA.clientId]).toEqual([a.issuer, a.clientId]);
  expect([fromB.issuer, fromB.clientId]).toEqual([b.issuer, b.clientId]);
  expect(verifier.stats().jwks.map((jwks) => jwks.jwksUri)).toEqual([a.jwksUri, b.jwksUri]);
});

test("a token of a third pool is refused without fetching anything", async () => {
  const verifier = t.verifier([a.verifierOptions, b.verifierOptions]);
  const before = [a.jwksRequests, b.jwksRequests, c.jwksRequests];
  await expectRejected(verifier.verify(c.mintAccessToken()), INVALID_TOKEN("issuer_not_accepted"));
  expect([a.jwksRequests, b.jwksRequests, c.jwksRequests]).toEqual(before);
});

test("a pool's key cannot sign for another pool", async () => {
  const verifier = t.verifier([a.verifierOptions, b.verifierOptions]);
  // Signed by B's key, claiming A's issuer and client: looked up in A's JWKS, where B's kid is unknown.
  const forged = b.sign({}, decode(a.mintAccessToken()).payload);
  await expectRejected(verifier.verify(forged), INVALID_TOKEN("unknown_key"));
  // Same, with A's kid in the header: the signature does not match A's key.
  const forgedKid = b.sign({ kid: a.kid }, decode(a.mintAccessToken()).payload);
  await expectRejected(verifier.verify(forgedKid), INVALID_TOKEN("invalid_signature"));
});

test("client ids are per pool: A's client is not accepted on B's tokens", async () => {
  const verifier = t.verifier([a.verifierOptions, b.verifierOptions]);
  await expectRejected(verifier.verify(b.mintAccessToken({ client_id: a.clientId })), INVALID_TOKEN("client_not_accepted"));
});

test("requirements and grace are per pool", async () => {
  const verifier = t.verifier([
    { ...a.verifierOptions, scopes: "orders/read" },
    { ...b.verifierOptions, graceSeconds: 120 },
  ]);
  await expectRejected(verifier.verify(a.mintAccessToken({ scope: "profile" })), {
    status: 403,
    code: "insufficient_scope",
    reason: "insufficient_scope",
  });
  await expect(verifier.verify(b.mintAccessToken({ scope: "profile" }))).resolves.toBeDefined();
  await expect(verifier.verify(b.mintAccessToken({}, { expiresInSeconds: -60 }))).resolves.toBeDefined();
  await expectRejected(verifier.verify(a.mintAccessToken({}, { expiresInSeconds: -60 })), INVALID_TOKEN("expired"));
});

test("warmup fetches every pool's JWKS once", async () => {
  const verifier = t.verifier([a.verifierOptions, b.verifierOptions]);
  const before = [a.jwksRequests, b.jwksRequests];
  await verifier.warmup();
  expect([a.jwksRequests - before[0], b.jwksRequests - before[1]]).toEqual([1, 1]);
});

test("one pool's JWKS outage does not affect the other pool", async () => {
  const { onEvent, ofType } = recorder();
  const verifier = t.verifier([{ ...a.verifierOptions, onEvent }, b.verifierOptions]);
  b.setFault({ mode: "down" });
  try {
    await expect(verifier.verify(a.mintAccessToken())).resolves.toBeDefined();
    await expectRejected(verifier.verify(b.mintAccessToken()), {
      status: 503,
      code: "temporarily_unavailable",
      reason: "jwks_unavailable",
    });
  } finally {
    b.setFault(null);
  }
  expect(ofType("jwks_fetch").map((event) => [event.jwksUri, event.ok])).toEqual([
    [a.jwksUri, true],
    [b.jwksUri, false],
  ]);
});

test("shared options set differently on a later entry fail at creation with a clear message", () => {
  expect(() => t.verifier([a.verifierOptions, { ...b.verifierOptions, cache: false }])).toThrow(OptionsError);
  expect(() => t.verifier([a.verifierOptions, { ...b.verifierOptions, realm: "b" }])).toThrow(
    "cognito-bearer: realm applies to the whole verifier: set it on the first configuration only (found on entry 1)",
  );
  expect(() => t.verifier([a.verifierOptions, b.verifierOptions, { ...c.verifierOptions, isRevoked: () => false }])).toThrow(
    /isRevoked applies to the whole verifier.*entry 2/,
  );
});

test("shared options on the first entry apply to every pool", async () => {
  const { onEvent, ofType } = recorder();
  const verifier = t.verifier([{ ...a.verifierOptions, onEvent, isRevoked: (auth) => auth.issuer === b.issuer }, b.verifierOptions]);
  await verifier.verify(a.mintAccessToken());
  await expectRejected(verifier.verify(b.mintAccessToken()), INVALID_TOKEN("revoked"));
  expect(ofType("verified").map((event) => event.issuer)).toEqual([a.issuer]);
  expect(ofType("rejected").map((event) => event.reason)).toEqual(["revoked"]);
});
