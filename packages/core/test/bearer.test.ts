// Bearer credentials in the Authorization header (RFC 6750 §2.1) and the
// maximum token length.
import { AuthError, DEFAULTS, extractBearerToken } from "@cognito-bearer/core";
import { expectRejected, fixtures, INVALID_TOKEN } from "./helpers";

const MALFORMED = { status: 400, code: "invalid_request", reason: "malformed_credentials" } as const;

function thrown(action: () => unknown): AuthError {
  try {
    action();
  } catch (err) {
    expect(err).toBeInstanceOf(AuthError);
    return err as AuthError;
  }
  throw new Error("expected an AuthError");
}

describe("extractBearerToken", () => {
  test.each([
    ["Bearer abc.def.ghi", "abc.def.ghi"],
    ["bearer abc", "abc"],
    ["BEARER abc", "abc"],
    ["bEaReR abc", "abc"],
    ["Bearer    abc", "abc"],
    ["Bearer abc  ", "abc"],
    ["Bearer abc=", "abc="],
    ["Bearer abc==", "abc=="],
    ["Bearer A-Za-z0-9._~+/", "A-Za-z0-9._~+/"],
    [["Bearer abc"], "abc"],
  ])("%j → %j", (header, token) => {
    expect(extractBearerToken(header)).toBe(token);
  });

  test.each([
    ["no header", undefined],
    ["an empty header", ""],
    ["Basic", "Basic dXNlcjpwYXNz"],
    ["another scheme starting like Bearer", "BearerXYZ abc"],
    ["Bear", "Bear"],
    ["Digest", 'Digest username="a"'],
    ["an empty header array", []],
  ])("%s → undefined (anonymous, not malformed)", (_name, header) => {
    expect(extractBearerToken(header as string | string[] | undefined)).toBeUndefined();
  });

  test.each([
    ["the scheme alone", "Bearer"],
    ["the scheme and a space", "Bearer "],
    ["the scheme and spaces", "Bearer     "],
  ])("%s is an empty token: 400 invalid_request", (_name, header) => {
    const err = thrown(() => extractBearerToken(header));
    expect({ status: err.status, code: err.code, reason: err.reason }).toEqual(MALFORMED);
    expect(err.message).toMatch(/empty/);
  });

  test.each([
    ["two tokens", "Bearer abc def"],
    ["a token and a tab", "Bearer abc\tdef"],
    ["a token with a comma", "Bearer abc,def"],
    ["a quoted token", 'Bearer "abc"'],
    ["padding in the middle", "Bearer ab=c"],
    ["padding only", "Bearer ="],
    ["a non-ASCII character", "Bearer abcé"],
    ["a NUL byte", "Bearer abc\u0000"],
    ["a CR LF", "Bearer abc\r\nX-Evil: 1"],
    ["a semicolon", "Bearer abc;def"],
    ["a token68 with a parameter after it", 'Bearer abc, error="x"'],
    ["a tab instead of the space after the scheme", "Bearer\tabc"],
  ])("%s is malformed: 400 invalid_request", (_name, header) => {
    const err = thrown(() => extractBearerToken(header));
    expect({ status: err.status, code: err.code, reason: err.reason }).toEqual(MALFORMED);
    expect(err.headers["WWW-Authenticate"]).toMatch(/^Bearer realm="api", error="invalid_request", error_description="/);
  });

  test("several Authorization headers are malformed", () => {
    const err = thrown(() => extractBearerToken(["Bearer abc", "Bearer def"]));
    expect(err.reason).toBe("malformed_credentials");
  });

  test("the challenge carries the given realm", () => {
    const err = thrown(() => extractBearerToken("Bearer a b", "orders"));
    expect(err.headers["WWW-Authenticate"]).toMatch(/^Bearer realm="orders", /);
  });
});

describe("through authenticate()", () => {
  const t = fixtures();

  test("a missing or non-Bearer header is 401 without an error code", async () => {
    const verifier = t.verifier({ userPoolId: "local_1", clientId: "c", issuer: "http://127.0.0.1:1/local_1" });
    for (const header of [undefined, "Basic dXNlcjpwYXNz"]) {
      const err = await expectRejected(verifier.authenticate(header), { status: 401, code: null, reason: "missing_credentials" });
      expect(err.headers["WWW-Authenticate"]).toBe('Bearer realm="api"');
      expect(err.body).toEqual({ error: "unauthorized", error_description: "A Bearer access token is required" });
    }
  });

  test("malformed credentials are 400 before any JWKS fetch", async () => {
    const issuer = await t.issuer();
    const verifier = t.verifier(issuer.verifierOptions);
    for (const header of ["Bearer", "Bearer  ", "Bearer a b", "Bearer a\u00e9"]) {
      await expectRejected(verifier.authenticate(header), MALFORMED);
    }
    expect(issuer.jwksRequests).toBe(0);
  });

  test("a valid token with extra spaces around it is accepted", async () => {
    const issuer = await t.issuer();
    const verifier = t.verifier(issuer.verifierOptions);
    const token = issuer.mintAccessToken();
    const auth = await verifier.authenticate(`bearer   ${token}  `);
    expect(auth?.token).toBe(token);
  });
});

describe("maximum token length", () => {
  const t = fixtures();

  test(`defaults to ${DEFAULTS.maxTokenLength} characters`, () => {
    expect(DEFAULTS.maxTokenLength).toBe(16384);
  });

  test("a longer token is refused before decoding, whatever its content", async () => {
    const issuer = await t.issuer();
    const verifier = t.verifier(issuer.verifierOptions);
    const tooLong = "a".repeat(DEFAULTS.maxTokenLength + 1);
    // Not even a JWT: it would be malformed_token if it were decoded.
    await expectRejected(verifier.verify(tooLong), INVALID_TOKEN("token_too_large"));
    // Bad characters too: the length is checked before the characters.
    await expectRejected(verifier.authenticate(`Bearer ${"é".repeat(DEFAULTS.maxTokenLength + 1)}`), INVALID_TOKEN("token_too_large"));
    expect(issuer.jwksRequests).toBe(0);
  });

  test("a token of exactly the maximum length is decoded", async () => {
    const issuer = await t.issuer();
    const verifier = t.verifier(issuer.verifierOptions);
    await expectRejected(verifier.verify("a".repeat(DEFAULTS.maxTokenLength)), INVALID_TOKEN("malformed_token"));
  });

  test("a genuine token over the limit is refused, and accepted with a larger maxTokenLength", async () => {
    const issuer = await t.issuer();
    const token = issuer.mintAccessToken({ "custom:padding": "x".repeat(20_000) });
    expect(token.length).toBeGreaterThan(DEFAULTS.maxTokenLength);
    await expectRejected(t.verifier(issuer.verifierOptions).verify(token), INVALID_TOKEN("token_too_large"));
    const auth = await t.verifier({ ...issuer.verifierOptions, maxTokenLength: 64_000 }).verify(token);
    expect(auth.token).toBe(token);
  });

  test("maxTokenLength can be lowered", async () => {
    const issuer = await t.issuer();
    const token = issuer.mintAccessToken();
    const verifier = t.verifier({ ...issuer.verifierOptions, maxTokenLength: token.length - 1 });
    await expectRejected(verifier.authenticate(`Bearer ${token}`), INVALID_TOKEN("token_too_large"));
  });
});
