// verifier.explain(token): verify()'s verdict, with each check's outcome and
// what was expected and found; never the signature or the whole token.
import { createMemoryRevocationList, REJECT_REASONS, type ExplainReport, type Verifier, type VerifierOptions } from "@cognito-bearer/core";
import type { TestIssuer } from "@cognito-bearer/testing";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fixtures, rejection, tamperPayload } from "./helpers";

const t = fixtures();
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await t.issuer();
});

const check = (report: ExplainReport, name: string) => report.checks.find((candidate) => candidate.check === name)!;

/** explain() on a fresh verifier agrees with verify() on another fresh one: same verdict, status and reason. */
async function agree(options: VerifierOptions, token: string, setup?: (verifier: Verifier) => Promise<void>): Promise<ExplainReport> {
  const [a, b] = [t.verifier(options), t.verifier(options)];
  await setup?.(a);
  await setup?.(b);
  let expected: { verdict: string; status: number; reason?: string };
  try {
    await a.verify(token);
    expected = { verdict: "valid", status: 200 };
  } catch (err) {
    const { status, reason } = await rejection(Promise.reject(err));
    expected = { verdict: status === 503 ? "unavailable" : "refused", status, reason };
  }
  const report = await b.explain(token);
  expect({ verdict: report.verdict, status: report.status, ...(report.reason ? { reason: report.reason } : {}) }).toEqual(expected);
  if (report.verdict === "valid") expect(report.checks.filter((c) => c.outcome === "fail")).toEqual([]);
  expect(JSON.stringify(report)).not.toContain(token.split(".")[2] ?? "\u0000");
  return report;
}

test("a valid token: every check passes or does not apply; header and claims decoded, no signature", async () => {
  const report = await agree({ ...issuer.verifierOptions, scopes: "orders/read" }, issuer.mintAccessToken({ scope: "orders/read", username: "alice" }));
  expect(report.header).toEqual({ kid: issuer.kid, alg: "RS256" });
  expect(report.claims).toMatchObject({ username: "alice", token_use: "access" });
  expect(report.checks.map((c) => c.check)).toEqual([
    "size", "structure", "header", "algorithm", "issuer", "key", "signature", "token_use", "client_id", "audience", "caller", "expiry", "not_before", "issued_at", "claims", "revocation", "scopes", "groups",
  ]);
  expect(check(report, "signature")).toMatchObject({ outcome: "pass", detail: `valid for key ${issuer.kid}` });
  expect(check(report, "scopes")).toMatchObject({ outcome: "pass", expected: { allOf: ["orders/read"] } });
  expect(report.clock.graceSeconds).toBe(0);
});

test("expired: the expiry check fails and shows the time against the clock", async () => {
  const report = await agree(issuer.verifierOptions, issuer.mintAccessToken({}, { expiresInSeconds: -120 }));
  expect(check(report, "expiry")).toMatchObject({ outcome: "fail", expected: "after now − grace" });
  expect(String(check(report, "expiry").found)).toMatch(/\d{4}-\d\d-\d\dT.*1[12]\d s ago/);
});

test("an ID token is named as such; a token without client_id but with aud gets a hint", async () => {
  const id = await agree(issuer.verifierOptions, issuer.mintIdToken());
  expect(id.reason).toBe("wrong_token_use");
  expect(check(id, "token_use")).toMatchObject({ outcome: "fail", expected: "access", found: "id", detail: expect.stringMatching(/ID token/) });
  expect(check(id, "client_id").detail).toMatch(/aud/);
});

test("a refresh-token-shaped string (five parts, a JWE) is named as such", async () => {
  const report = await agree(issuer.verifierOptions, "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ.aaaa.bbbb.cccc.dddd");
  expect(report.reason).toBe("malformed_token");
  expect(check(report, "structure")).toMatchObject({ outcome: "fail", found: "5 parts", detail: expect.stringMatching(/refresh token/) });
});

test("issuer: which form, which Region, which pool, and a hint for a replica Region", async () => {
  const pool = "eu-west-1_AbCdEf123";
  const report = await agree({ userPoolId: pool, clientId: issuer.clientId, jwksUri: issuer.jwksUri.replace("http:", "https:") }, issuer.mintAccessToken({ iss: `https://cognito-idp.us-west-2.amazonaws.com/${pool}` }));
  expect(report.reason).toBe("issuer_not_accepted");
  expect(report.issuer).toMatchObject({ form: "regional", region: "us-west-2", userPoolId: pool, accepted: false });
  expect(check(report, "issuer").detail).toMatch(/replicaRegions/);
});

test("signature, scopes, groups, revocation and an unknown kid", async () => {
  const tampered = await agree(issuer.verifierOptions, tamperPayload(issuer.mintAccessToken(), { username: "mallory" }));
  expect(check(tampered, "signature").outcome).toBe("fail");

  const scope = await agree({ ...issuer.verifierOptions, scopes: ["orders/write"] }, issuer.mintAccessToken({ scope: "orders/read" }));
  expect([scope.status, scope.reason, check(scope, "scopes").outcome]).toEqual([403, "insufficient_scope", "fail"]);
  const group = await agree({ ...issuer.verifierOptions, groups: "admin" }, issuer.mintAccessToken({ "cognito:groups": ["staff"] }));
  expect([group.status, group.reason, check(group, "groups").found]).toEqual([403, "insufficient_group", ["staff"]]);

  const revocations = createMemoryRevocationList();
  const token = issuer.mintAccessToken();
  const verifier = t.verifier({ ...issuer.verifierOptions, revocations });
  await revocations.revokeSession(await verifier.verify(token));
  const revoked = await verifier.explain(token);
  expect([revoked.reason, check(revoked, "revocation").outcome]).toEqual(["revoked", "fail"]);

  const unknown = await agree(issuer.verifierOptions, issuer.mintAccessToken({}, { kid: issuer.rotateKey() }).replace(/^[^.]+/, Buffer.from(JSON.stringify({ kid: "nope", alg: "RS256" })).toString("base64url")));
  expect([unknown.reason, check(unknown, "key").outcome]).toEqual(["unknown_key", "fail"]);
});

test("JWKS unreachable: unavailable, the key check unknown, never refused", async () => {
  const down = await t.issuer();
  down.setFault({ mode: "down" });
  const report = await agree({ ...down.verifierOptions, onEvent: () => undefined }, down.mintAccessToken());
  expect([report.verdict, report.status, report.reason, check(report, "key").outcome]).toEqual(["unavailable", 503, "jwks_unavailable", "unknown"]);
});

test("REJECT_REASONS: every reason with its status and code, all documented in the core README", () => {
  const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");
  for (const [reason, spec] of Object.entries(REJECT_REASONS)) {
    expect([400, 401, 403, 503]).toContain(spec.status);
    expect(readme).toMatch(new RegExp(`\\| \`${reason}\` \\| ${spec.status} \\|`));
  }
  expect(Object.isFrozen(REJECT_REASONS)).toBe(true);
});
