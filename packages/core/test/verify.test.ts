// Every check of verify() against the real testing issuer over HTTP.
import { createHmac } from "node:crypto";
import type { CognitoAccessTokenClaims, CognitoAuth } from "@cognito-bearer/core";
import type { TestIssuer } from "@cognito-bearer/testing";
import {
  b64url,
  decode,
  expectRejected,
  fixtures,
  freezeDate,
  GLOBAL_ISSUER,
  httpsJwks,
  INVALID_TOKEN,
  REGIONAL_ISSUER,
  STANDARD_POOL,
  tamperPayload,
} from "./helpers";

const t = fixtures();
let issuer: TestIssuer;

beforeAll(async () => {
  issuer = await t.issuer();
});

describe("a valid access token", () => {
  test("resolves to the auth object of CONTRACT.md", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    const token = issuer.mintAccessToken({ scope: "orders/read orders/write", "cognito:groups": ["admin", "support"] });
    const claims = decode(token).payload;

    const auth = await verifier.verify(token);

    // `token` is there, readable by name, but not enumerable (see auth-object.test.ts).
    expect(auth.token).toBe(token);
    expect(auth).toEqual({
      kind: "user",
      claims,
      sub: claims.sub,
      username: "test-user",
      clientId: issuer.clientId,
      scopes: ["orders/read", "orders/write"],
      groups: ["admin", "support"],
      issuer: issuer.issuer,
    });
  });

  test("is typed: the Cognito claims and the auth fields have their TypeScript types", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    const auth: CognitoAuth = await verifier.verify(issuer.mintAccessToken());
    // Compile-time checks (tsc over this file); each line would fail to compile with a wrong type.
    const claims: Readonly<CognitoAccessTokenClaims> = auth.claims;
    const tokenUse: "access" = claims.token_use;
    const exp: number = claims.exp;
    const groups: string[] | undefined = claims["cognito:groups"];
    const username: string | undefined = auth.username;
    const scopes: string[] = auth.scopes;
    const mutate = (): void => {
      // @ts-expect-error the auth object is read-only
      auth.sub = "someone else";
    };
    expect(typeof mutate).toBe("function");
    expect([tokenUse, typeof exp, groups, username, Array.isArray(scopes)]).toEqual(["access", "number", undefined, "test-user", true]);
  });

  test("is deeply frozen, so no request can alter what another sees", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    const auth = await verifier.verify(issuer.mintAccessToken({ "cognito:groups": ["admin"] }));

    expect(Object.isFrozen(auth)).toBe(true);
    expect(Object.isFrozen(auth.claims)).toBe(true);
    expect(Object.isFrozen(auth.scopes)).toBe(true);
    expect(Object.isFrozen(auth.groups)).toBe(true);
    expect(Object.isFrozen(auth.claims["cognito:groups"])).toBe(true);
    expect(() => (auth.groups as string[]).push("root")).toThrow(TypeError);
    expect(() => {
      (auth as { sub: string }).sub = "x";
    }).toThrow(TypeError);
  });

  test("without groups or scope gives empty arrays", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    const auth = await verifier.verify(issuer.mintAccessToken({ scope: undefined }));
    expect(auth.scopes).toEqual([]);
    expect(auth.groups).toEqual([]);
  });

  test("a client-credentials token (no username, no groups) is accepted", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    const token = issuer.mintAccessToken({
      sub: issuer.clientId,
      username: undefined,
      origin_jti: undefined,
      event_id: undefined,
      auth_time: undefined,
      scope: "orders-api/read",
    });
    const auth = await verifier.verify(token);
    expect(auth.username).toBeUndefined();
    expect(auth.sub).toBe(issuer.clientId);
    expect(auth.scopes).toEqual(["orders-api/read"]);
    expect(auth.groups).toEqual([]);
  });
});

describe("signature", () => {
  test("a tampered payload is refused", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    const token = tamperPayload(issuer.mintAccessToken(), { username: "admin" });
    await expectRejected(verifier.verify(token), INVALID_TOKEN("invalid_signature"));
  });

  test("a token signed by another key under a published kid is refused", async () => {
    const other = await t.issuer();
    const verifier = t.verifier(issuer.verifierOptions);
    const forged = other.sign({ kid: issuer.kid }, decode(issuer.mintAccessToken()).payload);
    await expectRejected(verifier.verify(forged), INVALID_TOKEN("invalid_signature"));
  });

  test("a token signed by a key the issuer does not publish is refused", async () => {
    const other = await t.issuer();
    const verifier = t.verifier(issuer.verifierOptions);
    const forged = other.sign({}, decode(issuer.mintAccessToken()).payload);
    await expectRejected(verifier.verify(forged), INVALID_TOKEN("unknown_key"));
  });

  test("a truncated signature is refused", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    const token = issuer.mintAccessToken();
    await expectRejected(verifier.verify(token.slice(0, -10)), INVALID_TOKEN("invalid_signature"));
  });

  test("a token without kid is refused", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    const token = issuer.mintAccessToken({}, { header: { kid: undefined } });
    await expectRejected(verifier.verify(token), INVALID_TOKEN("unknown_key"));
  });
});

describe("algorithm", () => {
  test("HS256 signed with the issuer's public key (key confusion) is refused before any JWKS fetch", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    const before = issuer.jwksRequests;
    const header = b64url({ alg: "HS256", kid: issuer.kid, typ: "JWT" });
    const payload = b64url(decode(issuer.mintAccessToken()).payload);
    const signature = createHmac("sha256", issuer.publicKey().pem).update(`${header}.${payload}`).digest("base64url");

    await expectRejected(verifier.verify(`${header}.${payload}.${signature}`), INVALID_TOKEN("algorithm_not_allowed"));
    expect(issuer.jwksRequests).toBe(before);
  });

  test('alg "none" is refused, with or without a signature part', async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    const header = b64url({ alg: "none", kid: issuer.kid });
    const payload = b64url(decode(issuer.mintAccessToken()).payload);
    await expectRejected(verifier.verify(`${header}.${payload}.AAAA`), INVALID_TOKEN("algorithm_not_allowed"));
    await expectRejected(verifier.verify(`${header}.${payload}.`), INVALID_TOKEN("malformed_token"));
  });

  test("an allowed algorithm that does not match the key's alg is refused", async () => {
    // RS384 is allowed here, but the published key is an RS256 key.
    const verifier = t.verifier({ ...issuer.verifierOptions, algorithms: ["RS256", "RS384"] });
    const token = issuer.mintAccessToken({}, { header: { alg: "RS384" } });
    await expectRejected(verifier.verify(token), INVALID_TOKEN("algorithm_not_allowed"));
  });

  test("an EC-signed token is refused by default and accepted when ES256 is allowed", async () => {
    const ec = await t.issuer({ algorithm: "ES256" });
    const token = ec.mintAccessToken();
    await expectRejected(t.verifier(ec.verifierOptions).verify(token), INVALID_TOKEN("algorithm_not_allowed"));
    const auth = await t.verifier({ ...ec.verifierOptions, algorithms: ["ES256"] }).verify(token);
    expect(auth.clientId).toBe(ec.clientId);
  });
});

describe("expiry, not-before, issued-at and grace", () => {
  // Date alone is frozen, half-way through a second; timers and sockets stay real.
  const NOW = 1_900_000_000;
  beforeEach(() => {
    freezeDate(NOW * 1000 + 500);
  });

  test("exp one second ahead is accepted; exp at or before now is refused", async () => {
    const verifier = t.verifier({ ...issuer.verifierOptions, cache: false });
    await expect(verifier.verify(issuer.mintAccessToken({ iat: NOW - 100, exp: NOW + 1 }))).resolves.toBeDefined();
    await expectRejected(verifier.verify(issuer.mintAccessToken({ iat: NOW - 100, exp: NOW })), INVALID_TOKEN("expired"));
    await expectRejected(verifier.verify(issuer.mintAccessToken({ iat: NOW - 100, exp: NOW - 1 })), INVALID_TOKEN("expired"));
  });

  test("exp exactly at now (to the millisecond) is expired", async () => {
    freezeDate(NOW * 1000);
    const verifier = t.verifier(issuer.verifierOptions);
    await expectRejected(verifier.verify(issuer.mintAccessToken({ iat: NOW - 100, exp: NOW })), INVALID_TOKEN("expired"));
  });

  test("graceSeconds tolerates an expired token up to exactly the grace", async () => {
    const verifier = t.verifier({ ...issuer.verifierOptions, graceSeconds: 30, cache: false });
    await expect(verifier.verify(issuer.mintAccessToken({ iat: NOW - 100, exp: NOW - 29 }))).resolves.toBeDefined();
    await expectRejected(verifier.verify(issuer.mintAccessToken({ iat: NOW - 100, exp: NOW - 30 })), INVALID_TOKEN("expired"));
  });

  test("nbf in the future is refused, and tolerated within graceSeconds", async () => {
    const strict = t.verifier({ ...issuer.verifierOptions, cache: false });
    const lenient = t.verifier({ ...issuer.verifierOptions, graceSeconds: 30, cache: false });
    await expect(strict.verify(issuer.mintAccessToken({ nbf: NOW }))).resolves.toBeDefined();
    await expectRejected(strict.verify(issuer.mintAccessToken({ nbf: NOW + 1 })), INVALID_TOKEN("not_yet_valid"));
    await expect(lenient.verify(issuer.mintAccessToken({ nbf: NOW + 30 }))).resolves.toBeDefined();
    await expectRejected(lenient.verify(issuer.mintAccessToken({ nbf: NOW + 31 })), INVALID_TOKEN("not_yet_valid"));
  });

  test("iat in the future is refused, and tolerated within graceSeconds", async () => {
    const strict = t.verifier({ ...issuer.verifierOptions, cache: false });
    const lenient = t.verifier({ ...issuer.verifierOptions, graceSeconds: 30, cache: false });
    await expect(strict.verify(issuer.mintAccessToken({ iat: NOW }))).resolves.toBeDefined();
    await expectRejected(strict.verify(issuer.mintAccessToken({ iat: NOW + 1 })), INVALID_TOKEN("issued_in_future"));
    await expect(lenient.verify(issuer.mintAccessToken({ iat: NOW + 30 }))).resolves.toBeDefined();
    await expectRejected(lenient.verify(issuer.mintAccessToken({ iat: NOW + 31 })), INVALID_TOKEN("issued_in_future"));
  });

  test("a token without exp is refused", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    await expectRejected(verifier.verify(issuer.mintAccessToken({ exp: undefined })), INVALID_TOKEN("invalid_claims"));
  });

  test("a non-numeric exp is refused", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    await expectRejected(verifier.verify(issuer.mintAccessToken({ exp: String(NOW + 3600) })), INVALID_TOKEN("malformed_token"));
  });
});

describe("issuer", () => {
  test("a token of another issuer, signed by a published key, is refused", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    const token = issuer.mintAccessToken({ iss: "http://127.0.0.1:1/evil" });
    await expectRejected(verifier.verify(token), INVALID_TOKEN("issuer_not_accepted"));
  });

  test("an issuer differing only by a trailing slash is refused", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    await expectRejected(verifier.verify(issuer.mintAccessToken({ iss: `${issuer.issuer}/` })), INVALID_TOKEN("issuer_not_accepted"));
  });

  test("a token without iss is refused", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    await expectRejected(verifier.verify(issuer.mintAccessToken({ iss: undefined })), INVALID_TOKEN("issuer_not_accepted"));
  });
});

describe("standard Cognito issuers (both formats)", () => {
  test("a standard pool has one key set for both issuers, fetched from the regional JWKS first, the global one next", () => {
    const verifier = t.verifier({ userPoolId: STANDARD_POOL, clientId: "client" });
    expect(verifier.stats().jwks.map((jwks) => jwks.candidates)).toEqual([[`${REGIONAL_ISSUER}/.well-known/jwks.json`, `${GLOBAL_ISSUER}/.well-known/jwks.json`]]);
  });

  test("a token with either iss format is verified against the pool's JWKS; another region is refused", async () => {
    const keys = t.track(await httpsJwks(issuer));
    const verifier = t.verifier({ userPoolId: STANDARD_POOL, clientId: issuer.clientId, jwksUri: keys.jwksUri });
    expect(verifier.stats().jwks.map((jwks) => jwks.jwksUri)).toEqual([keys.jwksUri]);

    const regional = await verifier.verify(issuer.mintAccessToken({ iss: REGIONAL_ISSUER }));
    const global = await verifier.verify(issuer.mintAccessToken({ iss: GLOBAL_ISSUER }));
    expect(regional.issuer).toBe(REGIONAL_ISSUER);
    expect(global.issuer).toBe(GLOBAL_ISSUER);
    expect(keys.requests).toBe(1);

    const otherRegion = issuer.mintAccessToken({ iss: REGIONAL_ISSUER.replace("eu-west-1.", "eu-west-2.") });
    await expectRejected(verifier.verify(otherRegion), INVALID_TOKEN("issuer_not_accepted"));
    // The test issuer's own (emulator) issuer is not one of the pool's issuers.
    await expectRejected(verifier.verify(issuer.mintAccessToken()), INVALID_TOKEN("issuer_not_accepted"));
  });
});

describe("client id", () => {
  test("a single client id: another client's token is refused", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    await expectRejected(verifier.verify(issuer.mintAccessToken({ client_id: "someone-else" })), INVALID_TOKEN("client_not_accepted"));
  });

  test("a list of client ids: each is accepted, others are refused", async () => {
    const verifier = t.verifier({ ...issuer.verifierOptions, clientId: ["web", "mobile"] });
    expect((await verifier.verify(issuer.mintAccessToken({ client_id: "web" }))).clientId).toBe("web");
    expect((await verifier.verify(issuer.mintAccessToken({ client_id: "mobile" }))).clientId).toBe("mobile");
    await expectRejected(verifier.verify(issuer.mintAccessToken({ client_id: issuer.clientId })), INVALID_TOKEN("client_not_accepted"));
  });

  test("client_id must be a string: an array containing the client id is refused", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    await expectRejected(verifier.verify(issuer.mintAccessToken({ client_id: [issuer.clientId] })), INVALID_TOKEN("client_not_accepted"));
  });

  test("a token without client_id is refused", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    await expectRejected(verifier.verify(issuer.mintAccessToken({ client_id: undefined })), INVALID_TOKEN("client_not_accepted"));
  });
});

describe("token_use", () => {
  test("an ID token is refused", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    await expectRejected(verifier.verify(issuer.mintIdToken()), INVALID_TOKEN("wrong_token_use"));
  });

  test("an ID token carrying the configured client id as client_id is still refused", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    await expectRejected(verifier.verify(issuer.mintIdToken({ client_id: issuer.clientId })), INVALID_TOKEN("wrong_token_use"));
  });

  test("an access token without token_use is refused", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    await expectRejected(verifier.verify(issuer.mintAccessToken({ token_use: undefined })), INVALID_TOKEN("wrong_token_use"));
  });
});

describe("claim types", () => {
  test.each([
    ["sub missing", { sub: undefined }],
    ["sub empty", { sub: "" }],
    ["username not a string", { username: 42 }],
    ["cognito:groups not an array", { "cognito:groups": "admin" }],
    ["cognito:groups with a non-string", { "cognito:groups": ["admin", 1] }],
    ["auth_time not a number", { auth_time: "yesterday" }],
  ])("%s is refused", async (_name, claims) => {
    const verifier = t.verifier(issuer.verifierOptions);
    const err = await expectRejected(verifier.verify(issuer.mintAccessToken(claims)), INVALID_TOKEN("invalid_claims"));
    expect(err.status).toBe(401);
  });

  test("a scope that is not a string is refused", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    await expectRejected(verifier.verify(issuer.mintAccessToken({ scope: ["admin"] })), INVALID_TOKEN("malformed_token"));
  });
});

describe("not a token", () => {
  test.each([
    ["garbage", "not-a-jwt"],
    ["two parts", "aaaa.bbbb"],
    ["a header that is not JSON", `${b64url("nope")}.${b64url({})}.sig`],
    ["a header that is an array", `${b64url([1])}.${b64url({})}.sig`],
    ["a payload that is not JSON", `${b64url({ alg: "RS256", kid: "k" })}.${b64url("nope")}.sig`],
  ])("%s is a 401 malformed_token", async (_name, token) => {
    const verifier = t.verifier(issuer.verifierOptions);
    await expectRejected(verifier.verify(token), INVALID_TOKEN("malformed_token"));
  });

  test("the empty string and non-strings are refused", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    await expectRejected(verifier.verify(""), INVALID_TOKEN("malformed_token"));
    await expectRejected(verifier.verify(undefined as unknown as string), INVALID_TOKEN("malformed_token"));
  });

  test("header fields pointing at other keys, or crit extensions, are refused", async () => {
    const verifier = t.verifier(issuer.verifierOptions);
    for (const header of [{ jku: "https://evil.example/jwks.json" }, { jwk: issuer.publicKey().jwk }, { x5u: "https://evil.example" }, { crit: ["exp"] }]) {
      await expectRejected(verifier.verify(issuer.mintAccessToken({}, { header })), INVALID_TOKEN("unsupported_header"));
    }
  });
});
