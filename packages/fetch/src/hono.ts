// Hono: `app.use(cognitoAuth({ userPoolId, clientId }))` sets a typed
// `c.var.auth`, or answers 400/401/403/503 per the contract. Every decision
// about a token is made by core.
import type { Context, MiddlewareHandler } from "hono";
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
import { isCorsPreflight, missingPassageError, passagesOf, requirementRefusal, resolveMiddlewareOptions, resourceMetadataAnswer, type Passage } from "@cognito-bearer/core/adapter";

/** Add to your app's Env: `new Hono<CognitoAuthEnv>()`, and `c.var.auth` is typed. */
export interface CognitoAuthEnv {
  Variables: {
    /** The verified access token; undefined for anonymous requests (`optional`) and CORS preflights. */
    auth: CognitoAuth | undefined;
    /** Set by cognitoAuth for the requirements after it. */
    cognitoPassage: Passage;
  };
}

export interface CognitoAuthOptions {
  /** Let requests without credentials through anonymously (`c.var.auth` undefined). Default false. */
  optional?: boolean | undefined;
  /** Let CORS preflights through unauthenticated. Default true. */
  allowPreflight?: boolean | undefined;
}

export function cognitoAuth(
  options: (VerifierOptions & CognitoAuthOptions) | readonly VerifierOptions[] | Verifier,
  adapterOptions?: CognitoAuthOptions,
): MiddlewareHandler<CognitoAuthEnv> & { readonly verifier: Verifier } {
  const { verifier, optional, allowPreflight } = resolveMiddlewareOptions(options, adapterOptions);
  const { authenticated, preflight } = passagesOf(verifier.realm, false, verifier.resourceMetadata?.url);
  const middleware: MiddlewareHandler<CognitoAuthEnv> = async (c, next) => {
    const metadata = resourceMetadataAnswer(verifier, c.req.method, new URL(c.req.url).pathname);
    if (metadata !== undefined) return c.body(metadata.body, metadata.status, metadata.headers);
    if (allowPreflight && c.req.method === "OPTIONS" && isCorsPreflight(c.req.method, { "access-control-request-method": c.req.header("access-control-request-method") })) {
      c.set("cognitoPassage", preflight);
      c.set("auth", undefined);
      return next();
    }
    c.set("cognitoPassage", authenticated);
    const result = verifier.authenticate(authorizationOf(c), optional, c.req.raw.headers);
    if (result instanceof Promise) {
      let auth: CognitoAuth | undefined;
      try {
        auth = await result;
      } catch (err) {
        return refuse(c, toAuthError(err, verifier.realm));
      }
      c.set("auth", auth);
      return next();
    }
    // A verified-token cache hit: no promise of ours before the route runs.
    c.set("auth", result);
    return next();
  };
  return Object.defineProperty(middleware, "verifier", { value: verifier, enumerable: true }) as MiddlewareHandler<CognitoAuthEnv> & { readonly verifier: Verifier };
}

/** Require scopes of the token (all listed by default, `{ anyOf }` for one); runs after cognitoAuth. */
export function requireScopes(...scopes: [Requirement] | string[]): MiddlewareHandler<CognitoAuthEnv> {
  return requirement(scopesCheck(...scopes));
}

/** Require groups of the user (any listed by default, `{ allOf }` for all); runs after cognitoAuth. */
export function requireGroups(...groups: [Requirement] | string[]): MiddlewareHandler<CognitoAuthEnv> {
  return requirement(groupsCheck(...groups));
}

/** Require a signed-in user's token, not a machine client's (403 `insufficient_scope` otherwise). */
export function requireUser(): MiddlewareHandler<CognitoAuthEnv> {
  return requirement(userCheck());
}

/** Require a machine client's token (client-credentials), optionally of these app clients (403 `insufficient_scope` otherwise). */
export function requireClient(...ids: [readonly string[]] | string[]): MiddlewareHandler<CognitoAuthEnv> {
  return requirement(clientCheck(...ids));
}

/**
 * Step-up (RFC 9470): require a sign-in of one of the `acr` classes and/or at most
 * `maxAge` seconds old; otherwise 401 `insufficient_user_authentication` with
 * `acr_values` / `max_age` in the challenge.
 */
export function requireAuthLevel(level: AuthLevel): MiddlewareHandler<CognitoAuthEnv> {
  return requirement(authLevelCheck(level));
}

/** The auth of a request cognitoAuth (not `optional`) let through, typed without a non-null assertion; throws when there is none. */
export function authOf(c: Context<CognitoAuthEnv>): CognitoAuth {
  const auth = c.get("auth");
  if (auth === undefined) throw new Error("cognito-bearer: authOf(c) found no auth: the route must run after cognitoAuth (without optional)");
  return auth;
}

/**
 * The Authorization header. On @hono/node-server, from the Node request's
 * rawHeaders: asking Hono's request for a header makes the server build a
 * whole Headers object first, which costs more than verifying a cached token.
 */
function authorizationOf(c: Context): string | undefined {
  const incoming = (c.env as { incoming?: { rawHeaders?: string[] } } | undefined)?.incoming;
  const raw = incoming?.rawHeaders;
  if (raw === undefined) return c.req.header("authorization");
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length === 13 && name.toLowerCase() === "authorization") return raw[i + 1];
  }
  return undefined;
}

function requirement(check: AuthCheck): MiddlewareHandler<CognitoAuthEnv> {
  return async (c, next) => {
    const passage = c.get("cognitoPassage");
    if (passage === undefined) throw missingPassageError();
    const refusal = requirementRefusal(check, passage, c.get("auth"));
    if (refusal !== undefined) return refuse(c, refusal);
    await next();
  };
}

function refuse(c: Context, error: AuthError): Response {
  const { status, headers, body } = errorResponse(error);
  return c.body(body, status as 400, headers);
}
