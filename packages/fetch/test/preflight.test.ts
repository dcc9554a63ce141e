// A CORS preflight through the README's withCognitoAuth handler: it reaches
// the handler with `auth` undefined (for its CORS answer), and a requirement
// check on it is answered 204, never 401. Run on the sources, and on both
// built packages (dist/cjs and dist/esm, as Node loads them; `pnpm build` first).
import { join } from "node:path";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { AuthError, requireScopes, withCognitoAuth } from "../src/index.js";
import { runJsonScript } from "../../../test/support/built-builds";

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(() => issuer.close());

const preflight = () => new Request("http://api.example/orders", { method: "OPTIONS", headers: { origin: "https://app.example", "access-control-request-method": "GET" } });

test("a requirement check on a preflight is answered 204; an OPTIONS that is no preflight is still 401", async () => {
  const handler = withCognitoAuth(issuer.verifierOptions, (_request, auth) => {
    requireScopes("orders/read")(auth);
    return Response.json({ sub: auth?.sub });
  });
  const answer = await handler(preflight());
  expect([answer.status, answer.headers.get("www-authenticate"), await answer.text()]).toEqual([204, null, ""]);
  expect((await handler(new Request("http://api.example/orders", { method: "OPTIONS" }))).status).toBe(401);
  handler.verifier.close();
});

test("on a preflight, an AuthError other than a missing token is still answered (a 503 stays a 503)", async () => {
  const handler = withCognitoAuth(issuer.verifierOptions, () => {
    throw new AuthError("jwks_unavailable");
  });
  expect((await handler(preflight())).status).toBe(503);
  handler.verifier.close();
});

test.each(["cjs", "esm"])("the built %s package: preflights 204 (or the handler's CORS answer), tokens as the contract says", async (build) => {
  expect(await runJsonScript(join(__dirname, "builds", "preflight.mjs"), [build])).toEqual({
    requirementFirst: { preflight: 204, noToken: 401, withScope: 200, withoutScope: 403 },
    corsFirst: { preflight: "https://app.example", noToken: 401 },
  });
});
