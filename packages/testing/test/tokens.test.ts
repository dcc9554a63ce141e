import { createTestIssuer, type TestIssuer } from "../src/index.js";
import { decodeJwt, fetchKey, UUID, verifyWithJwk } from "./helpers.js";

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe("createTestIssuer defaults", () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await createTestIssuer();
  });
  afterAll(() => issuer.close());

  it("uses Cognito-shaped identifiers", () => {
    expect(issuer.region).toBe("eu-west-1");
    expect(issuer.userPoolId).toMatch(/^[a-z]{2}-[a-z]+-\d_[a-zA-Z0-9]+$/);
    expect(issuer.userPoolId).toMatch(/^eu-west-1_[a-zA-Z0-9]{9}$/);
    expect(issuer.clientId).toMatch(/^[a-z0-9]{26}$/);
  });

  it("exposes consistent URLs and verifier options", () => {
    expect(issuer.url).toBe(`http://127.0.0.1:${issuer.port}`);
    expect(issuer.issuer).toBe(`${issuer.url}/${issuer.userPoolId}`);
    expect(issuer.jwksUri).toBe(`${issuer.issuer}/.well-known/jwks.json`);
    expect(issuer.verifierOptions).toEqual({
      userPoolId: issuer.userPoolId,
      clientId: issuer.clientId,
      issuer: issuer.issuer,
      jwksUri: issuer.jwksUri,
    });
    expect(issuer.kids).toEqual([issuer.kid]);
  });

  it("randomises identifiers per issuer", async () => {
    const other = await createTestIssuer();
    try {
      expect(other.userPoolId).not.toBe(issuer.userPoolId);
      expect(other.clientId).not.toBe(issuer.clientId);
      expect(other.kid).not.toBe(issuer.kid);
      expect(other.port).not.toBe(issuer.port);
    } finally {
      await other.close();
    }
  });
});

describe("access tokens", () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await createTestIssuer();
  });
  afterAll(() => issuer.close());

  it("have Cognito's header and claims", () => {
    const before = nowSeconds();
    const token = issuer.mintAccessToken();
    const after = nowSeconds();
    expect(token.split(".")).toHaveLength(3);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);

    const { header, payload } = decodeJwt(token);
    expect(header).toEqual({ kid: issuer.kid, alg: "RS256" });
    expect(Object.keys(header)).toEqual(["kid", "alg"]);

    expect(Object.keys(payload).sort()).toEqual(
      [
        "sub", "iss", "version", "client_id", "origin_jti", "event_id", "token_use",
        "scope", "auth_time", "exp", "iat", "jti", "username",
      ].sort(),
    );
    expect(payload.sub).toMatch(UUID);
    expect(payload.iss).toBe(issuer.issuer);
    expect(payload.client_id).toBe(issuer.clientId);
    expect(payload.origin_jti).toMatch(UUID);
    expect(payload.event_id).toMatch(UUID);
    expect(payload.jti).toMatch(UUID);
    expect(payload.token_use).toBe("access");
    expect(payload.scope).toBe("openid email profile");
    expect(payload.username).toBe("test-user");
    expect(payload.version).toBe(2);
    expect(Number.isInteger(payload.iat)).toBe(true);
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(payload.iat).toBeLessThanOrEqual(after);
    expect(payload.auth_time).toBe(payload.iat);
    expect(payload.exp).toBe((payload.iat as number) + 3600);
    expect(payload).not.toHaveProperty("cognito:groups");
    expect(payload).not.toHaveProperty("aud");
  });

  it("are signed by a key that the JWKS endpoint serves", async () => {
    const token = issuer.mintAccessToken();
    const jwk = await fetchKey(issuer.jwksUri, decodeJwt(token).header.kid);
    expect(jwk).toMatchObject({ kid: issuer.kid, alg: "RS256", kty: "RSA", use: "sig", e: "AQAB" });
    // 2048-bit modulus: 256 bytes.
    expect(Buffer.from(String(jwk.n), "base64url")).toHaveLength(256);
    expect(verifyWithJwk(token, jwk)).toBe(true);

    const [header, , signature] = token.split(".");
    const forged = Buffer.from(JSON.stringify({ ...decodeJwt(token).payload, username: "admin" })).toString("base64url");
    expect(verifyWithJwk(`${header}.${forged}.${signature}`, jwk)).toBe(false);
  });

  it("fresh ids for every token", () => {
    const a = decodeJwt(issuer.mintAccessToken()).payload;
    const b = decodeJwt(issuer.mintAccessToken()).payload;
    for (const claim of ["sub", "jti", "origin_jti", "event_id"]) expect(a[claim]).not.toBe(b[claim]);
  });

  it("merges overrides, adds claims and removes claims set to undefined", () => {
    const { payload } = decodeJwt(
      issuer.mintAccessToken({
        sub: "fixed-sub",
        username: "alice",
        scope: "orders/read orders/write",
        "cognito:groups": ["admin", "staff"],
        "custom:profile": { nested: true },
        version: undefined,
        jti: undefined,
      }),
    );
    expect(payload.sub).toBe("fixed-sub");
    expect(payload.username).toBe("alice");
    expect(payload.scope).toBe("orders/read orders/write");
    expect(payload["cognito:groups"]).toEqual(["admin", "staff"]);
    expect(payload["custom:profile"]).toEqual({ nested: true });
    expect(payload).not.toHaveProperty("version");
    expect(payload).not.toHaveProperty("jti");
    expect(payload.token_use).toBe("access");
    // Cognito puts cognito:groups right after sub.
    expect(Object.keys(payload).slice(0, 2)).toEqual(["sub", "cognito:groups"]);
  });

  it("honours expiresInSeconds, including negative values", () => {
    const short = decodeJwt(issuer.mintAccessToken({}, { expiresInSeconds: 60 })).payload;
    expect(short.exp).toBe((short.iat as number) + 60);

    const expired = decodeJwt(issuer.mintAccessToken({}, { expiresInSeconds: -120 })).payload;
    expect(expired.exp).toBe((expired.iat as number) - 120);
    expect(expired.exp as number).toBeLessThan(nowSeconds());
  });

  it("moves the default exp with an overridden iat, unless exp is given", () => {
    const iat = nowSeconds() - 7200;
    const moved = decodeJwt(issuer.mintAccessToken({ iat })).payload;
    expect(moved).toMatchObject({ iat, auth_time: iat, exp: iat + 3600 });

    const explicit = decodeJwt(issuer.mintAccessToken({ iat, exp: 42 })).payload;
    expect(explicit.exp).toBe(42);
  });

  it("rejects a non-finite expiresInSeconds", () => {
    expect(() => issuer.mintAccessToken({}, { expiresInSeconds: Number.NaN })).toThrow(TypeError);
  });

  it("merges header overrides and removes header fields set to undefined", async () => {
    const token = issuer.mintAccessToken({}, { header: { typ: "JWT", kid: undefined } });
    const { header } = decodeJwt(token);
    expect(header).toEqual({ alg: "RS256", typ: "JWT" });
    // The signature is still made with the current key.
    expect(verifyWithJwk(token, await fetchKey(issuer.jwksUri, issuer.kid))).toBe(true);
  });

  it("throws for a kid the issuer never created", () => {
    expect(() => issuer.mintAccessToken({}, { kid: "nope" })).toThrow(/Unknown kid/);
  });
});

describe("ID tokens", () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await createTestIssuer({ clientId: "myclientid1234567890abcdef" });
  });
  afterAll(() => issuer.close());

  it("have Cognito's claims and verify against the JWKS", async () => {
    const token = issuer.mintIdToken();
    const { header, payload } = decodeJwt(token);
    expect(header).toEqual({ kid: issuer.kid, alg: "RS256" });
    expect(Object.keys(payload).sort()).toEqual(
      [
        "sub", "email_verified", "iss", "cognito:username", "origin_jti", "aud", "event_id",
        "token_use", "auth_time", "exp", "iat", "jti", "email",
      ].sort(),
    );
    expect(payload).toMatchObject({
      email_verified: true,
      iss: issuer.issuer,
      "cognito:username": "test-user",
      aud: "myclientid1234567890abcdef",
      token_use: "id",
      email: "test-user@example.com",
    });
    expect(payload.sub).toMatch(UUID);
    expect(payload.jti).toMatch(UUID);
    expect(payload.exp).toBe((payload.iat as number) + 3600);
    expect(payload).not.toHaveProperty("client_id");
    expect(payload).not.toHaveProperty("scope");
    expect(verifyWithJwk(token, await fetchKey(issuer.jwksUri, issuer.kid))).toBe(true);
  });

  it("accepts overrides and removals", () => {
    const { payload } = decodeJwt(issuer.mintIdToken({ email: "bob@example.com", email_verified: undefined }, { expiresInSeconds: 5 }));
    expect(payload.email).toBe("bob@example.com");
    expect(payload).not.toHaveProperty("email_verified");
    expect(payload.exp).toBe((payload.iat as number) + 5);
  });
});

describe.each(["ES256", "ES384", "ES512", "RS384", "RS512"] as const)("%s issuer", (algorithm) => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await createTestIssuer({ algorithm });
  });
  afterAll(() => issuer.close());

  it("publishes a matching JWK and signs verifiable tokens", async () => {
    const token = issuer.mintAccessToken();
    const { header, signature } = decodeJwt(token);
    expect(header).toEqual({ kid: issuer.kid, alg: algorithm });
    const jwk = await fetchKey(issuer.jwksUri, issuer.kid);
    expect(jwk.alg).toBe(algorithm);
    expect(jwk.use).toBe("sig");
    if (algorithm.startsWith("ES")) {
      const curve = { ES256: "P-256", ES384: "P-384", ES512: "P-521" }[algorithm as "ES256"];
      expect(jwk).toMatchObject({ kty: "EC", crv: curve });
      expect(Object.keys(jwk).sort()).toEqual(["alg", "crv", "kid", "kty", "use", "x", "y"]);
      // IEEE P1363: r||s, each as long as the curve order, not DER.
      const size = { ES256: 64, ES384: 96, ES512: 132 }[algorithm as "ES256"];
      expect(signature).toHaveLength(size);
    } else {
      expect(Object.keys(jwk).sort()).toEqual(["alg", "e", "kid", "kty", "n", "use"]);
    }
    expect(verifyWithJwk(token, jwk)).toBe(true);
  });
});

describe("sign()", () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await createTestIssuer();
  });
  afterAll(() => issuer.close());

  it("defaults alg and kid to the key's and signs arbitrary payloads", async () => {
    const token = issuer.sign({}, { anything: "goes" });
    const { header, payload } = decodeJwt(token);
    expect(header).toEqual({ kid: issuer.kid, alg: "RS256" });
    expect(payload).toEqual({ anything: "goes" });
    expect(verifyWithJwk(token, await fetchKey(issuer.jwksUri, issuer.kid))).toBe(true);
  });

  it("lets the header lie about alg, signing with the key's real algorithm", async () => {
    const token = issuer.sign({ alg: "none", typ: "JWT" }, { sub: "x" });
    const { header } = decodeJwt(token);
    expect(header).toEqual({ kid: issuer.kid, alg: "none", typ: "JWT" });
    expect(verifyWithJwk(token, await fetchKey(issuer.jwksUri, issuer.kid))).toBe(true);
  });

  it("removes header fields set to undefined and can sign with another key", async () => {
    const oldKid = issuer.kid;
    issuer.rotateKey();
    const token = issuer.sign({ kid: undefined }, { sub: "x" }, { kid: oldKid });
    expect(decodeJwt(token).header).toEqual({ alg: "RS256" });
    expect(verifyWithJwk(token, await fetchKey(issuer.jwksUri, oldKid))).toBe(true);
    expect(verifyWithJwk(token, await fetchKey(issuer.jwksUri, issuer.kid))).toBe(false);
  });
});

describe("options", () => {
  it("accepts explicit identifiers and derives the region from a Cognito pool id", async () => {
    const issuer = await createTestIssuer({ userPoolId: "us-east-2_AbCdEf123", clientId: "client-a" });
    try {
      expect(issuer.region).toBe("us-east-2");
      expect(issuer.issuer).toBe(`http://127.0.0.1:${issuer.port}/us-east-2_AbCdEf123`);
      expect(decodeJwt(issuer.mintAccessToken()).payload.client_id).toBe("client-a");
      expect(decodeJwt(issuer.mintIdToken()).payload.aud).toBe("client-a");
    } finally {
      await issuer.close();
    }
  });

  it("builds the default pool id from the region", async () => {
    const issuer = await createTestIssuer({ region: "ap-southeast-2" });
    try {
      expect(issuer.userPoolId).toMatch(/^ap-southeast-2_[a-zA-Z0-9]{9}$/);
    } finally {
      await issuer.close();
    }
  });

  it.each([
    [{ userPoolId: "has/slash" }, TypeError],
    [{ userPoolId: "" }, TypeError],
    [{ clientId: "" }, TypeError],
    [{ algorithm: "HS256" as unknown as "RS256" }, TypeError],
    [{ port: -1 }, RangeError],
    [{ port: 1.5 }, RangeError],
  ])("rejects invalid options %p", async (options, error) => {
    await expect(createTestIssuer(options)).rejects.toThrow(error);
  });
});
