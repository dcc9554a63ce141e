// cognitoAuth(), requireScopes() and requireGroups() on Express 5 and Express 4:
// the middleware adapters' suite (test/support/middleware-suite.ts) with apps
// built the Express way. The HTTP contract itself is tested for every adapter
// in test/contract.
import type { RequestListener } from "node:http";
import type { ErrorRequestHandler, RequestHandler } from "express";
import express5 from "express";
import express4 from "express4";
import request from "supertest";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { describeMiddlewareAdapter, type AppOf } from "../../../test/support/middleware-suite.js";
import { closedAfterEach } from "../../../test/support/resources.js";
import * as adapter from "../src/index.js";

/** The suite's app: the chain as app-level middleware, a handler that answers `respond(req.auth)`, then `onError` if given. */
const expressApp =
  (express: typeof express5): AppOf<RequestHandler> =>
  (chain, { respond, onError }) => {
    const app = express();
    for (const middleware of chain) app.use(middleware);
    app.use((req, res) => {
      res.json(respond(req.auth));
    });
    if (onError) {
      app.use(((err, _req, res, _next) => {
        const { status, body } = onError(err);
        res.status(status).json(body);
      }) as ErrorRequestHandler);
    }
    return app as unknown as RequestListener;
  };

describeMiddlewareAdapter(adapter, {
  authIn: "req.auth",
  frameworks: [
    ["Express 5", expressApp(express5)],
    ["Express 4", expressApp(express4 as unknown as typeof express5)],
  ],
  observeNext: (middleware, onNext) => (req, res, next) => {
    let returned = false;
    middleware(req, res, (err?: unknown) => {
      onNext(!returned);
      next(err);
    });
    returned = true;
  },
  // finalhandler's HTML page (with the stack outside production).
  defaultErrorBody: "page",
});

describe("authErrorHandler and authOf", () => {
  const r = closedAfterEach();
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await createTestIssuer();
  });
  afterAll(() => issuer.close());

  /** passErrors: true, a guarded route reading authOf(req), an optional route misusing it, then authErrorHandler() and the app's own handler. */
  async function app(): Promise<string> {
    const server = express5();
    server.get("/anonymous", adapter.cognitoAuth(issuer.verifierOptions, { optional: true }), (req, res) => {
      res.json({ sub: adapter.authOf(req).sub });
    });
    server.use(r.track(adapter.cognitoAuth(issuer.verifierOptions, { passErrors: true })));
    server.get("/orders", adapter.requireScopes("orders/read"), (req, res) => res.json({ sub: adapter.authOf(req).sub }));
    server.get("/broken", () => {
      throw new Error("a bug of the app");
    });
    server.use(adapter.authErrorHandler());
    server.use(((err, _req, res, _next) => {
      res.status(500).json({ app: (err as Error).message });
    }) as ErrorRequestHandler);
    return r.serve(server as unknown as RequestListener);
  }

  test("answers passed AuthErrors exactly as cognitoAuth() would without passErrors", async () => {
    const url = await app();
    const reference = await r.serve(
      express5()
        .use(r.track(adapter.cognitoAuth(issuer.verifierOptions)))
        .use(adapter.requireScopes("orders/read")) as unknown as RequestListener,
    );
    const cases: [string, string | undefined][] = [
      ["missing", undefined],
      ["malformed", "Bearer a b"],
      ["invalid", "Bearer x.y.z"],
      ["expired", `Bearer ${issuer.mintAccessToken({}, { expiresInSeconds: -60 })}`],
      ["scope", `Bearer ${issuer.mintAccessToken({ scope: "openid" })}`],
    ];
    for (const [, authorization] of cases) {
      const ours = request(url).get("/orders");
      const theirs = request(reference).get("/orders");
      if (authorization) {
        ours.set("Authorization", authorization);
        theirs.set("Authorization", authorization);
      }
      const [a, b] = await Promise.all([ours, theirs]);
      expect(a.status).toBe(b.status);
      expect(a.headers["www-authenticate"]).toBe(b.headers["www-authenticate"]);
      expect(a.headers["content-type"]).toMatch(/^application\/json/);
      expect(a.text).toBe(b.text);
    }
  });

  test("passes other errors on to the app's handler, and authOf() reads the auth of a guarded route", async () => {
    const url = await app();
    const token = issuer.mintAccessToken({ scope: "orders/read" });
    const ok = await request(url).get("/orders").set("Authorization", `Bearer ${token}`);
    expect([ok.status, ok.body.sub]).toEqual([200, JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString()).sub]);
    const broken = await request(url).get("/broken").set("Authorization", `Bearer ${token}`);
    expect([broken.status, broken.body]).toEqual([500, { app: "a bug of the app" }]);
  });

  test("authOf() on a request without auth throws a clear error instead of returning undefined", async () => {
    const url = await app();
    const response = await request(url).get("/anonymous");
    expect(response.status).toBe(500);
    expect(response.body.app).toMatch(/authOf\(req\) found no auth/);
  });
});
