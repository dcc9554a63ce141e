// The full BFF's proxy: /api/* goes to the orders API with the session's access token attached here, on the
// server. The browser sends only its session cookie, and the anti-CSRF header on state-changing methods.
import type { NextRequest } from "next/server";
import { bff } from "../../../lib/bff";

type Context = { params: Promise<{ path: string[] }> };

export const GET = (request: NextRequest, context: Context) => bff().proxyHandlers.GET(request, context);
export const HEAD = (request: NextRequest, context: Context) => bff().proxyHandlers.HEAD(request, context);
export const POST = (request: NextRequest, context: Context) => bff().proxyHandlers.POST(request, context);
export const PUT = (request: NextRequest, context: Context) => bff().proxyHandlers.PUT(request, context);
export const PATCH = (request: NextRequest, context: Context) => bff().proxyHandlers.PATCH(request, context);
export const DELETE = (request: NextRequest, context: Context) => bff().proxyHandlers.DELETE(request, context);
export const OPTIONS = (request: NextRequest, context: Context) => bff().proxyHandlers.OPTIONS(request, context);
