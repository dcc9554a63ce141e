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

const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" };

export function json(status: number, body: unknown, headers: Record<string, string | string[]> = {}): TokenHandlerResponse {
  return { status, headers: { "content-type": "application/json; charset=utf-8", ...NO_STORE, ...headers }, body: JSON.stringify(body) };
}

export function redirect(location: string, headers: Record<string, string | string[]> = {}): TokenHandlerResponse {
  return { status: 302, headers: { location, ...NO_STORE, ...headers }, body: "" };
}

/** A page that navigates to `to` itself: the navigation starts on our site, so SameSite=Strict cookies go with it. */
export function navigate(to: string, headers: Record<string, string | string[]> = {}): TokenHandlerResponse {
  const href = escapeHtml(to);
  return {
    status: 200,
    headers: {
      "content-type": "text/html; charset=utf-8",
      ...NO_STORE,
      // The callback URL carries the code: keep it out of Referer headers, and allow no script.
      "referrer-policy": "no-referrer",
      "content-security-policy": "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      ...headers,
    },
    body: `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${href}"><title>Signing in…</title></head><body><a href="${href}">Continue</a></body></html>`,
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The first value of a header. */
export function header(req: TokenHandlerRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
