// The token handler speaks plain values, not a framework's objects: a request
// (method, URL, headers) in, a response (status, headers, body) out. The
// mounts for Express, Koa and node:http only translate.

export interface TokenHandlerRequest {
  method: string;
  /** The request target as received: path and query, e.g. `/auth/login?returnTo=%2Forders`. */
  url: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface TokenHandlerResponse {
  status: number;
  /** `set-cookie` may hold several values. */
  headers: Record<string, string | string[]>;
  body: string;
}

// Every answer: never cached (tokens, session state), never sniffed into another type.
const COMMON = { "cache-control": "no-store", pragma: "no-cache", "x-content-type-options": "nosniff" };

export function json(status: number, body: unknown, headers: Record<string, string | string[]> = {}): TokenHandlerResponse {
  return { status, headers: { "content-type": "application/json; charset=utf-8", ...COMMON, ...headers }, body: JSON.stringify(body) };
}

export function redirect(location: string, headers: Record<string, string | string[]> = {}): TokenHandlerResponse {
  return { status: 302, headers: { location, ...COMMON, ...headers }, body: "" };
}

/** A page that navigates to `to` itself: the navigation starts on our site, so SameSite=Strict cookies go with it. */
export function navigate(to: string, headers: Record<string, string | string[]> = {}): TokenHandlerResponse {
  const href = escapeHtml(to);
  return page(200, "Signing in…", `<meta http-equiv="refresh" content="0;url=${href}">`, `<a href="${href}">Continue</a>`, headers);
}

/** A small HTML page for the browser (the callback is a top-level navigation: JSON there is a raw page). */
export function page(status: number, title: string, head: string, body: string, headers: Record<string, string | string[]> = {}): TokenHandlerResponse {
  return {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      ...COMMON,
      // The callback URL carries the code: keep it out of Referer headers, and allow no script.
      "referrer-policy": "no-referrer",
      "content-security-policy": "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      ...headers,
    },
    body: `<!doctype html><html><head><meta charset="utf-8">${head}<title>${escapeHtml(title)}</title></head><body>${body}</body></html>`,
  };
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The first value of a header. */
export function header(req: TokenHandlerRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
