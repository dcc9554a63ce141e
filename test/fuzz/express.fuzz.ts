// Property-based test of the Express adapter (issue 5, fuzzing): no
// Authorization header value makes cognitoAuth() answer 5xx or hang, while the
// JWKS is healthy. Real HTTP on 127.0.0.1 through supertest; header values are
// printable ASCII, which is what Node's HTTP client lets through.
// `pnpm test` runs a few hundred cases; `pnpm fuzz` runs FUZZ_RUNS (20000).
import fc from "fast-check";
import request from "supertest";
import { createVerifier, type Verifier } from "@cognito-bearer/core";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { RUNS, applyMutations, authorizationHeader, mutations, printableAscii, tokenShaped } from "../../packages/core/test/security/arbitraries";
import { startExpressApp, type ExpressApp } from "../../packages/core/test/security/helpers";

jest.setTimeout(Math.max(60_000, RUNS * 25));

let issuer: TestIssuer;
let verifier: Verifier;
let app: ExpressApp;
let valid: string;

beforeAll(async () => {
  issuer = await createTestIssuer();
  verifier = createVerifier(issuer.verifierOptions);
  await verifier.warmup();
  app = await startExpressApp(verifier);
  valid = issuer.mintAccessToken({ sub: "fuzz" });
});

afterAll(async () => {
  verifier?.close();
  await app?.close();
  await issuer?.close();
});

const PRINTABLE = /^[\x20-\x7e]*$/;
const tokens = fc.oneof(
  printableAscii(300),
  tokenShaped.filter((s) => PRINTABLE.test(s)),
  mutations.map((list) => applyMutations(valid, list)).filter((s) => PRINTABLE.test(s)),
  fc.constant("VALID"),
);
const header = authorizationHeader(tokens)
  .map((value) => value.replace("VALID", valid))
  .filter((value) => PRINTABLE.test(value));

test("no Authorization header value makes the Express adapter answer 5xx or hang", async () => {
  await fc.assert(
    fc.asyncProperty(header, async (value) => {
      const res = await request(app.url).get("/me").set("Authorization", value).timeout({ response: 3000, deadline: 5000 });
      expect([200, 400, 401]).toContain(res.status);
      if (res.status === 200) {
        // Only the valid token gets in, and only as itself.
        expect(value).toContain(valid);
        expect(res.body).toEqual({ sub: "fuzz" });
        return;
      }
      expect(res.headers["content-type"]).toMatch(/^application\/json/);
      expect(["unauthorized", "invalid_request", "invalid_token"]).toContain(res.body.error);
      expect(res.headers["www-authenticate"]).toMatch(/^Bearer realm="[^"]*"/);
      const credentials = value.trim().replace(/^bearer +/i, "");
      if (credentials.length >= 8) expect(JSON.stringify(res.headers) + res.text).not.toContain(credentials);
    }),
    { numRuns: RUNS },
  );
});
