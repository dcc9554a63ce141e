// Property-based tests over the Authorization header (issue 5, fuzzing): no
// header value makes authenticate() throw synchronously or fail with anything but
// a 400/401 AuthError while the JWKS is healthy; anonymous requests pass only
// when optional; a valid token is found whatever the scheme's case and spacing.
// `pnpm test` runs a few hundred cases; `pnpm fuzz` runs FUZZ_RUNS (20000).
import fc from "fast-check";
import { AuthError, createVerifier, extractBearerToken, type Verifier } from "@cognito-bearer/core";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { RUNS, anyTokenString, applyMutations, authorizationHeader, mutations, printableAscii } from "./security/arbitraries";

jest.setTimeout(Math.max(60_000, RUNS * 20));

let issuer: TestIssuer;
let verifier: Verifier;
let valid: string;

beforeAll(async () => {
  issuer = await createTestIssuer();
  verifier = createVerifier(issuer.verifierOptions);
  await verifier.warmup();
  valid = issuer.mintAccessToken();
});

afterAll(async () => {
  verifier?.close();
  await issuer?.close();
});

type Settled = { kind: "auth"; token: string } | { kind: "anonymous" } | { kind: "error"; error: AuthError };

/** Calls authenticate(); a synchronous throw fails the property (failures must be rejected promises). */
async function authenticate(header: string | string[] | undefined, optional: boolean): Promise<Settled> {
  let result: ReturnType<Verifier["authenticate"]>;
  try {
    result = verifier.authenticate(header, optional);
  } catch (err) {
    throw new Error(`authenticate() threw synchronously: ${String(err)}`);
  }
  try {
    const auth = await result;
    return auth === undefined ? { kind: "anonymous" } : { kind: "auth", token: auth.token };
  } catch (err) {
    if (!(err instanceof AuthError)) throw new Error(`not an AuthError: ${String(err)}`, { cause: err });
    return { kind: "error", error: err };
  }
}

const headerValue = fc.oneof(
  fc.string({ unit: "binary", maxLength: 120 }),
  authorizationHeader(fc.oneof(anyTokenString, printableAscii(400))),
  fc.string({ unit: "binary", maxLength: 120 }).map((s) => `Bearer ${s}`),
);

const headerInput: fc.Arbitrary<string | string[] | undefined> = fc.oneof(
  { weight: 8, arbitrary: headerValue },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.array(headerValue, { maxLength: 3 }) },
);

test("no Authorization value makes authenticate() throw or answer anything but 400/401", async () => {
  await fc.assert(
    fc.asyncProperty(headerInput, fc.boolean(), async (header, optional) => {
      const outcome = await authenticate(header, optional);
      switch (outcome.kind) {
        case "auth":
          // Only the one valid token can be accepted, and only if it is what was sent.
          expect(outcome.token).toBe(valid);
          break;
        case "anonymous":
          expect(optional).toBe(true);
          break;
        case "error": {
          const { status, code } = outcome.error;
          expect([400, 401]).toContain(status);
          // "No credentials" (code null) never happens when optional lets them through.
          if (code === null) {
            expect(status).toBe(401);
            expect(optional).toBe(false);
          } else {
            expect(code).toBe(status === 400 ? "invalid_request" : "invalid_token");
          }
          expect(outcome.error.headers["WWW-Authenticate"]).toMatch(/^Bearer realm="[^"]*"/);
          // Never echoes what was sent.
          const sent = Array.isArray(header) ? header.join(",") : (header ?? "");
          const credentials = sent.replace(/^bearer +/i, "");
          if (credentials.length >= 8) expect(JSON.stringify(outcome.error.headers) + JSON.stringify(outcome.error)).not.toContain(credentials);
          break;
        }
      }
    }),
    { numRuns: RUNS },
  );
});

test("mutated tokens in the header: 400 or 401, unless the header still carries the token", async () => {
  await fc.assert(
    fc.asyncProperty(mutations, fc.boolean(), async (list, optional) => {
      const mutated = applyMutations(valid, list);
      const outcome = await authenticate(`Bearer ${mutated}`, optional);
      if (mutated.replace(/^ +/, "").trimEnd() === valid) {
        expect(outcome).toEqual({ kind: "auth", token: valid });
      } else {
        expect(outcome.kind).toBe("error");
        if (outcome.kind === "error") expect([400, 401]).toContain(outcome.error.status);
      }
    }),
    { numRuns: RUNS },
  );
});

test("a valid token is found whatever the scheme's case and the spacing", async () => {
  const schemeCase = fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }).map((upper) =>
    [..."bearer"].map((char, i) => (upper[i] ? char.toUpperCase() : char)).join(""),
  );
  await fc.assert(
    fc.asyncProperty(schemeCase, fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 3 }), async (scheme, before, after) => {
      const header = `${scheme}${" ".repeat(before)}${valid}${" ".repeat(after)}`;
      expect(extractBearerToken(header)).toBe(valid);
      expect(await authenticate(header, false)).toEqual({ kind: "auth", token: valid });
    }),
    { numRuns: Math.min(RUNS, 500) },
  );
});

test("extractBearerToken(): undefined, a single b64token, or a 400 AuthError", () => {
  fc.assert(
    fc.property(headerValue, (header) => {
      let token: string | undefined;
      try {
        token = extractBearerToken(header);
      } catch (err) {
        expect(err).toBeInstanceOf(AuthError);
        expect((err as AuthError).status).toBe(400);
        return;
      }
      if (token !== undefined) expect(token).toMatch(/^[A-Za-z0-9\-._~+/]+=*$/);
    }),
    { numRuns: RUNS },
  );
});
