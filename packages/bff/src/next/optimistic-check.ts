// The optional check for proxy.ts (Next 16's renamed middleware): a page under
// a protected prefix, asked for without a session cookie, is redirected to
// /auth/login?returnTo=<path> before it renders. It is optimistic: it looks at
// the cookie's presence and shape only, never up the session (which proxy.ts
// should not pay for on every request), so a stale or forged cookie passes it.
// It is never the real check: CVE-2025-29927 let a header skip middleware
// altogether. Pages, route handlers and actions decide with getSession() /
// getAccessToken(), and the proxy handlers with the session itself.
import { NextResponse } from "next/server.js";
import { OptionsError } from "@cognito-bearer/core";
import { readIdCookie } from "../cookies.js";

export interface OptimisticCheckOptions {
  /** Path prefixes to check, e.g. ["/orders", "/account"]: "/orders" covers /orders and /orders/…, not /orders-archive. */
  protect: readonly string[];
}

export type OptimisticCheck = (request: Request, options: OptimisticCheckOptions) => Response;

const PREFIX = /^\/(?:[^/?#\s]+(?:\/[^/?#\s]+)*)?$/;

export function createOptimisticCheck(cookieName: string, basePath: string): OptimisticCheck {
  return (request, options) => {
    const protect = options?.protect;
    if (!Array.isArray(protect) || protect.some((prefix) => typeof prefix !== "string" || !PREFIX.test(prefix))) {
      throw new OptionsError('optimisticCheck: protect must be an array of path prefixes such as ["/orders", "/account"], without a trailing slash');
    }
    const url = new URL(request.url);
    const path = url.pathname;
    const covered = protect.some((prefix) => prefix === "/" || path === prefix || path.startsWith(`${prefix}/`));
    // Only a navigation is sent to sign in; anything else (a server action's POST, say) goes on to the real check.
    if (!covered || (request.method !== "GET" && request.method !== "HEAD") || path === basePath || path.startsWith(`${basePath}/`)) return NextResponse.next();
    if (readIdCookie(request.headers.get("cookie") ?? undefined, cookieName) !== undefined) return NextResponse.next();
    const login = new URL(`${basePath}/login`, url);
    login.searchParams.set("returnTo", `${path}${url.search}`);
    return NextResponse.redirect(login);
  };
}
