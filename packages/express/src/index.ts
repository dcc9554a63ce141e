// Express 4 and 5 middleware: request in, core call, response out. Every
// decision about a token is made by the core verifier; this file only moves
// the Authorization header in and writes core's answer out.
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from "express";
import {
  errorResponse,
  isAuthError,
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
  requirementRefusal,
  resourceMetadataAnswer,
  resolveMiddlewareOptions,
} from "@cognito-bearer/core/adapter";
import type { CognitoAuthOptions } from "./options.js";

declare global {
  namespace Express {
    interface Request {
      /** The verified access token; undefined for anonymous requests (`optional`) and CORS preflights. */
      auth?: CognitoAuth;
    }
  }
}

export type { CognitoAuthOptions } from "./options.js";
export { AuthError, createVerifier, isAuthError, OptionsError } from "@cognito-bearer/core";
export type { AuthLevel, CognitoAuth, CognitoUserAuth, CognitoClientAuth, CognitoAccessTokenClaims, Requirement, Verifier, VerifierOptions } from "@cognito-bearer/core";

/** The middleware returned by cognitoAuth(), with the verifier it uses (for `warmup()`, `stats()`, `close()`). */
export type CognitoAuthMiddleware = RequestHandler & { readonly verifier: Verifier };

/**
 * cognitoAuth() marks each request it lets through, for requireScopes() and
 * requireGroups() after it (core's passage.ts). The mark goes on `res.locals`,
 * which Express creates per request as a null-prototype object: adding a key
 * there is a dictionary insert, where a new key on `req` changes its hidden
 * class on every request (about 1% of Express's CPU per request in a profile).
 */
const PASSAGE = passageMark("express");
const markOf = (res: Response): object => (res.locals ??= Object.create(null) as Response["locals"]);

/**
 * Authenticate requests with a Cognito access token: sets `req.auth`, or
 * answers 400/401/403/503 per RFC 6750. Takes the verifier's options (with the
 * adapter's options mixed in) or an existing Verifier.
 */
export function cognitoAuth(
  options: (VerifierOptions & CognitoAuthOptions) | readonly VerifierOptions[] | Verifier,
  adapterOptions?: CognitoAuthOptions,
): CognitoAuthMiddleware {
  const { verifier, optional, passErrors, allowPreflight } = resolveMiddlewareOptions(options, adapterOptions);
  const { authenticated, preflight } = passagesOf(verifier.realm, passErrors, verifier.resourceMetadata?.url);

  function cognitoAuthMiddleware(req: Request, res: Response, next: NextFunction): void {
    const metadata = resourceMetadataAnswer(verifier, req.method, req.originalUrl);
    if (metadata !== undefined) return write(res, metadata.status, metadata.headers, metadata.body);
    if (allowPreflight && isCorsPreflight(req.method, req.headers)) {
      PASSAGE.set(markOf(res), preflight);
      return next();
    }
    PASSAGE.set(markOf(res), authenticated);
    const result = verifier.authenticate(req.headers.authorization, optional, req.headers);
    if (result === undefined) return next();
    if (result instanceof Promise) {
      result.then(
        (auth) => {
          if (auth !== undefined) req.auth = auth;
          proceed(next);
        },
        (err: unknown) => refuse(res, next, toAuthError(err, verifier.realm), passErrors),
      );
      return;
    }
    // A verified-token cache hit: no promise, the next middleware runs now.
    req.auth = result;
    next();
  }
  return Object.defineProperty(cognitoAuthMiddleware, "verifier", { value: verifier, enumerable: true }) as CognitoAuthMiddleware;
}

/**
 * Require scopes of the token: all listed by default (`requireScopes("a", "b")`),
 * or one of them (`requireScopes({ anyOf: ["a", "b"] })`). Runs after cognitoAuth().
 */
export function requireScopes(...scopes: [Requirement] | string[]): RequestHandler {
  return requirementMiddleware(scopesCheck(...scopes));
}

/**
 * Require groups of the user: any listed by default (`requireGroups("admin", "support")`),
 * or all of them (`requireGroups({ allOf: [...] })`). Runs after cognitoAuth().
 */
export function requireGroups(...groups: [Requirement] | string[]): RequestHandler {
  return requirementMiddleware(groupsCheck(...groups));
}

/** Require a signed-in user's token, not a machine client's (403 `insufficient_scope` otherwise). */
export function requireUser(): RequestHandler {
  return requirementMiddleware(userCheck());
}

/** Require a machine client's token (client-credentials), optionally of these app clients (403 `insufficient_scope` otherwise). */
export function requireClient(...ids: [readonly string[]] | string[]): RequestHandler {
  return requirementMiddleware(clientCheck(...ids));
}

/**
 * Step-up (RFC 9470): require a sign-in of one of the `acr` classes and/or at most
 * `maxAge` seconds old; otherwise 401 `insufficient_user_authentication` with
 * `acr_values` / `max_age` in the challenge.
 */
export function requireAuthLevel(level: AuthLevel): RequestHandler {
  return requirementMiddleware(authLevelCheck(level));
}

function requirementMiddleware(check: AuthCheck): RequestHandler {
  return function cognitoRequirementMiddleware(req: Request, res: Response, next: NextFunction): void {
    const passage = PASSAGE.get(markOf(res));
    if (passage === undefined) return next(missingPassageError());
    const refusal = requirementRefusal(check, passage, req.auth);
    if (refusal === undefined) return next();
    refuse(res, next, refusal, passage.passErrors);
  };
}

/**
 * The auth of a request that cognitoAuth() (not `optional`) let through, typed
 * without a non-null assertion. Throws when the request has none: a route
 * mounted without cognitoAuth() in front, an `optional` one, or a preflight.
 */
export function authOf(req: Request): CognitoAuth {
  const auth = req.auth;
  if (auth === undefined) {
    throw new Error("cognito-bearer: authOf(req) found no auth: the route must run after cognitoAuth() (without optional)");
  }
  return auth;
}

/**
 * An error handler that answers AuthErrors as cognitoAuth() does (status,
 * WWW-Authenticate, Retry-After, JSON body) and passes every other error on.
 * For `passErrors: true`: Express's default handler would answer an HTML page
 * (with a stack trace outside production) and log a stack trace per refused
 * token. Mount it after your routes: `app.use(authErrorHandler())`.
 */
export function authErrorHandler(): ErrorRequestHandler {
  return function cognitoAuthErrorHandler(err: unknown, req: Request, res: Response, next: NextFunction): void {
    if (!isAuthError(err)) return next(err);
    refuse(res, next, err, false);
  };
}

function proceed(next: NextFunction): void {
  try {
    next();
  } catch (err) {
    // Outside Express's own try/catch (we are in a promise callback): hand it back rather than reject unobserved.
    next(err);
  }
}

function refuse(res: Response, next: NextFunction, error: AuthError, passErrors: boolean): void {
  // Once headers are out, only Express's error handler can end the response (it closes the connection).
  if (passErrors || res.headersSent) return next(error);
  const { status, headers, body } = errorResponse(error);
  write(res, status, headers, body);
}

function write(res: Response, status: number, headers: Record<string, string>, body: string): void {
  res.statusCode = status;
  for (const name in headers) res.setHeader(name, headers[name]);
  res.setHeader("Content-Length", Buffer.byteLength(body));
  res.end(body);
}
