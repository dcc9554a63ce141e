// cognitoAuth(), requireScopes() and requireGroups() on Koa 3 and Koa 2: the
// behaviour every middleware adapter shares (test/support/middleware-suite.ts),
// then what is Koa's own. The HTTP contract itself (statuses, challenges,
// bodies) is tested for every adapter in test/contract. Jest fails the test
// during which a promise rejection goes unhandled, so every test here also
// checks that the adapter leaves none behind.
import Koa3, { type Middleware } from "koa";
import Koa2 from "koa2";
import request from "supertest";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { describeMiddlewareAdapter, type AppOf } from "../../../test/support/middleware-suite.js";
import { closedAfterEach } from "../../../test/support/resources.js";
import { AuthError, cognitoAuth, requireGroups, requireScopes } from "../src/index.js";

/** The suite's app: `onError` (if given) around everything, the chain, then a middleware that answers `respond(ctx.state.auth)`. */
const koaApp =
  (Koa: typeof Koa3): AppOf<Middleware> =>
  (chain, { respond, onError }) => {
    const app = new Koa();
    if (onError) {
      app.use(async (ctx, next) => {
        try {
          await next();
        } catch (err) {
          const { status, body } = onError(err);
          ctx.status = status;
          ctx.body = body;
        }
      });
    }
    for (const middleware of chain) app.use(middleware);
    app.use((ctx) => {
      ctx.body = respond(ctx.state.auth);
    });
    return app.callback();
  };

describeMiddlewareAdapter({
  authIn: "ctx.state.auth",
  cognitoAuth,
  requireScopes,
  requireGroups,
  AuthError,
  frameworks: [
    ["Koa 3", koaApp(Koa3)],
    ["Koa 2", koaApp(Koa2 as unknown as typeof Koa3)],
  ],
});

let issuer: TestIssuer;

beforeAll(async () => {
  issuer = await createTestIssuer();
});

afterAll(async () => {
  await issuer.close();
});

const bearer = (token: string) => `Bearer ${token}`;

describe.each([
  ["Koa 3", Koa3],
  ["Koa 2", Koa2 as unknown as typeof Koa3],
])("%s", (_name, Koa) => {
  const r = closedAfterEach();

  test("calls next() synchronously on a verified-token cache hit, asynchronously on first sight", async () => {
    const auth = r.track(cognitoAuth(issuer.verifierOptions));
    const calls: boolean[] = [];
    const app = new Koa();
    // Wraps the middleware to see whether it called next() before returning.
    app.use(async (ctx, next) => {
      let returned = false;
      const done = auth(ctx, () => {
        calls.push(!returned);
        return next();
      });
      returned = true;
      await done;
    });
    app.use((ctx) => {
      ctx.body = { sub: ctx.state.auth?.sub };
    });
    const url = await r.serve(app.callback());
    const token = issuer.mintAccessToken();
    for (let i = 0; i < 3; i++) expect((await request(url).get("/").set("Authorization", bearer(token))).status).toBe(200);
    expect(calls).toEqual([false, true, true]);
  });

  test("with passErrors, Koa's default error handler answers with the error's status, challenge and safe message", async () => {
    const app = new Koa();
    app.silent = true;
    app.use(r.track(cognitoAuth(issuer.verifierOptions, { passErrors: true })));
    app.use((ctx) => {
      ctx.body = {};
    });
    const response = await request(await r.serve(app.callback())).get("/").set("Authorization", "Bearer not.a.jwt");
    expect(response.status).toBe(401);
    expect(response.headers["www-authenticate"]).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The access token is malformed"',
    );
    expect(response.text).toBe("The access token is malformed");
  });
});
