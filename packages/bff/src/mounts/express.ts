// Express 4 and 5: `app.use(tokenHandlerMiddleware(handler))` answers the
// handler's paths (default /auth/*) and calls next() for every other request.
// Mount it at the application level: it reads the full URL (req.originalUrl).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TokenHandler } from "../handler.js";
import { send } from "./send.js";

type ExpressRequest = IncomingMessage & { originalUrl?: string };

export function tokenHandlerMiddleware(handler: TokenHandler): (req: ExpressRequest, res: ServerResponse, next: (err?: unknown) => void) => void {
  return function cognitoTokenHandler(req, res, next) {
    // Proxy mode: a path under an upstream's prefix is streamed to it (mount this before any body parser).
    if (handler.forward(req, res, req.originalUrl ?? req.url ?? "/")) return;
    handler.handle({ method: req.method ?? "GET", url: req.originalUrl ?? req.url ?? "/", headers: req.headers }).then(
      (answer) => (answer === undefined ? next() : send(res, answer)),
      (err: unknown) => next(err),
    );
  };
}
