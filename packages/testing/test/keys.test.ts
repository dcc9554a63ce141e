import { createPublicKey } from "node:crypto";
import { createTestIssuer, type TestIssuer } from "../src/index.js";
import { decodeJwt, fetchJwks, fetchKey, verifyWithJwk } from "./helpers.js";

describe("key rotation", () => {
  let issuer: TestIssuer;
  beforeEach(async () => {
    issuer = await createTestIssuer();
  });
  afterEach(() => issuer.close());

  it("rotateKey publishes a new kid, keeps the old one, and signs with the new key", async () => {
    const oldKid = issuer.kid;
    const oldToken = issuer.mintAccessToken();
    const newKid = issuer.rotateKey();

    expect(newKid).not.toBe(oldKid);
    expect(issuer.kid).toBe(newKid);
    expect(issuer.kids).toEqual([oldKid, newKid]);
    const { keys } = await fetchJwks(issuer.jwksUri);
    expect(keys.map((k) => k.kid)).toEqual([oldKid, newKid]);

    const newToken = issuer.mintAccessToken();
    expect(decodeJwt(newToken).header.kid).toBe(newKid);
    expect(verifyWithJwk(newToken, await fetchKey(issuer.jwksUri, newKid))).toBe(true);
    expect(verifyWithJwk(oldToken, await fetchKey(issuer.jwksUri, oldKid))).toBe(true);
    expect(verifyWithJwk(newToken, await fetchKey(issuer.jwksUri, oldKid))).toBe(false);
  });

  it("rotateKey({ retireOthers: true }) publishes only the new key", async () => {
    const oldKid = issuer.kid;
    issuer.rotateKey();
    const newKid = issuer.rotateKey({ retireOthers: true });
    expect(issuer.kids).toEqual([newKid]);
    const { keys } = await fetchJwks(issuer.jwksUri);
    expect(keys.map((k) => k.kid)).toEqual([newKid]);
    // Retired keys can still sign, for tests of "a token signed by a withdrawn key".
    expect(decodeJwt(issuer.mintAccessToken({}, { kid: oldKid })).header.kid).toBe(oldKid);
  });

  it("rotateKey can switch algorithm", async () => {
    const kid = issuer.rotateKey({ algorithm: "ES256" });
    const token = issuer.mintAccessToken();
    expect(decodeJwt(token).header).toEqual({ kid, alg: "ES256" });
    expect(verifyWithJwk(token, await fetchKey(issuer.jwksUri, kid))).toBe(true);
    expect(() => issuer.rotateKey({ algorithm: "none" as unknown as "RS256" })).toThrow(TypeError);
  });

  it("withdrawKey removes a key from the JWKS but can still sign with it", async () => {
    const oldKid = issuer.kid;
    const newKid = issuer.rotateKey();
    issuer.withdrawKey(oldKid);

    expect(issuer.kids).toEqual([newKid]);
    const { keys } = await fetchJwks(issuer.jwksUri);
    expect(keys.map((k) => k.kid)).toEqual([newKid]);

    const token = issuer.mintAccessToken({}, { kid: oldKid });
    const { header } = decodeJwt(token);
    expect(header.kid).toBe(oldKid);
    expect(verifyWithJwk(token, issuer.publicKey(oldKid).jwk)).toBe(true);

    // Idempotent for a known key, loud for an unknown one.
    expect(() => issuer.withdrawKey(oldKid)).not.toThrow();
    expect(() => issuer.withdrawKey("never-existed")).toThrow(/Unknown kid/);
  });

  it("withdrawing the current key leaves an empty JWKS but keeps signing with it", async () => {
    const kid = issuer.kid;
    issuer.withdrawKey(kid);
    expect(issuer.kid).toBe(kid);
    expect(await fetchJwks(issuer.jwksUri)).toEqual({ keys: [] });
    expect(decodeJwt(issuer.mintAccessToken()).header.kid).toBe(kid);
  });
});

describe("jwks() and publicKey()", () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await createTestIssuer();
  });
  afterAll(() => issuer.close());

  it("jwks() equals what the endpoint serves and is a copy", async () => {
    const local = issuer.jwks();
    expect(await fetchJwks(issuer.jwksUri)).toEqual(local);
    local.keys[0].n = "tampered";
    local.keys.pop();
    expect(issuer.jwks()).toEqual(await fetchJwks(issuer.jwksUri));
    expect(issuer.jwks().keys).toHaveLength(1);
  });

  it("publicKey() returns the signing key as KeyObject, SPKI PEM and JWK", () => {
    const { keyObject, pem, jwk } = issuer.publicKey();
    expect(keyObject.type).toBe("public");
    expect(keyObject.asymmetricKeyType).toBe("rsa");
    expect(keyObject.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
    expect(jwk).toEqual(issuer.jwks().keys[0]);
    expect(createPublicKey(pem).export({ format: "jwk" })).toMatchObject({ n: jwk.n, e: jwk.e });

    jwk.n = "tampered";
    expect(issuer.publicKey().jwk.n).not.toBe("tampered");
  });

  it("publicKey(kid) returns an older key after rotation", async () => {
    const oldKid = issuer.kid;
    const oldPem = issuer.publicKey().pem;
    issuer.rotateKey();
    expect(issuer.publicKey(oldKid).pem).toBe(oldPem);
    expect(issuer.publicKey().pem).not.toBe(oldPem);
    expect(() => issuer.publicKey("never-existed")).toThrow(/Unknown kid/);
  });
});
