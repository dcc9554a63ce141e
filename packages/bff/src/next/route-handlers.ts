// The token handler's routes as Next.js route handlers, for
// app/auth/[...route]/route.ts: `export const { GET, POST } = bff.routeHandlers`.
// /auth/login, /callback, /session, /logout, and /token when exposeAccessToken
// is on; any other path is a 404 JSON answer (never passed on: the file owns
// the whole /auth/ tree).
import type { TokenHandler } from "../handler.js";
import { json } from "../http.js";
import { toHandlerRequest, toResponse } from "./web.js";

export type RouteHandler = (request: Request) => Promise<Response>;

export interface RouteHandlers {
  GET: RouteHandler;
  POST: RouteHandler;
}

export function createRouteHandlers(handler: TokenHandler): RouteHandlers {
  const route: RouteHandler = async (request) => {
    const answer = await handler.handle(toHandlerRequest(request));
    return toResponse(answer ?? json(404, { error: "not_found" }));
  };
  return { GET: route, POST: route };
}
