// Koa 2 and 3: `app.use(tokenHandlerMiddleware(handler))` answers the
// handler's paths (default /auth/*) and hands every other request on.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TokenHandler } from "../handler.js";

interface KoaContext {
  req: IncomingMessage;
  res: ServerResponse;
  respond?: boolean;
  originalUrl: string;
  status: number;
  body: unknown;
  set(name: string, value: string | string[]): void;
}

export function tokenHandlerMiddleware(handler: TokenHandler): (ctx: KoaContext, next: () => Promise<unknown>) => Promise<unknown> {
  return async function cognitoTokenHandler(ctx, next) {
    // Proxy mode: the proxy streams its answer on the raw response, and Koa leaves it alone.
    if (handler.forward(ctx.req, ctx.res, ctx.originalUrl)) {
      ctx.respond = false;
      return;
    }
    const answer = await handler.handle({ method: ctx.req.method ?? "GET", url: ctx.originalUrl, headers: ctx.req.headers });
    if (answer === undefined) return next();
    for (const [name, value] of Object.entries(answer.headers)) ctx.set(name, value);
    ctx.status = answer.status;
    // A string body keeps the content-type set above.
    ctx.body = answer.body;
  };
}
