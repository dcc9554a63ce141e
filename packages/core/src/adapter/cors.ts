// CORS preflights carry no credentials by design (Fetch standard, CORS-preflight
// request), so authenticating them would break every browser client. Adapters
// let them through untouched unless the user opts out.
import type { AuthError } from "../errors.js";

/** True for an `OPTIONS` request with `Access-Control-Request-Method`: a browser's CORS preflight. */
export function isCorsPreflight(method: string | undefined, headers: Record<string, string | string[] | undefined>): boolean {
  return method === "OPTIONS" && headers["access-control-request-method"] !== undefined;
}

/**
 * What a wrapper that runs the handler for preflights (Lambda, fetch) makes of
 * an AuthError the handler threw while answering one: a requirement check on
 * the preflight's undefined auth (`requireScopes(...)(auth)`) asks for
 * credentials a preflight never carries, so that is no refusal (undefined: the
 * wrapper answers 204); any other AuthError (a 503 included) is answered as is.
 */
export function preflightRefusal(err: AuthError): AuthError | undefined {
  return err.reason === "missing_credentials" ? undefined : err;
}
