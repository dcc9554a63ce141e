// The full BFF's proxy: /api/* goes to the orders API with the session's access token attached here, on the
// server. The browser sends only its session cookie, and the anti-CSRF header on state-changing methods.
// Functions rather than `export const { GET, … } = bff().proxyHandlers`: see app/auth/[...route]/route.ts.
import { bff } from "../../../lib/bff";

export const GET = (request: Request) => bff().proxyHandlers.GET(request);
export const HEAD = (request: Request) => bff().proxyHandlers.HEAD(request);
export const POST = (request: Request) => bff().proxyHandlers.POST(request);
export const PUT = (request: Request) => bff().proxyHandlers.PUT(request);
export const PATCH = (request: Request) => bff().proxyHandlers.PATCH(request);
export const DELETE = (request: Request) => bff().proxyHandlers.DELETE(request);
export const OPTIONS = (request: Request) => bff().proxyHandlers.OPTIONS(request);
