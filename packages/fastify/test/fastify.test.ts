// The Fastify plugin beyond the shared contract table (test/contract): options,
// requirements without the plugin, authOf, on Fastify 5 and Fastify 4.
import Fastify5, { type FastifyInstance } from "fastify";
import Fastify4 from "fastify4";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { authOf, cognitoAuth, OptionsError, requireScopes } from "../src/index.js";

let issuer: TestIssuer;

/** Real HTTP on 127.0.0.1 (Fastify 5's inject() loads an ESM-only dependency that Jest cannot). */
async function call(app: FastifyInstance, method: string, url: string, headers: Record<string, string> = {}) {
  const address = app.server.listening ? `http://127.0.0.1:${(app.server.address() as { port: number }).port}` : await app.listen({ port: 0, host: "127.0.0.1" });
  const res = await fetch(`${address}${url}`, { method, headers });
  const text = await res.text();
  return { statusCode: res.status, headers: Object.fromEntries(res.headers), json: () => JSON.parse(text) };
}
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(() => issuer.close());

describe.each([
  ["Fastify 5", Fastify5],
  ["Fastify 4", Fastify4 as unknown as typeof Fastify5],
])("%s", (_name, Fastify) => {
  test("request.auth and authOf(request) on a protected route; a cache hit answers too", async () => {
    const app = Fastify();
    await app.register(cognitoAuth, issuer.verifierOptions);
    app.get("/me", async (request) => ({ sub: authOf(request).sub, same: request.auth === authOf(request) }));
    const token = issuer.mintAccessToken({ sub: "alice" });
    for (let i = 0; i < 2; i++) {
      const res = await call(app, "GET", "/me", { authorization: `Bearer ${token}` });
      expect([res.statusCode, res.json()]).toEqual([200, { sub: "alice", same: true }]);
    }
    const refused = await call(app, "GET", "/me");
    expect([refused.statusCode, refused.headers["www-authenticate"]]).toEqual([401, 'Bearer realm="api"']);
    await app.close();
  });

  test("a misspelled option fails registration with the option meant", async () => {
    const app = Fastify();
    app.register(cognitoAuth, { ...issuer.verifierOptions, scope: "orders/read" } as never);
    const error = await app.ready().then(() => undefined, (err: unknown) => err);
    expect(error).toBeInstanceOf(OptionsError);
    expect((error as Error).message).toMatch(/"scope" \(did you mean "scopes"\?\)/);
  });

  test("requireScopes() without the plugin in front fails loudly (500) instead of refusing everyone", async () => {
    const app = Fastify();
    app.get("/orders", { preHandler: requireScopes("orders/read") }, async () => ({ orders: [] }));
    const res = await call(app, "GET", "/orders");
    expect(res.statusCode).toBe(500);
    await app.close();
  });

  test("optional: anonymous requests pass; bad credentials are still refused; preflights pass by default", async () => {
    const app = Fastify();
    await app.register(cognitoAuth, { ...issuer.verifierOptions, optional: true });
    app.get("/public", async (request) => ({ anonymous: request.auth === undefined }));
    app.options("/public", async (_request, reply) => reply.code(204).send());
    expect((await call(app, "GET", "/public")).json()).toEqual({ anonymous: true });
    expect((await call(app, "GET", "/public", { authorization: "Bearer x.y.z" })).statusCode).toBe(401);
    expect((await call(app, "OPTIONS", "/public", { "access-control-request-method": "GET" })).statusCode).toBe(204);
    await app.close();
  });
});
