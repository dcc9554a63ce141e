// The JWT attack catalogue (issue 5), each attack a named test, run through
// core verify() and through the Express adapter. Every attack must end in 401
// invalid_token (400 invalid_request where the credentials are not even a
// b64token), cause no JWKS request, reach no attacker-controlled server, and
// leak neither the token nor attacker-chosen header values into the answer.
//
// The main verifier runs with `cooldownSeconds: 0`: any forged token whose
// header got past the header checks with an unknown kid would refetch the JWKS
// at once, so the request counter catches a regression in those checks. The
// kid-injection attacks use a verifier whose cooldown window is already open
// (an unknown kid legitimately triggers one refetch per window; that bound is
// tested on its own below, together with where that refetch goes).
import { createHmac, generateKeyPairSync, randomUUID, sign as cryptoSign } from "node:crypto";
import request from "supertest";
import { AuthError, createVerifier, type Verifier } from "@cognito-bearer/core";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import {
  accessClaims,
  authErrorOf,
  b64url,
  compact,
  createRawSigner,
  expectNoLeak,
  malleate,
  startExpressApp,
  startJwksMirror,
  startRecordingServer,
  visibleText,
  type ExpressApp,
  type JwksMirror,
  type RawSigner,
  type RecordingServer,
} from "./helpers";

const MAX_TOKEN_LENGTH = 16384; // the documented default

let issuer: TestIssuer; // our pool (RS256)
let otherPool: TestIssuer; // another pool: its tokens are genuine, but not ours
let ecIssuer: TestIssuer; // an ES256 pool, for the psychic signature
let raw: RawSigner; // a key our JWKS publishes too, for hand-written JSON
let mirror: JwksMirror; // our JWKS (issuer's keys + raw key), recording every request
let attacker: RecordingServer; // where jku / x5u / kid URLs point
const attackerKey = generateKeyPairSync("rsa", { modulusLength: 2048 });
const attackerJwk = { ...attackerKey.publicKey.export({ format: "jwk" }), kid: "attacker-kid", alg: "RS256", use: "sig" };

interface Target {
  verifier: Verifier;
  app: ExpressApp;
  jwksRequests(): number;
}
const targets: Record<"main" | "kid" | "ec", Target> = {} as never;

beforeAll(async () => {
  [issuer, otherPool, ecIssuer] = await Promise.all([createTestIssuer(), createTestIssuer(), createTestIssuer({ algorithm: "ES256" })]);
  raw = createRawSigner();
  mirror = await startJwksMirror(issuer, () => [raw.jwk]);
  attacker = await startRecordingServer();

  const main = createVerifier({ ...issuer.verifierOptions, jwksUri: mirror.jwksUri, jwks: { cooldownSeconds: 0 } });
  const kid = createVerifier({ ...issuer.verifierOptions, jwksUri: mirror.jwksUri, jwks: { cooldownSeconds: 3600 } });
  const ec = createVerifier({ ...ecIssuer.verifierOptions, algorithms: ["ES256"], jwks: { cooldownSeconds: 0 } });
  await Promise.all([main.warmup(), kid.warmup(), ec.warmup()]);
  // Open the kid verifier's cooldown window with one unknown kid (its one refetch).
  await authErrorOf(kid.verify(issuer.sign({ kid: `unknown-${randomUUID()}` }, accessClaims(issuer))));

  const [mainApp, kidApp, ecApp] = await Promise.all([startExpressApp(main), startExpressApp(kid), startExpressApp(ec)]);
  targets.main = { verifier: main, app: mainApp, jwksRequests: () => mirror.jwksRequests };
  targets.kid = { verifier: kid, app: kidApp, jwksRequests: () => mirror.jwksRequests };
  targets.ec = { verifier: ec, app: ecApp, jwksRequests: () => ecIssuer.jwksRequests };
});

afterAll(async () => {
  for (const target of Object.values(targets)) {
    target.verifier?.close();
    await target.app?.close();
  }
  await Promise.all([mirror?.close(), attacker?.close(), issuer?.close(), otherPool?.close(), ecIssuer?.close()]);
});

afterEach(() => {
  // Nothing any attack does may reach the attacker's server.
  expect(attacker.requests).toEqual([]);
});

// ---------------------------------------------------------------------------
// The catalogue

interface Attack {
  name: string;
  token: () => string;
  /** Which verifier (and app) to attack. Default "main". */
  target?: keyof typeof targets;
  /** The precise reason, where the reason is the point of the test. */
  reason?: string;
  /** Status from the adapter when the credentials are not a b64token at all. Default 401. */
  adapterStatus?: 400 | 401;
  /** Attacker-chosen strings that must never appear in an answer. */
  secrets?: () => string[];
}

const now = () => Math.floor(Date.now() / 1000);
const rs256 = (extra: Record<string, unknown> = {}) => ({ alg: "RS256", kid: issuer.kid, ...extra });
const rawHeader = () => ({ alg: "RS256", kid: raw.kid });
/** Claims JSON written by hand, so values JSON.stringify cannot produce can be placed. */
const handWrittenClaims = (exp: string) =>
  `{"sub":"${randomUUID()}","iss":"${issuer.issuer}","client_id":"${issuer.clientId}","token_use":"access","scope":"openid","exp":${exp},"iat":${now()},"username":"mallory"}`;

function signWithAttackerKey(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${cryptoSign("sha256", Buffer.from(input), attackerKey.privateKey).toString("base64url")}`;
}

function hmacWithPublicKey(alg: "HS256" | "HS384" | "HS512", form: "pem" | "jwk"): string {
  const { pem, jwk } = issuer.publicKey();
  const secret = form === "pem" ? pem : JSON.stringify(jwk);
  const input = `${b64url({ alg, typ: "JWT", kid: issuer.kid })}.${b64url(accessClaims(issuer))}`;
  const digest = { HS256: "sha256", HS384: "sha384", HS512: "sha512" }[alg];
  return `${input}.${createHmac(digest, secret).update(input).digest("base64url")}`;
}

// P-256 group order n: (r, s) = (n, n) is the other classic "psychic" signature.
const P256_ORDER = Buffer.from("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", "hex");

const KID_INJECTIONS: [string, () => string][] = [
  ["kid path traversal (../../etc/passwd)", () => "../../etc/passwd"],
  ["kid path traversal (URL-encoded)", () => "..%2f..%2f..%2fetc%2fpasswd"],
  ["kid SQL injection (' OR 1=1 --)", () => "' OR 1=1 --"],
  ["kid CRLF header injection", () => "x\r\nSet-Cookie: pwned=1\r\nX-Injected: yes"],
  ["kid NUL byte", () => "key\u0000../../etc/passwd"],
  ["kid pointing at the attacker's server", () => `${attacker.url}/kid.pem`],
  ["kid __proto__", () => "__proto__"],
  ["kid constructor", () => "constructor"],
  ["very long kid (8 KiB)", () => "k".repeat(8 * 1024)],
];

const attacks: Attack[] = [
  // alg none
  { name: "alg none, empty signature", token: () => compact({ alg: "none", typ: "JWT" }, accessClaims(issuer), "") },
  { name: "alg none with the real kid and a signature", token: () => compact({ alg: "none", kid: issuer.kid }, accessClaims(issuer)), reason: "algorithm_not_allowed" },
  { name: "alg None (case variant)", token: () => compact({ alg: "None", kid: issuer.kid }, accessClaims(issuer)), reason: "algorithm_not_allowed" },
  { name: "alg NONE (case variant)", token: () => compact({ alg: "NONE", kid: issuer.kid }, accessClaims(issuer)), reason: "algorithm_not_allowed" },
  { name: "alg missing", token: () => compact({ kid: issuer.kid }, accessClaims(issuer)), reason: "algorithm_not_allowed" },
  // RS -> HS key confusion
  ...(["HS256", "HS384", "HS512"] as const).flatMap((alg): Attack[] => [
    { name: `${alg} signed with the RSA public key (PEM) as HMAC secret`, token: () => hmacWithPublicKey(alg, "pem"), reason: "algorithm_not_allowed" },
    { name: `${alg} signed with the RSA public key (JWK JSON) as HMAC secret`, token: () => hmacWithPublicKey(alg, "jwk"), reason: "algorithm_not_allowed" },
  ]),
  // algorithms outside the allow-list, correctly signed by the real key
  { name: "alg RS512 not in the allow-list (real key, real kid)", token: () => issuer.sign({ alg: "RS512" }, accessClaims(issuer)), reason: "algorithm_not_allowed" },
  { name: "alg PS256 not in the allow-list", token: () => issuer.sign({ alg: "PS256" }, accessClaims(issuer)), reason: "algorithm_not_allowed" },
  { name: "alg ES256 against an RSA key", token: () => issuer.sign({ alg: "ES256" }, accessClaims(issuer)), reason: "algorithm_not_allowed" },
  // wrong key
  { name: "valid signature by another key under the real kid", token: () => signWithAttackerKey(rs256(), accessClaims(issuer)), reason: "invalid_signature" },
  // embedded keys and key URLs
  {
    name: "embedded jwk header (attacker's key and kid)",
    token: () => signWithAttackerKey({ alg: "RS256", kid: attackerJwk.kid, jwk: attackerJwk }, accessClaims(issuer)),
    reason: "unsupported_header",
  },
  { name: "embedded jwk header under the real kid", token: () => signWithAttackerKey(rs256({ jwk: attackerJwk }), accessClaims(issuer)), reason: "unsupported_header" },
  {
    name: "jku header pointing at the attacker's JWKS",
    token: () => signWithAttackerKey({ alg: "RS256", kid: attackerJwk.kid, jku: `${attacker.url}/jwks.json` }, accessClaims(issuer)),
    reason: "unsupported_header",
    secrets: () => ["jwks.json", attacker.url],
  },
  {
    name: "x5u header pointing at the attacker's certificate",
    token: () => signWithAttackerKey({ alg: "RS256", kid: attackerJwk.kid, x5u: `${attacker.url}/cert.pem` }, accessClaims(issuer)),
    reason: "unsupported_header",
    secrets: () => ["cert.pem"],
  },
  {
    name: "x5c header carrying the attacker's key",
    token: () =>
      signWithAttackerKey(
        { alg: "RS256", kid: attackerJwk.kid, x5c: [attackerKey.publicKey.export({ format: "der", type: "spki" }).toString("base64")] },
        accessClaims(issuer),
      ),
    reason: "unsupported_header",
  },
  // kid injection: attacker strings under a real signature; they must go nowhere and be echoed nowhere
  ...KID_INJECTIONS.map(
    ([name, kid]): Attack => ({
      name,
      target: "kid",
      token: () => issuer.sign({ kid: kid() }, accessClaims(issuer)),
      reason: "unknown_key",
      secrets: () => [kid(), "Set-Cookie", "pwned", "etc/passwd", "OR 1=1"],
    }),
  ),
  { name: "another pool's key claiming our issuer (unknown kid)", target: "kid", token: () => otherPool.sign({}, accessClaims(issuer)), reason: "unknown_key" },
  // ECDSA psychic signatures (CVE-2022-21449) against an EC issuer
  {
    name: "ECDSA psychic signature (r = s = 0)",
    target: "ec",
    token: () => compact({ alg: "ES256", kid: ecIssuer.kid }, accessClaims(ecIssuer), Buffer.alloc(64)),
    reason: "invalid_signature",
  },
  {
    name: "ECDSA psychic signature (r = s = n, the group order)",
    target: "ec",
    token: () => compact({ alg: "ES256", kid: ecIssuer.kid }, accessClaims(ecIssuer), Buffer.concat([P256_ORDER, P256_ORDER])),
    reason: "invalid_signature",
  },
  { name: "ECDSA DER-encoded zero signature", target: "ec", token: () => compact({ alg: "ES256", kid: ecIssuer.kid }, accessClaims(ecIssuer), Buffer.from("3006020100020100", "hex")) },
  // crit
  { name: "crit header naming an unknown extension", token: () => issuer.sign({ crit: ["urn:example:must-understand"], "urn:example:must-understand": true }, accessClaims(issuer)), reason: "unsupported_header" },
  { name: "crit header b64=false (RFC 7797 unencoded payload)", token: () => issuer.sign({ crit: ["b64"], b64: false }, accessClaims(issuer)), reason: "unsupported_header" },
  { name: "crit header, empty list", token: () => issuer.sign({ crit: [] }, accessClaims(issuer)), reason: "unsupported_header" },
  // the wrong kind of token
  { name: "ID token of our pool and client", token: () => issuer.mintIdToken(), reason: "wrong_token_use" },
  { name: "ID token relabelled token_use: access (no client_id)", token: () => issuer.mintIdToken({ token_use: "access" }), reason: "client_not_accepted" },
  {
    name: "refresh-token-shaped string (JWE, 5 parts)",
    token: () =>
      [
        b64url({ cty: "JWT", enc: "A256GCM", alg: "RSA-OAEP" }),
        b64url(Buffer.alloc(256, 7)),
        b64url(Buffer.alloc(12, 1)),
        b64url(Buffer.alloc(1400, 3)),
        b64url(Buffer.alloc(16, 9)),
      ].join("."),
  },
  { name: "access token of another user pool", token: () => otherPool.mintAccessToken(), reason: "issuer_not_accepted" },
  { name: "access token of another app client", token: () => issuer.mintAccessToken({ client_id: otherPool.clientId }), reason: "client_not_accepted" },
  { name: "access token naming our client only in aud", token: () => issuer.mintAccessToken({ client_id: undefined, aud: issuer.clientId }), reason: "client_not_accepted" },
  { name: "expired access token", token: () => issuer.mintAccessToken({}, { expiresInSeconds: -60 }), reason: "expired" },
  // required claims missing
  { name: "missing exp", token: () => issuer.mintAccessToken({ exp: undefined }) },
  { name: "missing sub", token: () => issuer.mintAccessToken({ sub: undefined }) },
  { name: "missing client_id", token: () => issuer.mintAccessToken({ client_id: undefined }) },
  { name: "missing token_use", token: () => issuer.mintAccessToken({ token_use: undefined }) },
  { name: "missing iss", token: () => issuer.mintAccessToken({ iss: undefined }) },
  // claims of the wrong type
  { name: "exp as a string", token: () => issuer.mintAccessToken({ exp: String(now() + 3600) }) },
  { name: "exp 1e309 (Infinity once parsed)", token: () => raw.sign(rawHeader(), handWrittenClaims("1e309")) },
  { name: "exp -1e309", token: () => raw.sign(rawHeader(), handWrittenClaims("-1e309")) },
  { name: "exp null", token: () => issuer.mintAccessToken({ exp: null }) },
  { name: "nbf as a string", token: () => issuer.mintAccessToken({ nbf: String(now() - 10) }) },
  { name: "iat as a string", token: () => issuer.mintAccessToken({ iat: "yesterday", exp: now() + 3600 }) },
  { name: "client_id as an array [id]", token: () => issuer.mintAccessToken({ client_id: [issuer.clientId] }) },
  { name: 'token_use as an array ["access"]', token: () => issuer.mintAccessToken({ token_use: ["access"] }) },
  { name: "scope as an array", token: () => issuer.mintAccessToken({ scope: ["openid", "orders/read"] }) },
  { name: 'cognito:groups as a string "admin"', token: () => issuer.mintAccessToken({ "cognito:groups": "admin" }) },
  { name: "cognito:groups with a non-string member", token: () => issuer.mintAccessToken({ "cognito:groups": ["admin", 1] }) },
  { name: "sub as a number", token: () => issuer.mintAccessToken({ sub: 12345 }) },
  { name: "sub empty", token: () => issuer.mintAccessToken({ sub: "" }) },
  { name: "iss as an array", token: () => issuer.mintAccessToken({ iss: [issuer.issuer] }) },
  { name: "username as an object", token: () => issuer.mintAccessToken({ username: { admin: true } }) },
  // segments that are not JSON objects (validly signed, so only parsing can refuse them)
  ...(["null", "[]", "123", '"RS256"', "true", "{", '{"alg":"RS256"'] as const).map(
    (json): Attack => ({ name: `header segment ${json}`, token: () => raw.sign(json, accessClaims(issuer)) }),
  ),
  ...(["null", "[]", "123", '"access"', "true", "{", "{}"] as const).map(
    (json): Attack => ({ name: `payload segment ${json}`, token: () => raw.sign(rawHeader(), json) }),
  ),
  { name: "payload segment not UTF-8", token: () => compact(rs256(), Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString("latin1")) },
  {
    name: "segments in standard base64 (+ and /)",
    token: () => `${b64url(rs256())}.${Buffer.from(JSON.stringify(accessClaims(issuer))).toString("base64").replace(/=+$/, "")}.ab+/cd`,
  },
  // signature malleability: a different string that decodes to the same signature bytes
  { name: "signature with non-zero trailing bits (non-canonical base64url)", token: () => malleate(issuer.mintAccessToken(), "trailing-bits"), reason: "invalid_signature" },
  { name: "signature with base64 padding appended", token: () => malleate(issuer.mintAccessToken(), "padding"), reason: "invalid_signature" },
  { name: "segments with characters outside base64url (%, *)", token: () => `${b64url(rs256())}.%7B%7D*.c2ln`, adapterStatus: 400 },
  { name: "two segments", token: () => `${b64url(rs256())}.${b64url(accessClaims(issuer))}` },
  { name: "four segments", token: () => `${issuer.mintAccessToken()}.c2ln` },
  { name: "empty segments", token: () => ".." },
  { name: "a single dot-free word", token: () => "eyJhbGciOiJSUzI1NiJ9" },
  // oversized
  {
    name: "oversized token with a valid signature (maxTokenLength + 1)",
    token: () => {
      const base = issuer.mintAccessToken({ "custom:pad": "" });
      const token = issuer.mintAccessToken({ "custom:pad": "x".repeat(Math.ceil(((MAX_TOKEN_LENGTH + 1 - base.length) * 3) / 4) + 3) });
      expect(token.length).toBeGreaterThan(MAX_TOKEN_LENGTH);
      return token;
    },
    reason: "token_too_large",
  },
  { name: "oversized garbage (100 KiB)", token: () => "A".repeat(100 * 1024), reason: "token_too_large" },
];

// ---------------------------------------------------------------------------

describe("controls: the same machinery accepts genuine tokens", () => {
  test("a token of our pool verifies, through core and the adapter", async () => {
    const token = issuer.mintAccessToken();
    await expect(targets.main.verifier.verify(token)).resolves.toMatchObject({ clientId: issuer.clientId });
    const res = await request(targets.main.app.url).get("/me").set("Authorization", `Bearer ${issuer.mintAccessToken({ sub: "alice" })}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ sub: "alice" });
  });

  test("a hand-written token signed by the raw key verifies (so its failures above are the claims')", async () => {
    await expect(targets.main.verifier.verify(raw.sign(rawHeader(), handWrittenClaims(String(now() + 3600))))).resolves.toBeDefined();
    await expect(targets.main.verifier.verify(raw.sign(rawHeader(), accessClaims(issuer)))).resolves.toBeDefined();
  });

  test("a token of the ES256 pool verifies", async () => {
    await expect(targets.ec.verifier.verify(ecIssuer.mintAccessToken())).resolves.toBeDefined();
  });

  test("the kid verifier is in its cooldown window and still verifies genuine tokens", async () => {
    const before = mirror.jwksRequests;
    await expect(targets.kid.verifier.verify(issuer.mintAccessToken())).resolves.toBeDefined();
    expect(targets.kid.verifier.stats().jwks[0].coolingDown).toBe(true);
    expect(mirror.jwksRequests).toBe(before);
  });
});

describe("core verify()", () => {
  test.each(attacks)("$name", async (attack) => {
    const target = targets[attack.target ?? "main"];
    const token = attack.token();
    const before = target.jwksRequests();
    const started = performance.now();
    const err = await authErrorOf(target.verifier.verify(token));
    const elapsed = performance.now() - started;
    expect({ status: err.status, code: err.code }).toEqual({ status: 401, code: "invalid_token" });
    if (attack.reason !== undefined) expect(err.reason).toBe(attack.reason);
    expect(err.headers["WWW-Authenticate"]).toContain('error="invalid_token"');
    expectNoLeak(visibleText(err), [token, token.split(".")[2] ?? "", ...(attack.secrets?.() ?? [])]);
    expect(target.jwksRequests()).toBe(before);
    // Every attack is refused from memory: no network, no slow path.
    expect(elapsed).toBeLessThan(250);
  });
});

describe("explain() gives verify()'s verdict for every attack, names a failed check, and quotes no signature", () => {
  test.each(attacks)("$name", async (attack) => {
    const target = targets[attack.target ?? "main"];
    const token = attack.token();
    const err = await authErrorOf(target.verifier.verify(token));
    const report = await target.verifier.explain(token);
    expect({ verdict: report.verdict, status: report.status, reason: report.reason }).toEqual({ verdict: "refused", status: err.status, reason: err.reason });
    expect(report.checks.filter((check) => check.outcome === "fail").length).toBeGreaterThan(0);
    const text = JSON.stringify(report);
    expect(text).not.toContain(token);
    const signature = token.split(".")[2];
    if (signature !== undefined && signature.length > 16) expect(text).not.toContain(signature);
  });
});

describe("Express adapter (cognitoAuth)", () => {
  test.each(attacks)("$name", async (attack) => {
    const target = targets[attack.target ?? "main"];
    const token = attack.token();
    const before = target.jwksRequests();
    const res = await request(target.app.url).get("/me").set("Authorization", `Bearer ${token}`).timeout(5000);
    const status = attack.adapterStatus ?? 401;
    const code = status === 400 ? "invalid_request" : "invalid_token";
    expect(res.status).toBe(status);
    expect(res.body.error).toBe(code);
    expect(res.headers["www-authenticate"]).toContain(`error="${code}"`);
    expect(res.headers["retry-after"]).toBeUndefined();
    expectNoLeak(JSON.stringify(res.headers) + res.text, [token, token.split(".")[2] ?? "", ...(attack.secrets?.() ?? [])]);
    // No header an attacker smuggled through the kid.
    expect(res.headers["set-cookie"]).toBeUndefined();
    expect(res.headers["x-injected"]).toBeUndefined();
    expect(target.jwksRequests()).toBe(before);
  });
});

describe("where an unknown kid can lead", () => {
  test("unknown kids (the injection strings) cause one refetch per window, of the configured JWKS URL only", async () => {
    const verifier = createVerifier({ ...issuer.verifierOptions, jwksUri: mirror.jwksUri, jwks: { cooldownSeconds: 3600 } });
    try {
      await verifier.warmup();
      const requestsBefore = mirror.requests.length;
      const fetchesBefore = mirror.jwksRequests;
      const tokens = KID_INJECTIONS.map(([, kid]) => issuer.sign({ kid: kid() }, accessClaims(issuer)));
      // Concurrently (they share the one refetch) and then one by one (inside the window).
      const concurrent = await Promise.all(tokens.map((token) => authErrorOf(verifier.verify(token))));
      for (const token of tokens) concurrent.push(await authErrorOf(verifier.verify(token)));
      for (const err of concurrent) expect(err.reason).toBe("unknown_key");
      expect(mirror.jwksRequests - fetchesBefore).toBe(1);
      const newRequests = mirror.requests.slice(requestsBefore);
      expect(newRequests.map((r) => r.url)).toEqual([new URL(mirror.jwksUri).pathname]);
      // Valid traffic is unaffected meanwhile.
      await expect(verifier.verify(issuer.mintAccessToken())).resolves.toBeDefined();
    } finally {
      verifier.close();
    }
  });

  test("oversized tokens are refused before decoding: fast, even at 5 MiB", async () => {
    const huge = `${b64url(rs256())}.${"A".repeat(5 * 1024 * 1024)}.c2ln`;
    const before = mirror.jwksRequests;
    const started = performance.now();
    const err = await authErrorOf(targets.main.verifier.verify(huge));
    const elapsed = performance.now() - started;
    expect(err.reason).toBe("token_too_large");
    expect(elapsed).toBeLessThan(50);
    const viaHeader = await authErrorOf(() => targets.main.verifier.authenticate(`Bearer ${huge}`));
    expect(viaHeader.reason).toBe("token_too_large");
    expect(mirror.jwksRequests).toBe(before);
  });
});
