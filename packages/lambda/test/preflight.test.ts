// A CORS preflight through the README's proxy handler: it reaches the handler
// with `auth` undefined (for its CORS answer), and a requirement check on it
// is answered 204, never 401. Run on the sources, and on both built packages
// (dist/cjs and dist/esm, as Node loads them for users; `pnpm build` first).
import { join } from "node:path";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { AuthError, requireScopes, withCognitoAuth } from "../src/index.js";
import { runJsonScript } from "../../../test/support/built-builds";

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(() => issuer.close());

const preflight = { httpMethod: "OPTIONS", headers: { Origin: "https://app.example", "Access-Control-Request-Method": "GET" } };

test("the README's handler answers a preflight 204; requests without a token are still 401", async () => {
  const handler = withCognitoAuth(issuer.verifierOptions, async (_event, _context, auth) => {
    requireScopes("orders/read")(auth);
    return { statusCode: 200, body: JSON.stringify({ sub: auth?.sub }) };
  });
  expect(await handler(preflight, {})).toEqual({ statusCode: 204 });
  expect((await handler({ httpMethod: "OPTIONS", headers: {} }, {})).statusCode).toBe(401);
  expect((await handler({ httpMethod: "GET", headers: { "Access-Control-Request-Method": "GET" } }, {})).statusCode).toBe(401);
  handler.verifier.close();
});

test("allowPreflight: false authenticates preflights like any request (401 without a token)", async () => {
  const handler = withCognitoAuth(issuer.verifierOptions, async () => ({ statusCode: 200 }), { allowPreflight: false });
  expect((await handler(preflight, {})).statusCode).toBe(401);
  handler.verifier.close();
});

test("on a preflight, an AuthError other than a missing token is still answered (a 503 stays a 503)", async () => {
  const handler = withCognitoAuth(issuer.verifierOptions, async () => {
    throw new AuthError("jwks_unavailable");
  });
  expect((await handler(preflight, {})).statusCode).toBe(503);
  handler.verifier.close();
});

test.each(["cjs", "esm"])("the built %s package: preflights 204 (or the handler's CORS answer), tokens as the contract says", async (build) => {
  expect(await runJsonScript(join(__dirname, "builds", "preflight.mjs"), [build])).toEqual({
    requirementFirst: { preflightV2: 204, preflightV1: 204, noToken: 401, withScope: 200, withoutScope: 403 },
    corsFirst: { preflight: "https://app.example", noToken: 401 },
  });
});
