// cognitoAuth(), requireScopes() and requireGroups() on Koa 3 and Koa 2: the
// middleware adapters' suite (test/support/middleware-suite.ts) with apps built
// the Koa way. The HTTP contract itself is tested for every adapter in
// test/contract.
import Koa3, { type Middleware } from "koa";
import Koa2 from "koa2";
import request from "supertest";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { describeMiddlewareAdapter, type AppOf } from "../../../test/support/middleware-suite.js";
import { closedAfterEach } from "../../../test/support/resources.js";
import * as adapter from "../src/index.js";

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

describeMiddlewareAdapter(adapter, {
  authIn: "ctx.state.auth",
  frameworks: [
    ["Koa 3", koaApp(Koa3)],
    ["Koa 2", koaApp(Koa2 as unknown as typeof Koa3)],
  ],
  observeNext: (middleware, onNext) => async (ctx, next) => {
    let returned = false;
    const done = middleware(ctx, () => {
      onNext(!returned);
      return next();
    });
    returned = true;
    await done;
  },
  // An AuthError is `expose`d: Koa answers with its message, which is safe to show.
  defaultErrorBody: "message",
});

describe("authOf", () => {
  const r = closedAfterEach();
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await createTestIssuer();
  });
  afterAll(() => issuer.close());

  test("reads the auth of a guarded context, and throws a clear error where there is none", async () => {
    const app = new Koa3();
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (err) {
        ctx.status = 500;
        ctx.body = { app: (err as Error).message };
      }
    });
    app.use(r.track(adapter.cognitoAuth(issuer.verifierOptions, { optional: true })));
    app.use((ctx) => {
      ctx.body = { username: adapter.authOf(ctx).username };
    });
    const url = await r.serve(app.callback());
    const ok = await request(url).get("/").set("Authorization", `Bearer ${issuer.mintAccessToken({ username: "dana" })}`);
    expect([ok.status, ok.body]).toEqual([200, { username: "dana" }]);
    const anonymous = await request(url).get("/");
    expect(anonymous.status).toBe(500);
    expect(anonymous.body.app).toMatch(/authOf\(ctx\) found no auth/);
  });
});
