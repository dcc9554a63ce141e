// Koa 2 and 3 middleware: request in, core call, response out. Every decision
// about a token is made by the core verifier; this file only moves the
// Authorization header in and writes core's answer out.
import type { Context, Middleware, Next } from "koa";
import {
  errorResponse,
  requireAuthLevel as authLevelCheck,
  requireClient as clientCheck,
  requireGroups as groupsCheck,
  requireScopes as scopesCheck,
  requireUser as userCheck,
  toAuthError,
  type AuthCheck,
  type AuthError,
  type AuthLevel,
  type CognitoAuth,
  type Requirement,
  type Verifier,
  type VerifierOptions,
} from "@cognito-bearer/core";
import {
  isCorsPreflight,
  missingPassageError,
  passageMark,
  passagesOf,
  resourceMetadataAnswer,
  requirementRefusal,
  resolveMiddlewareOptions,
} from "@cognito-bearer/core/adapter";
import type { CognitoAuthOptions } from "./options.js";

/** What cognitoAuth() adds to `ctx.state`; include it in your own state type: `new Koa<MyState & CognitoAuthState>()`. */
export interface CognitoAuthState {
  /** The verified access token; undefined for anonymous requests (`optional`) and CORS preflights. */
  auth?: CognitoAuth;
}

declare module "koa" {
  // Apps that use Koa's default state type get `ctx.state.auth` typed without a cast.
  interface DefaultState extends CognitoAuthState {}
}

export type { CognitoAuthOptions } from "./options.js";
export { AuthError, createVerifier, isAuthError, OptionsError } from "@cognito-bearer/core";
export type { AuthLevel, CognitoAuth, CognitoUserAuth, CognitoClientAuth, CognitoAccessTokenClaims, Requirement, Verifier, VerifierOptions } from "@cognito-bearer/core";

/** The middleware returned by cognitoAuth(), with the verifier it uses (for `warmup()`, `stats()`, `close()`). */
export type CognitoAuthMiddleware = Middleware & { readonly verifier: Verifier };

/** cognitoAuth() marks each context it lets through, for requireScopes() and requireGroups() after it (core's passage.ts). */
const PASSAGE = passageMark("koa");

/**
 * Authenticate requests with a Cognito access token: sets `ctx.state.auth`, or
 * answers 400/401/403/503 per RFC 6750. Takes the verifier's options (with the
 * adapter's options mixed in) or an existing Verifier.
 */
export function cognitoAuth(
  options: (VerifierOptions & CognitoAuthOptions) | readonly VerifierOptions[] | Verifier,
  adapterOptions?: CognitoAuthOptions,
): CognitoAuthMiddleware {
  const { verifier, optional, passErrors, allowPreflight } = resolveMiddlewareOptions(options, adapterOptions);
  const { authenticated, preflight } = passagesOf(verifier.realm, passErrors, verifier.resourceMetadata?.url);

  function cognitoAuthMiddleware(ctx: Context, next: Next): unknown {
    const { method, headers } = ctx.req;
    const metadata = resourceMetadataAnswer(verifier, method, ctx.originalUrl);
    if (metadata !== undefined) {
      ctx.status = metadata.status;
      ctx.set(metadata.headers);
      ctx.body = metadata.body;
      return undefined;
    }
    if (allowPreflight && isCorsPreflight(method, headers)) {
      PASSAGE.set(ctx, preflight);
      return next();
    }
    PASSAGE.set(ctx, authenticated);
    const result = verifier.authenticate(headers.authorization, optional, headers);
    if (result === undefined) return next();
    if (result instanceof Promise) {
      return result.then(
        (auth) => {
          if (auth !== undefined) ctx.state.auth = auth;
          return next();
        },
        (err: unknown) => refuse(ctx, toAuthError(err, verifier.realm), passErrors),
      );
    }
    // A verified-token cache hit: no promise of ours, the next middleware runs now.
    ctx.state.auth = result;
    return next();
  }
  return Object.defineProperty(cognitoAuthMiddleware, "verifier", { value: verifier, enumerable: true }) as CognitoAuthMiddleware;
}

/**
 * Require scopes of the token: all listed by default (`requireScopes("a", "b")`),
 * or one of them (`requireScopes({ anyOf: ["a", "b"] })`). Runs after cognitoAuth().
 */
export function requireScopes(...scopes: [Requirement] | string[]): Middleware {
  return requirementMiddleware(scopesCheck(...scopes));
}

/**
 * Require groups of the user: any listed by default (`requireGroups("admin", "support")`),
 * or all of them (`requireGroups({ allOf: [...] })`). Runs after cognitoAuth().
 */
export function requireGroups(...groups: [Requirement] | string[]): Middleware {
  return requirementMiddleware(groupsCheck(...groups));
}

/** Require a signed-in user's token, not a machine client's (403 `insufficient_scope` otherwise). */
export function requireUser(): Middleware {
  return requirementMiddleware(userCheck());
}

/** Require a machine client's token (client-credentials), optionally of these app clients (403 `insufficient_scope` otherwise). */
export function requireClient(...ids: [readonly string[]] | string[]): Middleware {
  return requirementMiddleware(clientCheck(...ids));
}

/**
 * Step-up (RFC 9470): require a sign-in of one of the `acr` classes and/or at most
 * `maxAge` seconds old; otherwise 401 `insufficient_user_authentication` with
 * `acr_values` / `max_age` in the challenge.
 */
export function requireAuthLevel(level: AuthLevel): Middleware {
  return requirementMiddleware(authLevelCheck(level));
}

function requirementMiddleware(check: AuthCheck): Middleware {
  return function cognitoRequirementMiddleware(ctx: Context, next: Next): unknown {
    const passage = PASSAGE.get(ctx);
    if (passage === undefined) throw missingPassageError();
    const refusal = requirementRefusal(check, passage, ctx.state.auth);
    if (refusal === undefined) return next();
    return refuse(ctx, refusal, passage.passErrors);
  };
}

/**
 * The auth of a context that cognitoAuth() (not `optional`) let through, typed
 * without a non-null assertion. Throws when the context has none: a route
 * mounted without cognitoAuth() in front, an `optional` one, or a preflight.
 */
export function authOf(ctx: { state: CognitoAuthState }): CognitoAuth {
  const auth = ctx.state.auth;
  if (auth === undefined) {
    throw new Error("cognito-bearer: authOf(ctx) found no auth: the route must run after cognitoAuth() (without optional)");
  }
  return auth;
}

function refuse(ctx: Context, error: AuthError, passErrors: boolean): void {
  // Koa's default error handler answers with err.status, err.headers and (err.expose) err.message.
  if (passErrors) throw error;
  const { status, headers, body } = errorResponse(error);
  ctx.status = status;
  ctx.set(headers);
  // A string body keeps the Content-Type set above and gets its Content-Length from Koa.
  ctx.body = body;
}
