// Every invalid option fails at createVerifier() with a message naming it,
// never at the first request.
import { createVerifier, DEFAULTS, OptionsError, type VerifierOptions } from "@cognito-bearer/core";
import { fixtures, REGIONAL_ISSUER, STANDARD_POOL } from "./helpers";

const t = fixtures();
const LOCAL = { userPoolId: "local_AbCd1234", clientId: "client", issuer: "http://127.0.0.1:9229/local_AbCd1234" };

/** createVerifier(options) must throw an OptionsError whose message matches. */
function refuses(options: unknown, message: RegExp): void {
  let error: unknown;
  try {
    t.verifier(options as VerifierOptions);
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(OptionsError);
  expect(error).toBeInstanceOf(TypeError);
  expect((error as Error).message).toMatch(/^cognito-bearer: /);
  expect((error as Error).message).toMatch(message);
}

describe("valid configurations", () => {
  test("a standard pool with a client id", () => {
    expect(t.verifier({ userPoolId: STANDARD_POOL, clientId: "client" }).realm).toBe("api");
  });

  test.each(["us-east-1_abc", "us-gov-west-1_AbC123", "ap-southeast-2_X", "eusc-de-east-1_Abc"])("pool id %s", (userPoolId) => {
    expect(() => t.verifier({ userPoolId, clientId: "c" })).not.toThrow();
  });

  test("a free-form pool id with an issuer override, over http (emulators)", () => {
    const verifier = t.verifier(LOCAL);
    expect(verifier.stats().jwks.map((j) => j.jwksUri)).toEqual(["http://127.0.0.1:9229/local_AbCd1234/.well-known/jwks.json"]);
  });

  test("an issuer that really ends in / (issuerEndsWithSlash) does not double the JWKS path", () => {
    const verifier = t.verifier({ ...LOCAL, issuer: `${LOCAL.issuer}/`, issuerEndsWithSlash: true });
    expect(verifier.stats().jwks[0].jwksUri).toBe("http://127.0.0.1:9229/local_AbCd1234/.well-known/jwks.json");
  });

  test("every option at a valid value", () => {
    expect(() =>
      t.verifier({
        ...LOCAL,
        clientId: ["a", "b"],
        jwksUri: "http://127.0.0.1:9229/keys",
        scopes: { anyOf: ["a", "b"] },
        groups: { allOf: ["g"] },
        graceSeconds: 0,
        algorithms: ["RS256", "ES256"],
        cache: { maxEntries: 1, maxBytes: 10_000 },
        jwks: { maxAgeSeconds: 0.5, timeoutMs: 100, cooldownSeconds: 0, maxResponseBytes: 1024 },
        maxTokenLength: 100,
        realm: "orders api",
        isRevoked: () => false,
        onEvent: () => undefined,
      }),
    ).not.toThrow();
  });

  test("cache: true and cache: false", () => {
    expect(t.verifier({ ...LOCAL, cache: true }).stats().cache).toEqual({ size: 0, bytes: 0, ...DEFAULTS.cache });
    expect(t.verifier({ ...LOCAL, cache: false }).stats().cache).toBeUndefined();
  });

  test("the documented defaults", () => {
    expect(DEFAULTS).toEqual({
      graceSeconds: 0,
      algorithms: ["RS256"],
      maxTokenLength: 16384,
      realm: "api",
      jwks: { maxAgeSeconds: 300, timeoutMs: 3000, cooldownSeconds: 10, maxResponseBytes: 131072 },
      cache: { maxEntries: 10000, maxBytes: 16 * 1024 * 1024 },
    });
    expect(t.verifier(LOCAL).stats().cache).toMatchObject(DEFAULTS.cache);
  });
});

describe("required options", () => {
  test.each([
    ["nothing", undefined, /object/],
    ["null", null, /object/],
    ["a string", "eu-west-1_abc", /object/],
    ["an empty array", [], /at least one/],
  ])("%s", (_name, options, message) => {
    refuses(options, message);
  });

  test.each([
    ["missing", {}],
    ["empty", { userPoolId: "" }],
    ["blank", { userPoolId: "   " }],
    ["not a string", { userPoolId: 42 }],
  ])("userPoolId %s", (_name, options) => {
    refuses({ clientId: "c", ...options }, /userPoolId.*required/);
  });

  test.each([
    ["missing", {}],
    ["empty", { clientId: "" }],
    ["an empty array", { clientId: [] }],
    ["an array with an empty id", { clientId: ["a", ""] }],
    ["an array with a number", { clientId: ["a", 1] }],
    ["a number", { clientId: 7 }],
  ])("clientId %s", (_name, options) => {
    refuses({ userPoolId: STANDARD_POOL, ...options }, /clientId.*required/);
  });

  test("a free-form pool id without an issuer", () => {
    refuses({ userPoolId: "local_AbCd1234", clientId: "c" }, /userPoolId "local_AbCd1234" is not a Cognito user pool id.*issuer/);
  });

  test.each(["eu-west-1", "eu-west-1_", "EU-WEST-1_abc", "eu-west-1_ab/../x", "eu-west-1_abc?x=1"])("pool id %j without an issuer", (userPoolId) => {
    refuses({ userPoolId, clientId: "c" }, /userPoolId/);
  });
});

describe("issuer and jwksUri", () => {
  test.each(["not a url", "/relative/path", "ftp://example.com/pool", "file:///etc/passwd"])("issuer %j", (issuer) => {
    refuses({ ...LOCAL, issuer }, /^cognito-bearer: issuer /);
  });

  test.each(["not a url", "ftp://127.0.0.1/keys"])("jwksUri %j", (jwksUri) => {
    refuses({ ...LOCAL, jwksUri }, /^cognito-bearer: jwksUri /);
  });

  test("an http JWKS for a standard (real Cognito) issuer is refused", () => {
    refuses({ userPoolId: STANDARD_POOL, clientId: "c", jwksUri: "http://127.0.0.1:9229/keys" }, /jwksUri.*https/);
  });

  test("an http JWKS for an overridden issuer on Cognito's host is refused", () => {
    refuses({ userPoolId: STANDARD_POOL, clientId: "c", issuer: REGIONAL_ISSUER, jwksUri: "http://127.0.0.1:9229/keys" }, /jwksUri.*https/);
    refuses({ userPoolId: STANDARD_POOL, clientId: "c", issuer: REGIONAL_ISSUER.replace("https:", "http:") }, /jwksUri.*https/);
  });

  test("an https JWKS for a standard issuer is accepted", () => {
    const verifier = t.verifier({ userPoolId: STANDARD_POOL, clientId: "c", jwksUri: "https://keys.example.com/jwks.json" });
    expect(verifier.stats().jwks.map((j) => j.jwksUri)).toEqual(["https://keys.example.com/jwks.json"]);
  });
});

describe("an issuer with a trailing slash", () => {
  test("is refused at creation, saying why (every token's iss would fail to match)", () => {
    refuses({ ...LOCAL, issuer: `${LOCAL.issuer}/` }, /issuer "http:\/\/127\.0\.0\.1:9229\/local_AbCd1234\/" ends with "\/".*Cognito's issuers have no trailing slash.*issuerEndsWithSlash: true/);
    refuses({ userPoolId: STANDARD_POOL, clientId: "c", issuer: `${REGIONAL_ISSUER}/` }, /ends with "\/"/);
  });

  test("issuerEndsWithSlash must be a boolean", () => {
    refuses({ ...LOCAL, issuer: `${LOCAL.issuer}/`, issuerEndsWithSlash: "yes" }, /issuerEndsWithSlash must be a boolean/);
  });
});

describe("unknown options", () => {
  test.each([
    ["scope", { scope: "admin/write" }, /^cognito-bearer: unknown option "scope" \(did you mean "scopes"\?\)$/],
    ["group", { group: "admin" }, /unknown option "group" \(did you mean "groups"\?\)/],
    ["clientID", { clientID: "c" }, /unknown option "clientID" \(did you mean "clientId"\?\)/],
    ["userPoolID", { userPoolID: "x" }, /did you mean "userPoolId"/],
    ["jwksURI", { jwksURI: "https://x.example/jwks" }, /did you mean "jwksUri"/],
    ["gracePeriod (no near key: the known ones are listed)", { gracePeriod: 5 }, /unknown option "gracePeriod" \(known options: userPoolId, clientId, .*onEvent/],
    ["jwks.maxAge", { jwks: { maxAge: 10 } }, /unknown option "jwks\.maxAge" \(did you mean "maxAgeSeconds"\?\)/],
    ["jwks.refresh (no near key: the known ones are listed)", { jwks: { refresh: 10 } }, /unknown option "jwks\.refresh" \(known options: maxAgeSeconds, timeoutMs/],
    ["jwks.timeout", { jwks: { timeoutMS: 10 } }, /unknown option "jwks\.timeoutMS" \(did you mean "timeoutMs"\?\)/],
    ["cache.maxEntry", { cache: { maxEntry: 10 } }, /unknown option "cache\.maxEntry" \(did you mean "maxEntries"\?\)/],
    ["an adapter option", { optional: true }, /optional: "optional" is an option of the middleware \(cognitoAuth, withCognitoAuth\), not of createVerifier\(\)/],
  ])("%s", (_name, options, message) => {
    refuses({ ...LOCAL, ...options }, message);
  });

  test("in an entry of an array of pools, with the entry named", () => {
    refuses([LOCAL, { ...LOCAL, issuer: "http://127.0.0.1:9229/other", scope: "a" }], /unknown option "\[1\]\.scope" \(did you mean "scopes"\?\)/);
    refuses([{ ...LOCAL, optional: true }], /\[0\]\.optional: .* pass it as the second argument/);
  });

  test("options built by spreading other objects are checked the same way", () => {
    const fromConfig = JSON.parse('{"userPoolId":"local_AbCd1234","clientId":"c","issuer":"http://127.0.0.1:9229/p","Groups":"admin"}');
    refuses(fromConfig, /"Groups" \(did you mean "groups"\?\)/);
  });
});

describe("jwks policy", () => {
  test.each([
    ["not an object", "fast", /jwks must be an object/],
    ["null", null, /jwks must be an object/],
    ["maxAgeSeconds 0", { maxAgeSeconds: 0 }, /jwks\.maxAgeSeconds must be a positive number/],
    ["maxAgeSeconds negative", { maxAgeSeconds: -1 }, /jwks\.maxAgeSeconds/],
    ["maxAgeSeconds NaN", { maxAgeSeconds: NaN }, /jwks\.maxAgeSeconds/],
    ["maxAgeSeconds Infinity", { maxAgeSeconds: Infinity }, /jwks\.maxAgeSeconds/],
    ["maxAgeSeconds a string", { maxAgeSeconds: "300" }, /jwks\.maxAgeSeconds/],
    ["timeoutMs 0", { timeoutMs: 0 }, /jwks\.timeoutMs must be a positive number/],
    ["cooldownSeconds negative", { cooldownSeconds: -1 }, /jwks\.cooldownSeconds must be a number >= 0/],
    ["maxResponseBytes fractional", { maxResponseBytes: 1.5 }, /jwks\.maxResponseBytes must be a positive integer/],
    ["maxResponseBytes 0", { maxResponseBytes: 0 }, /jwks\.maxResponseBytes/],
  ])("%s", (_name, jwks, message) => {
    refuses({ ...LOCAL, jwks }, message);
  });
});

describe("cache", () => {
  test.each([
    ["a string", "yes", /cache must be true, false or \{ maxEntries, maxBytes \}/],
    ["null", null, /^cognito-bearer: cache must/],
    ["a number", 100, /^cognito-bearer: cache must/],
    ["maxEntries 0", { maxEntries: 0 }, /cache\.maxEntries must be a positive integer/],
    ["maxEntries fractional", { maxEntries: 2.5 }, /cache\.maxEntries/],
    ["maxEntries a string", { maxEntries: "10" }, /cache\.maxEntries/],
    ["maxBytes negative", { maxBytes: -1 }, /cache\.maxBytes must be a positive integer/],
  ])("%s", (_name, cache, message) => {
    refuses({ ...LOCAL, cache }, message);
  });
});

describe("other options", () => {
  test.each([
    ["graceSeconds negative", { graceSeconds: -1 }, /graceSeconds must be a number >= 0/],
    ["graceSeconds a string", { graceSeconds: "30" }, /graceSeconds/],
    ["algorithms empty", { algorithms: [] }, /algorithms must be a non-empty array/],
    ["algorithms a string", { algorithms: "RS256" }, /algorithms must be a non-empty array/],
    ["algorithms HS256", { algorithms: ["RS256", "HS256"] }, /algorithms: "HS256" is not supported/],
    ["algorithms none", { algorithms: ["none"] }, /algorithms: "none" is not supported/],
    ["maxTokenLength 0", { maxTokenLength: 0 }, /maxTokenLength must be a positive integer/],
    ["maxTokenLength fractional", { maxTokenLength: 10.5 }, /maxTokenLength/],
    ["realm empty", { realm: "" }, /realm must be/],
    ["realm with a quote", { realm: 'a"b' }, /realm must be/],
    ["realm with a backslash", { realm: "a\\b" }, /realm must be/],
    ["realm with CR LF", { realm: "a\r\nb" }, /realm must be/],
    ["realm non-ASCII", { realm: "café" }, /realm must be/],
    ["isRevoked not a function", { isRevoked: true }, /isRevoked must be a function/],
    ["onEvent not a function", { onEvent: "console.log" }, /onEvent must be a function/],
  ])("%s", (_name, options, message) => {
    refuses({ ...LOCAL, ...options }, message);
  });

  test.each([
    ["an empty string", ""],
    ["an empty array", []],
    ["a name with a space", "orders/read orders/write"],
    ["an empty anyOf", { anyOf: [] }],
    ["an unknown key", { oneOf: ["a"] }],
    ["two keys", { anyOf: ["a"], allOf: ["b"] }],
    ["a number", 5],
    ["null", null],
  ])("scopes as %s", (_name, scopes) => {
    refuses({ ...LOCAL, scopes }, /scopes must/);
  });

  test.each([
    ["an empty string", ""],
    ["an array with a number", ["admin", 1]],
    ["an empty allOf", { allOf: [] }],
  ])("groups as %s", (_name, groups) => {
    refuses({ ...LOCAL, groups }, /groups must/);
  });
});

describe("several pools", () => {
  test("an invalid entry is named by its index", () => {
    refuses([LOCAL, { ...LOCAL, issuer: "http://127.0.0.1:9230/p2", clientId: "" }], /clientId\[1\] is required/);
    refuses([LOCAL, { ...LOCAL, issuer: "http://127.0.0.1:9230/p2", jwks: { timeoutMs: -5 } }], /jwks\[1\]\.timeoutMs/);
    refuses([LOCAL, null], /options\[1\] must be an object/);
  });

  test("the same issuer twice is refused", () => {
    refuses([LOCAL, { ...LOCAL, clientId: "other" }], /issuer http:\/\/127\.0\.0\.1:9229\/local_AbCd1234 is configured more than once/);
    refuses([{ userPoolId: STANDARD_POOL, clientId: "a" }, { userPoolId: STANDARD_POOL, clientId: "b" }], /configured more than once/);
  });

  test.each([
    ["cache", false],
    ["maxTokenLength", 100],
    ["realm", "other"],
    ["isRevoked", () => false],
    ["onEvent", () => undefined],
    ["algorithms", ["ES256"]],
  ])("%s set differently on a later entry is refused", (key, value) => {
    refuses([LOCAL, { ...LOCAL, issuer: "http://127.0.0.1:9230/p2", [key]: value }], new RegExp(`${key} applies to the whole verifier.*entry 1`));
  });

  test("a shared option repeated with the same value on a later entry is fine", () => {
    const onEvent = (): void => undefined;
    expect(() => t.verifier([{ ...LOCAL, onEvent }, { ...LOCAL, issuer: "http://127.0.0.1:9230/p2", onEvent }])).not.toThrow();
  });

  test("failures happen at creation, not on the first request", () => {
    expect(() => createVerifier({ userPoolId: STANDARD_POOL } as VerifierOptions)).toThrow(OptionsError);
  });
});
