// The token handler under /auth: /auth/login (sign-in at Cognito), /auth/callback, /auth/session, /auth/logout.
// Functions rather than `export const { GET, POST } = bff().routeHandlers`: the BFF is made at the first
// request (lib/bff.ts), not when `next build` imports this file.
import { bff } from "../../../lib/bff";

export const GET = (request: Request) => bff().routeHandlers.GET(request);
export const POST = (request: Request) => bff().routeHandlers.POST(request);
