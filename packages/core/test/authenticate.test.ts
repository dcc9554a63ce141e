// authenticate(header, optional): the adapters' entry point.
import { isVerifier } from "@cognito-bearer/core";
import type { TestIssuer } from "@cognito-bearer/testing";
import { expectRejected, fixtures, INVALID_TOKEN } from "./helpers";

const t = fixtures();
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await t.issuer();
});

const MISSING = { status: 401, code: null, reason: "missing_credentials" } as const;
const MALFORMED = { status: 400, code: "invalid_request", reason: "malformed_credentials" } as const;

test("a first sight of a token on a cold verifier returns a promise of the auth object", async () => {
  const verifier = t.verifier(issuer.verifierOptions);
  const token = issuer.mintAccessToken();
  const result = verifier.authenticate(`Bearer ${token}`);
  expect(result).toBeInstanceOf(Promise);
  expect(await result).toMatchObject({ token, clientId: issuer.clientId });
});

test("a cache hit returns the same auth object synchronously", async () => {
  const verifier = t.verifier(issuer.verifierOptions);
  const token = issuer.mintAccessToken();
  const auth = await verifier.verify(token);
  const result = verifier.authenticate(`Bearer ${token}`);
  expect(result).not.toBeInstanceOf(Promise);
  expect(result).toBe(auth);
  expect(verifier.authenticate(`bearer   ${token}`, true)).toBe(auth);
});

test("a cache hit with an async revocation hook is a promise", async () => {
  const verifier = t.verifier({ ...issuer.verifierOptions, isRevoked: async () => false });
  const token = issuer.mintAccessToken();
  const auth = await verifier.verify(token);
  const result = verifier.authenticate(`Bearer ${token}`);
  expect(result).toBeInstanceOf(Promise);
  expect(await result).toBe(auth);
});

test("with the signing key cached, a new token is verified synchronously", async () => {
  const verifier = t.verifier(issuer.verifierOptions);
  await verifier.warmup();
  const token = issuer.mintAccessToken();
  const result = verifier.authenticate(`Bearer ${token}`);
  expect(result).not.toBeInstanceOf(Promise);
  expect(result).toMatchObject({ token, clientId: issuer.clientId });
});

test("with cache: false every call checks the signature again: a new auth object each time", async () => {
  const verifier = t.verifier({ ...issuer.verifierOptions, cache: false });
  const token = issuer.mintAccessToken();
  const first = await verifier.verify(token);
  const second = verifier.authenticate(`Bearer ${token}`);
  expect(second).not.toBe(first);
  expect(second).toMatchObject({ token, sub: first.sub });
});

test("a token whose kid is not cached takes the asynchronous path (the JWKS policy may fetch)", async () => {
  const verifier = t.verifier(issuer.verifierOptions);
  await verifier.warmup();
  const rotated = await t.issuer();
  const foreign = rotated.mintAccessToken({ iss: issuer.issuer, client_id: issuer.clientId });
  const result = verifier.authenticate(`Bearer ${foreign}`);
  expect(result).toBeInstanceOf(Promise);
  await expectRejected(result as Promise<unknown>, INVALID_TOKEN("unknown_key"));
});

describe("optional", () => {
  test.each([
    ["no header", undefined],
    ["an empty header", ""],
    ["another scheme", "Basic dXNlcjpwYXNz"],
  ])("%s is anonymous: undefined, synchronously", (_name, header) => {
    const verifier = t.verifier(issuer.verifierOptions);
    expect(verifier.authenticate(header, true)).toBeUndefined();
  });

  test("bad credentials are still refused", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    await expectRejected(verifier.authenticate("Bearer", true), MALFORMED);
    await expectRejected(verifier.authenticate("Bearer a b", true), MALFORMED);
    await expectRejected(verifier.authenticate("Bearer not-a-jwt", true), INVALID_TOKEN("malformed_token"));
    await expectRejected(verifier.authenticate(`Bearer ${issuer.mintIdToken()}`, true), INVALID_TOKEN("wrong_token_use"));
  });

  test("a valid token is still verified", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    const token = issuer.mintAccessToken();
    await expect(verifier.authenticate(`Bearer ${token}`, true)).resolves.toMatchObject({ token });
  });
});

describe("not optional", () => {
  test.each([
    ["no header", undefined],
    ["an empty header", ""],
    ["another scheme", "Basic dXNlcjpwYXNz"],
  ])("%s is a 401 without an error code", async (_name, header) => {
    const verifier = t.verifier({ ...issuer.verifierOptions, realm: "orders" });
    const result = verifier.authenticate(header);
    expect(result).toBeInstanceOf(Promise);
    const err = await expectRejected(result, MISSING);
    expect(err.headers["WWW-Authenticate"]).toBe('Bearer realm="orders"');
  });

  test("failures are always rejected promises, never synchronous throws", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    for (const header of [undefined, "Bearer", "Bearer a b", "Bearer é", "Bearer x.y.z", ["Bearer a", "Bearer b"]]) {
      let result: unknown;
      expect(() => {
        result = verifier.authenticate(header);
      }).not.toThrow();
      expect(result).toBeInstanceOf(Promise);
      await expect(result).rejects.toMatchObject({ name: "AuthError" });
    }
  });

  test("an invalid cached-looking token is refused", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    const token = issuer.mintAccessToken();
    await verifier.verify(token);
    // One character more is another token: no hit, full verification.
    await expectRejected(verifier.authenticate(`Bearer ${token}A`), INVALID_TOKEN("invalid_signature"));
  });
});

test("isVerifier recognises verifiers", () => {
  expect(isVerifier(t.verifier(issuer.verifierOptions))).toBe(true);
  expect(isVerifier({ verify: () => undefined })).toBe(false);
  expect(isVerifier(null)).toBe(false);
});
