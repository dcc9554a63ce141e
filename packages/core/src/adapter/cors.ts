// CORS preflights carry no credentials by design (Fetch standard, CORS-preflight
// request), so authenticating them would break every browser client. Adapters
// let them through untouched unless the user opts out.

/** True for an `OPTIONS` request with `Access-Control-Request-Method`: a browser's CORS preflight. */
export function isCorsPreflight(method: string | undefined, headers: Record<string, string | string[] | undefined>): boolean {
  return method === "OPTIONS" && headers["access-control-request-method"] !== undefined;
}
