// Fetch-standard handlers ((Request) => Response: Next.js route handlers,
// Bun.serve, Deno.serve, Cloudflare-style workers on Node): request in, core
// call, Response out. Every decision about a token is made by core.
import {
  errorResponse,
  isAuthError,
  isVerifier,
  toAuthError,
  type AuthError,
  type CognitoAuth,
  type Verifier,
  type VerifierOptions,
} from "@cognito-bearer/core";
import { booleanOption, isCorsPreflight, preflightRefusal, resolveAdapterInput, resourceMetadataAnswer } from "@cognito-bearer/core/adapter";

export { AuthError, createVerifier, isAuthError, OptionsError, requireAuthLevel, requireClient, requireGroups, requireScopes, requireUser } from "@cognito-bearer/core";
export type { AuthCheck, AuthLevel, CognitoAuth, CognitoUserAuth, CognitoClientAuth, CognitoAccessTokenClaims, Requirement, Verifier, VerifierOptions } from "@cognito-bearer/core";

/**
 * Authenticate a Request's Authorization header: resolves to the auth object
 * (undefined for a request without credentials with `optional: true`), or
 * rejects with an AuthError, which `authErrorResponse(err)` answers.
 */
export function authenticateRequest(request: Request, verifier: Verifier, options?: { optional?: false | undefined }): Promise<CognitoAuth>;
export function authenticateRequest(request: Request, verifier: Verifier, options?: { optional?: boolean | undefined }): Promise<CognitoAuth | undefined>;
export function authenticateRequest(request: Request, verifier: Verifier, options?: { optional?: boolean | undefined }): Promise<CognitoAuth | undefined> {
  if (!isVerifier(verifier)) throw new TypeError("cognito-bearer: authenticateRequest(request, verifier) needs a verifier made by createVerifier()");
  const optional = booleanOption("optional", options?.optional, false);
  try {
    return Promise.resolve(verifier.authenticate(request.headers.get("authorization") ?? undefined, optional, request.headers));
  } catch (err) {
    return Promise.reject(toAuthError(err, verifier.realm));
  }
}

/** The contract's answer to an AuthError as a Response; anything else is a server fault: a generic 500, never a 401. */
export function authErrorResponse(err: unknown): Response {
  if (!isAuthError(err)) {
    return new Response(JSON.stringify({ error: "server_error", error_description: "The server could not complete the request" }), {
      status: 500,
      headers: { "Content-Type": "application/json; charset=utf-8" },
    });
  }
  const { status, headers, body } = errorResponse(err as AuthError);
  return new Response(body, { status, headers });
}

export interface WithCognitoAuthOptions {
  /** Call the handler for requests without credentials too, with `auth` undefined. Default false. */
  optional?: boolean | undefined;
  /** Call the handler for CORS preflights unauthenticated, with `auth` undefined. Default true. */
  allowPreflight?: boolean | undefined;
}

type Handler<A, Rest extends unknown[]> = (request: Request, auth: A, ...rest: Rest) => Response | Promise<Response>;

/**
 * Wraps a `(request, ...rest) => Response` handler: it is called with the
 * verified auth (`handler(request, auth, ...rest)`), or the request is answered
 * 400/401/403/503 per the contract. `auth` is undefined only for preflights
 * (allowed by default) and, with `optional`, anonymous requests. An AuthError
 * the handler throws (e.g. `requireScopes(...)(auth)`) is answered too; on
 * a preflight, a requirement check (no credentials, by design) is answered 204.
 */
export function withCognitoAuth<Rest extends unknown[]>(
  options: (VerifierOptions & WithCognitoAuthOptions) | readonly VerifierOptions[] | Verifier,
  handler: Handler<CognitoAuth, Rest>,
  adapterOptions: WithCognitoAuthOptions & { optional?: false | undefined; allowPreflight: false },
): ((request: Request, ...rest: Rest) => Promise<Response>) & { readonly verifier: Verifier };
export function withCognitoAuth<Rest extends unknown[]>(
  options: (VerifierOptions & WithCognitoAuthOptions) | readonly VerifierOptions[] | Verifier,
  handler: Handler<CognitoAuth | undefined, Rest>,
  adapterOptions?: WithCognitoAuthOptions,
): ((request: Request, ...rest: Rest) => Promise<Response>) & { readonly verifier: Verifier };
export function withCognitoAuth<Rest extends unknown[]>(
  options: (VerifierOptions & WithCognitoAuthOptions) | readonly VerifierOptions[] | Verifier,
  // One handler at run time; the overloads above tie the type of `auth` to the options.
  handler: Handler<never, Rest>,
  adapterOptions?: WithCognitoAuthOptions,
): ((request: Request, ...rest: Rest) => Promise<Response>) & { readonly verifier: Verifier } {
  if (typeof handler !== "function") throw new TypeError("cognito-bearer: withCognitoAuth(options, handler) needs a handler function");
  const { verifier, options: resolved } = resolveAdapterInput(options, adapterOptions, ["optional", "allowPreflight"]);
  const optional = booleanOption("optional", resolved.optional, false);
  const allowPreflight = booleanOption("allowPreflight", resolved.allowPreflight, true);
  async function cognitoAuthHandler(request: Request, ...rest: Rest): Promise<Response> {
    const metadata = resourceMetadataAnswer(verifier, request.method, new URL(request.url).pathname);
    if (metadata !== undefined) return new Response(metadata.body, metadata);
    let auth: CognitoAuth | undefined;
    const preflight =
      allowPreflight && request.method === "OPTIONS" && isCorsPreflight(request.method, { "access-control-request-method": request.headers.get("access-control-request-method") ?? undefined });
    if (!preflight) {
      try {
        auth = await verifier.authenticate(request.headers.get("authorization") ?? undefined, optional, request.headers);
      } catch (err) {
        return authErrorResponse(toAuthError(err, verifier.realm));
      }
    }
    try {
      return await (handler as Handler<CognitoAuth | undefined, Rest>)(request, auth, ...rest);
    } catch (err) {
      if (!isAuthError(err)) throw err;
      const refusal = preflight ? preflightRefusal(err) : err;
      return refusal === undefined ? new Response(null, { status: 204 }) : authErrorResponse(refusal);
    }
  }
  return Object.defineProperty(cognitoAuthHandler, "verifier", { value: verifier, enumerable: true }) as typeof cognitoAuthHandler & { readonly verifier: Verifier };
}
