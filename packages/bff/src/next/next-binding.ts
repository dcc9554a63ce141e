// getSession(), getAccessToken() and signOut() bound to the Next.js request
// they run in: its cookies come from `cookies()` (next/headers). Within one
// request, React's `cache` makes the many server components of a render share
// one call, so one store read and at most one refresh (which refresh.ts's
// per-session lock would also ensure across requests and instances).
import { cookies } from "next/headers.js";
import { cache } from "react";
import type { HandlerContext } from "../context.js";
import type { SessionInfo } from "../routes/session.js";
import { forCookies, type CookieJar } from "./server-session.js";

export interface BoundSession {
  getSession(): Promise<SessionInfo | null>;
  getAccessToken(): Promise<string>;
  signOut(): Promise<{ logoutUrl: string }>;
}

export function bindToRequest(context: HandlerContext): BoundSession {
  const jar = async () => (await cookies()) as unknown as CookieJar;
  return {
    getSession: cache(async () => forCookies(context, await jar()).getSession()),
    getAccessToken: cache(async () => forCookies(context, await jar()).getAccessToken()),
    // Not cached: each call signs out (an action may sign in again in between, in theory).
    signOut: async () => forCookies(context, await jar()).signOut(),
  };
}
