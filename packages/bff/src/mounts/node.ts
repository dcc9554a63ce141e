// node:http: `http.createServer(tokenHandlerListener(handler, app))` answers
// the handler's paths and passes every other request to `app` (or a 404).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TokenHandler } from "../handler.js";
import { send } from "./send.js";

export function tokenHandlerListener(handler: TokenHandler, next?: (req: IncomingMessage, res: ServerResponse) => void): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (handler.forward(req, res, req.url ?? "/")) return;
    handler.handle({ method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers }).then(
      (answer) => {
        if (answer !== undefined) return send(res, answer);
        if (next !== undefined) return next(req, res);
        send(res, { status: 404, headers: { "content-type": "application/json; charset=utf-8" }, body: '{"error":"not_found"}' });
      },
      () => send(res, { status: 500, headers: { "content-type": "application/json; charset=utf-8" }, body: '{"error":"server_error"}' }),
    );
  };
}
