// Express 4 and 5 middleware: request in, core call, response out. Every
// decision about a token is made by the core verifier; this file only moves
// the Authorization header in and writes core's answer out.
import type { NextFunction, Request, RequestHandler, Response } from "express";
import {
  errorResponse,
  isCorsPreflight,
  requireGroups as groupsCheck,
  requireScopes as scopesCheck,
  toAuthError,
  type AuthCheck,
  type AuthError,
  type CognitoAuth,
  type Requirement,
  type Verifier,
  type VerifierOptions,
} from "@cognito-bearer/core";
import { resolveAdapter, type CognitoAuthOptions } from "./options.js";

declare global {
  namespace Express {
    interface Request {
      /** The verified access token; undefined for anonymous requests (`optional`) and CORS preflights. */
      auth?: CognitoAuth;
    }
  }
}

export type { CognitoAuthOptions } from "./options.js";
export { AuthError, createVerifier, isAuthError } from "@cognito-bearer/core";
export type { CognitoAuth, CognitoAccessTokenClaims, Requirement, Verifier, VerifierOptions } from "@cognito-bearer/core";

/** The middleware returned by cognitoAuth(), with the verifier it uses (for `warmup()`, `stats()`, `close()`). */
export type CognitoAuthMiddleware = RequestHandler & { readonly verifier: Verifier };

/**
 * What cognitoAuth() left on a request for the route-level checks after it:
 * the challenge realm and error style. One shared object per middleware, so
 * marking a request allocates nothing. Symbol.for, so that the ESM and CJS
 * builds of this package (both loaded by one app) recognise each other's marks.
 */
interface Passage {
  readonly realm: string;
  readonly passErrors: boolean;
  readonly preflight: boolean;
}
const PASSAGE = Symbol.for("cognito-bearer.express.passage");
type Marked = { [PASSAGE]?: Passage };

/**
 * Authenticate requests with a Cognito access token: sets `req.auth`, or
 * answers 400/401/403/503 per RFC 6750. Takes the verifier's options (with the
 * adapter's options mixed in) or an existing Verifier.
 */
export function cognitoAuth(
  options: (VerifierOptions & CognitoAuthOptions) | readonly VerifierOptions[] | Verifier,
  adapterOptions?: CognitoAuthOptions,
): CognitoAuthMiddleware {
  const { verifier, optional, passErrors, allowPreflight } = resolveAdapter(options, adapterOptions);
  const authenticated: Passage = { realm: verifier.realm, passErrors, preflight: false };
  const preflight: Passage = { realm: verifier.realm, passErrors, preflight: true };

  function cognitoAuthMiddleware(req: Request, res: Response, next: NextFunction): void {
    if (allowPreflight && isCorsPreflight(req.method, req.headers)) {
      (req as Marked)[PASSAGE] = preflight;
      return next();
    }
    (req as Marked)[PASSAGE] = authenticated;
    const result = verifier.authenticate(req.headers.authorization, optional);
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

function requirementMiddleware(check: AuthCheck): RequestHandler {
  return function cognitoRequirementMiddleware(req: Request, res: Response, next: NextFunction): void {
    const passage = (req as Marked)[PASSAGE];
    if (passage === undefined) {
      // Without cognitoAuth() in front, every request would be refused: say why instead.
      return next(new Error("cognito-bearer: requireScopes() and requireGroups() must run after cognitoAuth()"));
    }
    if (passage.preflight && req.auth === undefined) return next();
    try {
      check(req.auth, passage.realm);
    } catch (err) {
      return refuse(res, next, toAuthError(err, passage.realm), passage.passErrors);
    }
    next();
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
  res.statusCode = status;
  for (const name in headers) res.setHeader(name, headers[name]);
  res.setHeader("Content-Length", Buffer.byteLength(body));
  res.end(body);
}
