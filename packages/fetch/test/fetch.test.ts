// The fetch-standard adapter and the Hono middleware beyond the shared
// contract table: errors a handler throws, and Hono's typed c.var.auth.
import { Hono } from "hono";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { authErrorResponse, authenticateRequest, createVerifier, requireScopes, withCognitoAuth } from "../src/index.js";
import { authOf, cognitoAuth, type CognitoAuthEnv } from "../src/hono.js";

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(() => issuer.close());

const get = (token?: string, method = "GET", headers: Record<string, string> = {}) =>
  new Request("http://app.example/orders", { method, headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } });

test("withCognitoAuth: a requirement thrown by the handler is answered 403; another error is the app's", async () => {
  const handler = withCognitoAuth(issuer.verifierOptions, (_request, auth) => {
    requireScopes("orders/read")(auth);
    return Response.json({ orders: [] });
  }, { allowPreflight: false });
  const denied = await handler(get(issuer.mintAccessToken({ scope: "openid" })));
  expect([denied.status, ((await denied.json()) as { error: string }).error]).toEqual([403, "insufficient_scope"]);
  expect(denied.headers.get("www-authenticate")).toContain('scope="orders/read"');
  expect((await handler(get(issuer.mintAccessToken({ scope: "orders/read" })))).status).toBe(200);
  expect((await handler(get(undefined, "OPTIONS", { "access-control-request-method": "GET" }))).status).toBe(401);

  const failing = withCognitoAuth(handler.verifier, () => {
    throw new Error("a bug of the app");
  });
  await expect(failing(get(issuer.mintAccessToken()))).rejects.toThrow("a bug of the app");
  handler.verifier.close();
});

test("authenticateRequest and authErrorResponse: the contract's answers; anything else a generic 500", async () => {
  const verifier = createVerifier(issuer.verifierOptions);
  await expect(authenticateRequest(get(issuer.mintAccessToken({ sub: "bob" })), verifier)).resolves.toMatchObject({ sub: "bob" });
  await expect(authenticateRequest(get(), verifier, { optional: true })).resolves.toBeUndefined();
  const refused = await authenticateRequest(get("x.y.z"), verifier).then(() => new Response(null, { status: 200 }), authErrorResponse);
  expect([refused.status, refused.headers.get("content-type")]).toEqual([401, "application/json; charset=utf-8"]);
  const fault = authErrorResponse(new Error("boom"));
  expect([fault.status, await fault.json()]).toEqual([500, { error: "server_error", error_description: "The server could not complete the request" }]);
  expect(() => authenticateRequest(get(), issuer.verifierOptions as never)).toThrow(TypeError);
  verifier.close();
});

test("Hono: c.var.auth is set, authOf(c) reads it, and anonymous requests are refused", async () => {
  const auth = cognitoAuth(issuer.verifierOptions);
  const app = new Hono<CognitoAuthEnv>();
  app.use("*", auth);
  app.get("/orders", (c) => c.json({ sub: authOf(c).sub, username: c.var.auth?.username }));
  const ok = await app.request("/orders", { headers: { authorization: `Bearer ${issuer.mintAccessToken({ sub: "carol", username: "carol" })}` } });
  expect([ok.status, await ok.json()]).toEqual([200, { sub: "carol", username: "carol" }]);
  const anonymous = await app.request("/orders");
  expect([anonymous.status, anonymous.headers.get("www-authenticate")]).toEqual([401, 'Bearer realm="api"']);
  auth.verifier.close();
});
