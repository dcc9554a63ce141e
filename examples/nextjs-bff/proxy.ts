// Next 16's proxy (formerly middleware): an OPTIMISTIC check only, sending a visitor with no session cookie to
// sign in before /many renders. It never replaces the real check (getSession/getAccessToken in the page, the
// BFF in /api): a proxy can be skipped (CVE-2025-29927), and a cookie is not a live session.
import type { NextRequest } from "next/server";
import { bff } from "./lib/bff";

export function proxy(request: NextRequest) {
  return bff().optimisticCheck(request, { protect: ["/many"] });
}

export const config = { matcher: ["/many"] };
