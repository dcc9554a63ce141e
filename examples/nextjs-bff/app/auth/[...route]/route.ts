// The token handler under /auth: /auth/login (sign-in at Cognito), /auth/callback, /auth/session, /auth/logout.
// Wrappers rather than `export const { GET, POST } = bff().routeHandlers`: the BFF is made at the first request
// (lib/bff.ts), not when `next build` imports this file.
import type { NextRequest } from "next/server";
import { bff } from "../../../lib/bff";

type Context = { params: Promise<{ route: string[] }> };

export const GET = (request: NextRequest, context: Context) => bff().routeHandlers.GET(request, context);
export const POST = (request: NextRequest, context: Context) => bff().routeHandlers.POST(request, context);
