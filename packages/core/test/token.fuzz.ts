// Property-based tests over the token string (issue 5, fuzzing):
// - every mutation of a valid token is rejected unless it is byte-identical;
// - no input makes verify() reject with anything but an AuthError, and never a
//   5xx while the JWKS is healthy;
// - whatever the issuer's own key signs, verify() accepts exactly the tokens
//   that are valid Cognito access tokens for this pool and client.
// `pnpm test` runs a few hundred cases; `pnpm fuzz` runs FUZZ_RUNS (20000).
import fc from "fast-check";
import { AuthError, createVerifier, type CognitoAuth, type Verifier } from "@cognito-bearer/core";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { RUNS, anyTokenString, applyMutations, claimValue, mutations } from "./security/arbitraries";

jest.setTimeout(Math.max(60_000, RUNS * 30));

let issuer: TestIssuer;
let ecIssuer: TestIssuer;
let verifier: Verifier;
let ecVerifier: Verifier;
let cases: { name: string; token: string; verifier: Verifier }[];

beforeAll(async () => {
  [issuer, ecIssuer] = await Promise.all([createTestIssuer(), createTestIssuer({ algorithm: "ES256" })]);
  verifier = createVerifier(issuer.verifierOptions);
  ecVerifier = createVerifier({ ...ecIssuer.verifierOptions, algorithms: ["ES256"] });
  await Promise.all([verifier.warmup(), ecVerifier.warmup()]);
  cases = [
    { name: "RS256", token: issuer.mintAccessToken(), verifier },
    { name: "RS256 with groups", token: issuer.mintAccessToken({ "cognito:groups": ["admin", "ops"], scope: "orders/read orders/write" }), verifier },
    // Cognito's client-credentials shape: sub = client_id, no username, origin_jti or event_id.
    { name: "RS256 client credentials", token: issuer.mintAccessToken({ sub: issuer.clientId, username: undefined, origin_jti: undefined, event_id: undefined, scope: "api/read" }), verifier },
    { name: "ES256", token: ecIssuer.mintAccessToken(), verifier: ecVerifier },
  ];
  for (const c of cases) await expect(c.verifier.verify(c.token)).resolves.toBeDefined();
});

afterAll(async () => {
  verifier?.close();
  ecVerifier?.close();
  await Promise.all([issuer?.close(), ecIssuer?.close()]);
});

type Outcome = { ok: true; auth: CognitoAuth } | { ok: false; error: AuthError };

async function settle(action: () => unknown): Promise<Outcome> {
  try {
    return { ok: true, auth: (await action()) as CognitoAuth };
  } catch (err) {
    if (!(err instanceof AuthError)) throw new Error(`not an AuthError: ${String(err)}`, { cause: err });
    return { ok: false, error: err };
  }
}

test("every mutation of a valid token is rejected unless it is byte-identical", async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 3 }), mutations, async (which, list) => {
      const { token, verifier: target } = cases[which];
      const mutated = applyMutations(token, list);

      const direct = await settle(() => target.verify(mutated));
      if (mutated === token) {
        expect(direct.ok).toBe(true);
      } else {
        expect(direct.ok).toBe(false);
        if (!direct.ok) expect([direct.error.status, direct.error.code]).toEqual([401, "invalid_token"]);
      }

      // Through the header: spaces around the credentials are not part of them.
      const viaHeader = await settle(() => target.authenticate(`Bearer ${mutated}`));
      if (mutated.replace(/^ +/, "").trimEnd() === token) {
        expect(viaHeader.ok).toBe(true);
      } else {
        expect(viaHeader.ok).toBe(false);
        if (!viaHeader.ok) expect([400, 401]).toContain(viaHeader.error.status);
      }
    }),
    { numRuns: RUNS },
  );
});

test("no string makes verify() reject with anything but a 401 AuthError", async () => {
  await fc.assert(
    fc.asyncProperty(anyTokenString, async (input) => {
      const outcome = await settle(() => verifier.verify(input));
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) {
        expect(outcome.error.status).toBe(401);
        expect(outcome.error.code).toBe("invalid_token");
        if (input.length >= 8) expect(JSON.stringify(outcome.error) + outcome.error.message).not.toContain(input);
      }
    }),
    { numRuns: RUNS },
  );
});

test("non-string input to verify() is an AuthError too", async () => {
  await fc.assert(
    fc.asyncProperty(fc.anything(), async (input) => {
      const outcome = await settle(() => verifier.verify(input as string));
      if (typeof input === "string") return;
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) expect(outcome.error.status).toBe(401);
    }),
    { numRuns: RUNS },
  );
});

test("whatever our key signs, verify() accepts exactly the valid access tokens", async () => {
  const now = Math.floor(Date.now() / 1000);
  // Mostly right values (so valid tokens do occur), sometimes absent, sometimes any type.
  const field = <T>(right: fc.Arbitrary<T>, wrong: fc.Arbitrary<unknown> = claimValue) =>
    fc.option(fc.oneof({ weight: 10, arbitrary: right as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: wrong }), { nil: undefined, freq: 20 });
  // Present about one time in ten.
  const rarely = <T>(value: fc.Arbitrary<T>) =>
    fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: value as fc.Arbitrary<T | undefined> });
  const future = fc.constantFrom(now + 3600, now + 86400);
  const past = fc.constantFrom(now - 3600, now - 86400);
  const claims = fc.record(
    {
      // Sometimes the client id: with no username, the shape of a client-credentials token.
      sub: field(fc.oneof({ weight: 4, arbitrary: fc.uuid() }, { weight: 1, arbitrary: fc.constant(issuer.clientId) }), fc.constantFrom("", 42, null)),
      iss: field(fc.constant(issuer.issuer), fc.constantFrom(`${issuer.issuer}/`, "https://evil.example", [issuer.issuer])),
      client_id: field(fc.constant(issuer.clientId), fc.constantFrom("other", [issuer.clientId], issuer.clientId.toUpperCase())),
      token_use: field(fc.constant("access"), fc.constantFrom("id", "Access", ["access"], "refresh")),
      exp: field(future, fc.oneof(past, fc.constantFrom(String(now + 3600), null))),
      nbf: rarely(fc.oneof(past, future, claimValue)),
      iat: field(past, fc.oneof(future, claimValue)),
      auth_time: field(past),
      scope: field(fc.constantFrom("openid", "orders/read orders/write", "")),
      "cognito:groups": fc.option(fc.oneof({ weight: 4, arbitrary: fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }) }, { weight: 1, arbitrary: claimValue }), {
        nil: undefined,
      }),
      username: field(fc.string({ maxLength: 12 })),
    },
    { requiredKeys: [] },
  );
  const header = fc.record(
    {
      alg: fc.oneof({ weight: 8, arbitrary: fc.constant("RS256") }, { weight: 1, arbitrary: fc.constantFrom("none", "HS256", "RS512", "ES256", "rs256") }),
      kid: fc.oneof({ weight: 8, arbitrary: fc.constant(issuer.kid) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }),
      typ: fc.option(fc.constantFrom("JWT", "at+jwt"), { nil: undefined }),
      crit: rarely(fc.constant(["exp"])),
      jku: rarely(fc.constant("http://127.0.0.1:1/jwks.json")),
    },
    { requiredKeys: ["alg", "kid"] },
  );

  let accepted = 0;
  await fc.assert(
    fc.asyncProperty(header, claims, async (h, c) => {
      const token = issuer.sign(h, c);
      // What was actually signed (JSON drops undefined, turns NaN into null).
      const signed = JSON.parse(JSON.stringify(c)) as Record<string, unknown>;
      const t = Date.now() / 1000;
      const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
      const optionalString = (v: unknown) => v === undefined || typeof v === "string";
      const groups = signed["cognito:groups"];
      const valid =
        h.alg === "RS256" &&
        h.kid === issuer.kid &&
        h.crit === undefined &&
        h.jku === undefined &&
        signed.token_use === "access" &&
        signed.client_id === issuer.clientId &&
        signed.iss === issuer.issuer &&
        typeof signed.sub === "string" &&
        signed.sub !== "" &&
        finite(signed.exp) &&
        signed.exp > t &&
        (signed.nbf === undefined || (finite(signed.nbf) && signed.nbf <= t)) &&
        (signed.iat === undefined || (finite(signed.iat) && signed.iat <= t)) &&
        (signed.auth_time === undefined || finite(signed.auth_time)) &&
        optionalString(signed.scope) &&
        // A user's token (a username), or a client-credentials one (none, and sub = client_id).
        (typeof signed.username === "string" || (signed.username === undefined && signed.sub === signed.client_id)) &&
        (groups === undefined || (Array.isArray(groups) && groups.every((g) => typeof g === "string")));

      const outcome = await settle(() => verifier.verify(token));
      expect({ accepted: outcome.ok, reason: outcome.ok ? undefined : outcome.error.reason }).toEqual({
        accepted: valid,
        reason: outcome.ok ? undefined : expect.any(String),
      });
      if (outcome.ok) {
        accepted++;
        expect(outcome.auth.clientId).toBe(issuer.clientId);
        expect(outcome.auth.sub).toBe(signed.sub);
        expect(outcome.auth.scopes.every((s) => typeof s === "string" && s !== "")).toBe(true);
      } else {
        expect(outcome.error.status).toBe(401);
      }
    }),
    { numRuns: RUNS },
  );
  // The generator does reach both sides.
  expect(accepted).toBeGreaterThan(0);
  expect(accepted).toBeLessThan(RUNS);
});
