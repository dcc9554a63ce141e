// cognitoAuth(), requireScopes() and requireGroups() on Express 5 and Express 4:
// the behaviour every middleware adapter shares (test/support/middleware-suite.ts),
// then what is Express's own. The HTTP contract itself (statuses, challenges,
// bodies) is tested for every adapter in test/contract. Jest fails the test
// during which a promise rejection goes unhandled, so every test here also
// checks that the adapter leaves none behind.
import type { RequestListener } from "node:http";
import type { ErrorRequestHandler, RequestHandler } from "express";
import express5 from "express";
import express4 from "express4";
import request from "supertest";
import { createTestIssuer, type TestIssuer } from "@cognito-bearer/testing";
import { describeMiddlewareAdapter, type AppOf } from "../../../test/support/middleware-suite.js";
import { closedAfterEach } from "../../../test/support/resources.js";
import { AuthError, cognitoAuth, requireGroups, requireScopes } from "../src/index.js";

/** The suite's app: the chain as app-level middleware, then a handler that answers `respond(req.auth)`, then `onError` if given. */
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

describeMiddlewareAdapter({
  authIn: "req.auth",
  cognitoAuth,
  requireScopes,
  requireGroups,
  AuthError,
  frameworks: [
    ["Express 5", expressApp(express5)],
    ["Express 4", expressApp(express4 as unknown as typeof express5)],
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
  ["Express 5", express5],
  ["Express 4", express4 as unknown as typeof express5],
])("%s", (_name, express) => {
  const r = closedAfterEach();

  test("calls next() synchronously on a verified-token cache hit, asynchronously on first sight", async () => {
    const auth = r.track(cognitoAuth(issuer.verifierOptions));
    const calls: boolean[] = [];
    // Wraps the middleware to see whether it called next() before returning.
    const probe: RequestHandler = (req, res, next) => {
      let returned = false;
      auth(req, res, (err?: unknown) => {
        calls.push(!returned);
        next(err);
      });
      returned = true;
    };
    const app = express();
    app.get("/me", probe, (req, res) => {
      res.json({ sub: req.auth?.sub });
    });
    const url = await r.serve(app as unknown as RequestListener);
    const token = issuer.mintAccessToken();
    for (let i = 0; i < 3; i++) expect((await request(url).get("/me").set("Authorization", bearer(token))).status).toBe(200);
    expect(calls).toEqual([false, true, true]);
  });

  test("with passErrors, Express's default error handler answers with the error's status and challenge", async () => {
    const app = express();
    app.get("/me", r.track(cognitoAuth(issuer.verifierOptions, { passErrors: true })), (_req, res) => {
      res.json({});
    });
    const response = await request(await r.serve(app as unknown as RequestListener)).get("/me").set("Authorization", "Bearer not.a.jwt");
    expect(response.status).toBe(401);
    expect(response.headers["www-authenticate"]).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The access token is malformed"',
    );
    expect(response.text).not.toContain("not.a.jwt");
  });
});
