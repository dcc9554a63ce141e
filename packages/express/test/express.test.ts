// cognitoAuth(), requireScopes() and requireGroups() on Express 5 and Express 4:
// the middleware adapters' suite (test/support/middleware-suite.ts) with apps
// built the Express way. The HTTP contract itself is tested for every adapter
// in test/contract.
import type { RequestListener } from "node:http";
import type { ErrorRequestHandler, RequestHandler } from "express";
import express5 from "express";
import express4 from "express4";
import { describeMiddlewareAdapter, type AppOf } from "../../../test/support/middleware-suite.js";
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
