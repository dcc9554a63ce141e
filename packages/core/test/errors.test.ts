// The deliberate mapping of every aws-jwt-verify error class onto AuthError,
// and the same mappings end to end through verify() where they are reachable.
import { AuthError, toAuthError, isAuthError } from "@cognito-bearer/core";
import type { TestIssuer } from "@cognito-bearer/testing";
import {
  CognitoJwtInvalidClientIdError,
  CognitoJwtInvalidGroupError,
  CognitoJwtInvalidTokenUseError,
  FetchError,
  JwkInvalidKtyError,
  JwkInvalidUseError,
  JwksNotAvailableInCacheError,
  JwksValidationError,
  JwkValidationError,
  JwtExpiredError,
  JwtInvalidAudienceError,
  JwtInvalidClaimError,
  JwtInvalidIssuerError,
  JwtInvalidScopeError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
  NonRetryableFetchError,
  NotSupportedError,
  ParameterValidationError,
  WaitPeriodNotYetEndedJwkError,
} from "aws-jwt-verify/error";
import { b64url, expectRejected, fixtures, INVALID_TOKEN, nowSeconds, tamperPayload, UNAVAILABLE } from "./helpers";

// Token content an attacker controls, put into aws-jwt-verify's own messages.
const SECRET = "eyJTOKEN-CONTENT.kid-4f2a9c";
// JwtInvalidClaimError is abstract in the typings only.
const InvalidClaim = JwtInvalidClaimError as unknown as new (msg: string, actual: unknown, expected?: string) => Error;

const unavailable = { status: 503, code: "temporarily_unavailable", reason: "jwks_unavailable" };
const invalid = (reason: string) => ({ status: 401, code: "invalid_token", reason });
const forbidden = (reason: string) => ({ status: 403, code: "insufficient_scope", reason });

const MAPPINGS: [string, Error, { status: number; code: string; reason: string }][] = [
  ["FetchError", new FetchError(`https://example.com/${SECRET}`, `boom ${SECRET}`), unavailable],
  ["NonRetryableFetchError", new NonRetryableFetchError(`https://example.com/${SECRET}`, SECRET), unavailable],
  ["JwksValidationError", new JwksValidationError(`JWKS ${SECRET}`), unavailable],
  ["JwksNotAvailableInCacheError", new JwksNotAvailableInCacheError(`not cached ${SECRET}`), unavailable],
  ["JwkInvalidKtyError", new JwkInvalidKtyError(`kty ${SECRET}`, SECRET, "RSA"), unavailable],
  ["JwkInvalidUseError", new JwkInvalidUseError(`use ${SECRET}`, SECRET, "sig"), unavailable],
  ["JwkValidationError", new JwkValidationError(`jwk ${SECRET}`), unavailable],
  ["JwtParseError", new JwtParseError(`parse ${SECRET}`), invalid("malformed_token")],
  ["JwtWithoutValidKidError", new JwtWithoutValidKidError(`kid ${SECRET}`), invalid("unknown_key")],
  ["KidNotFoundInJwksError", new KidNotFoundInJwksError(`JWK for kid ${SECRET} not found`), invalid("unknown_key")],
  ["WaitPeriodNotYetEndedJwkError", new WaitPeriodNotYetEndedJwkError(`kid ${SECRET}`), invalid("unknown_key")],
  ["JwtInvalidSignatureAlgorithmError", new JwtInvalidSignatureAlgorithmError(`alg ${SECRET}`, SECRET, "RS256"), invalid("algorithm_not_allowed")],
  ["NotSupportedError", new NotSupportedError(`alg ${SECRET}`), invalid("algorithm_not_allowed")],
  ["JwtInvalidSignatureError", new JwtInvalidSignatureError(`sig ${SECRET}`), invalid("invalid_signature")],
  ["JwtExpiredError", new JwtExpiredError(`expired ${SECRET}`, 1), invalid("expired")],
  ["JwtNotBeforeError", new JwtNotBeforeError(`nbf ${SECRET}`, 1), invalid("not_yet_valid")],
  ["JwtInvalidIssuerError", new JwtInvalidIssuerError(`iss ${SECRET}`, SECRET, "https://issuer"), invalid("issuer_not_accepted")],
  ["JwtInvalidAudienceError", new JwtInvalidAudienceError(`aud ${SECRET}`, SECRET, "client"), invalid("client_not_accepted")],
  ["CognitoJwtInvalidClientIdError", new CognitoJwtInvalidClientIdError(`client ${SECRET}`, SECRET, "client"), invalid("client_not_accepted")],
  ["CognitoJwtInvalidTokenUseError", new CognitoJwtInvalidTokenUseError(`use ${SECRET}`, "id", "access"), invalid("wrong_token_use")],
  ["JwtInvalidScopeError", new JwtInvalidScopeError(`scope ${SECRET}`, SECRET, "orders/read"), forbidden("insufficient_scope")],
  ["CognitoJwtInvalidGroupError", new CognitoJwtInvalidGroupError(`group ${SECRET}`, SECRET, "admin"), forbidden("insufficient_group")],
  ["JwtInvalidClaimError (any other claim)", new InvalidClaim(`claim ${SECRET}`, SECRET, "x"), invalid("invalid_claims")],
  ["ParameterValidationError (iss not configured)", new ParameterValidationError(`issuer not configured: ${SECRET}`), invalid("issuer_not_accepted")],
  ["an unexpected Error while reading the token", new TypeError(`Cannot read ${SECRET}`), invalid("malformed_token")],
];

describe("toAuthError: one mapping per aws-jwt-verify error class", () => {
  test.each(MAPPINGS)("%s", (_name, error, expected) => {
    const err = toAuthError(error, "orders");
    expect(err).toBeInstanceOf(AuthError);
    expect({ status: err.status, code: err.code, reason: err.reason }).toEqual(expected);
    // A server-side fault keeps its cause for the operator; a refused token keeps none,
    // because aws-jwt-verify's messages quote token content that would reach logs.
    if (err.status === 503) expect(err.cause).toBe(error);
    else expect(err.cause).toBeUndefined();
    // The safe message never repeats aws-jwt-verify's, which quotes token content.
    const visible = JSON.stringify({ message: err.message, headers: err.headers, body: err.body, json: err });
    expect(visible).not.toContain(SECRET);
    expect(visible).not.toContain("kid-4f2a9c");
    if (err.status === 503) {
      expect(err.headers).toEqual({ "Retry-After": expect.stringMatching(/^\d+$/) });
    } else {
      expect(err.headers["WWW-Authenticate"]).toMatch(/^Bearer realm="orders", error="/);
    }
  });

  test("an AuthError passes through unchanged", () => {
    const original = new AuthError("revoked");
    expect(toAuthError(original)).toBe(original);
    expect(isAuthError(original)).toBe(true);
    expect(isAuthError(new Error("x"))).toBe(false);
  });

  test("non-Error throws are mapped too", () => {
    expect(toAuthError("a string").reason).toBe("malformed_token");
    expect(toAuthError(undefined).status).toBe(401);
  });
});

describe("the mappings end to end, through verify()", () => {
  const t = fixtures();
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await t.issuer();
  });
  beforeEach(() => issuer.setFault(null));

  /** Rejects with `expected`, and neither the message nor anything visible contains the token or its kid. */
  async function refused(
    token: string,
    expected: { status: number; code: string; reason: string },
    options: Record<string, unknown> = {},
  ): Promise<AuthError> {
    const verifier = t.verifier({ ...issuer.verifierOptions, ...options });
    const err = await expectRejected(verifier.verify(token), expected);
    const visible = JSON.stringify({ message: err.message, headers: err.headers, body: err.body });
    expect(visible).not.toContain(token);
    expect(visible).not.toContain(token.split(".")[2]);
    const kid = JSON.parse(Buffer.from(token.split(".")[0], "base64url").toString()).kid;
    if (typeof kid === "string") expect(visible).not.toContain(kid);
    if (err.status === 503) expect(err.headers["Retry-After"]).toMatch(/^\d+$/);
    return err;
  }

  test("FetchError: the JWKS endpoint is down → 503", async () => {
    issuer.setFault({ mode: "down" });
    const err = await refused(issuer.mintAccessToken(), UNAVAILABLE);
    expect(err.cause).toBeInstanceOf(FetchError);
  });

  test("FetchError: the JWKS endpoint answers 500 → 503", async () => {
    issuer.setFault({ mode: "status", status: 500 });
    await refused(issuer.mintAccessToken(), UNAVAILABLE);
  });

  test("FetchError: the JWKS endpoint answers 404 → 503, not 401", async () => {
    issuer.setFault({ mode: "status", status: 404 });
    await refused(issuer.mintAccessToken(), UNAVAILABLE);
  });

  test("FetchError: nothing listens at the JWKS URI → 503", async () => {
    const gone = await t.issuer();
    const token = gone.mintAccessToken();
    const options = gone.verifierOptions;
    await gone.close();
    const verifier = t.verifier(options);
    await expectRejected(verifier.verify(token), UNAVAILABLE);
  });

  test("FetchError: the JWKS fetch times out → 503 within the timeout", async () => {
    issuer.setFault({ mode: "slow", delayMs: 5_000 });
    const started = Date.now();
    const err = await refused(issuer.mintAccessToken(), UNAVAILABLE, { jwks: { timeoutMs: 150 } });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(err.cause).toBeInstanceOf(FetchError);
  });

  test("FetchError: a JWKS response over maxResponseBytes → 503 (chunked and announced)", async () => {
    issuer.setFault({ mode: "huge", bytes: 200_000 });
    await refused(issuer.mintAccessToken(), UNAVAILABLE, { jwks: { maxResponseBytes: 64 * 1024 } });
    issuer.setFault({ mode: "huge", bytes: 200_000, contentLength: true });
    await refused(issuer.mintAccessToken(), UNAVAILABLE, { jwks: { maxResponseBytes: 64 * 1024 } });
  });

  test.each([
    ["garbage (not JSON)", { mode: "garbage" } as const],
    ["an HTML page", { mode: "html" } as const],
    ["an empty key list", { mode: "empty" } as const],
  ])("JwksValidationError: the JWKS is %s → 503", async (_name, fault) => {
    issuer.setFault(fault);
    const err = await refused(issuer.mintAccessToken(), UNAVAILABLE);
    expect(err.cause).toBeInstanceOf(JwksValidationError);
  });

  test("unusable keys (symmetric keys under the right kid) → 503, never verified with", async () => {
    issuer.setFault({ mode: "invalid-keys" });
    await refused(issuer.mintAccessToken(), UNAVAILABLE);
  });

  test("JwtParseError: a token that is not a JWT → 401", async () => {
    await refused(`${b64url({ alg: "RS256", kid: "kid-4f2a9c" })}.bm90IGpzb24.c2ln`, INVALID_TOKEN("malformed_token"));
  });

  test("KidNotFoundInJwksError: a kid the JWKS does not have → 401 unknown_key", async () => {
    await refused(issuer.mintAccessToken({}, { header: { kid: "kid-4f2a9c" } }), INVALID_TOKEN("unknown_key"));
  });

  test("JwtInvalidSignatureAlgorithmError: header alg differs from the key's → 401", async () => {
    await refused(issuer.mintAccessToken({}, { header: { alg: "RS512" } }), INVALID_TOKEN("algorithm_not_allowed"), {
      algorithms: ["RS256", "RS512"],
    });
  });

  test("JwtInvalidSignatureError: a tampered token → 401", async () => {
    await refused(tamperPayload(issuer.mintAccessToken(), { scope: "admin" }), INVALID_TOKEN("invalid_signature"));
  });

  test("JwtExpiredError: expired before aws-jwt-verify's own check → 401 expired", async () => {
    await refused(issuer.mintAccessToken({}, { expiresInSeconds: -60 }), INVALID_TOKEN("expired"));
  });

  test("JwtNotBeforeError: nbf in the future → 401 not_yet_valid", async () => {
    await refused(issuer.mintAccessToken({ nbf: nowSeconds() + 600 }), INVALID_TOKEN("not_yet_valid"));
  });

  test("JwtInvalidIssuerError: one issuer configured, token from another → 401", async () => {
    await refused(issuer.mintAccessToken({ iss: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Evil" }), INVALID_TOKEN("issuer_not_accepted"));
  });

  test("ParameterValidationError: several issuers configured, token from none of them → 401", async () => {
    const second = await t.issuer();
    const verifier = t.verifier([issuer.verifierOptions, second.verifierOptions]);
    await expectRejected(verifier.verify(issuer.mintAccessToken({ iss: "https://elsewhere.example/pool" })), INVALID_TOKEN("issuer_not_accepted"));
  });

  test("no JWKS outage is ever a 401", async () => {
    for (const fault of [{ mode: "down" }, { mode: "status", status: 401 }, { mode: "status", status: 403 }, { mode: "garbage" }] as const) {
      issuer.setFault(fault);
      const verifier = t.verifier(issuer.verifierOptions);
      const err = await expectRejected(verifier.verify(issuer.mintAccessToken()), UNAVAILABLE);
      expect(err.headers["WWW-Authenticate"]).toBeUndefined();
    }
  });
});
