// The middleware adapters (Express, Koa) split authentication in two:
// cognitoAuth() in front, and route-level requireScopes()/requireGroups() after
// it. cognitoAuth() marks each request it lets through with a Passage, which
// tells the checks after it the challenge realm and error style to answer with,
// and that a CORS preflight went by unauthenticated. What a check then decides
// lives here; each adapter only reads the mark and writes the answer out.
import type { CognitoAuth } from "../auth.js";
import { toAuthError, withResourceMetadata, type AuthError } from "../errors.js";
import type { AuthCheck } from "../requirements.js";

/** What cognitoAuth() leaves on a request for the route-level checks after it. */
export interface Passage {
  readonly realm: string;
  readonly passErrors: boolean;
  readonly preflight: boolean;
  /** RFC 9728: the URL of the protected resource metadata, for the challenge. */
  readonly resourceMetadata?: string | undefined;
}

/** Where one adapter keeps the passage on its request (Express) or context (Koa) objects. */
export interface PassageMark {
  set(target: object, passage: Passage): void;
  get(target: object): Passage | undefined;
}

/**
 * The mark of one adapter, under a Symbol.for key: the ESM and CJS builds of
 * the adapter (both loaded by one app) recognise each other's marks.
 */
export function passageMark(adapter: string): PassageMark {
  const key = Symbol.for(`cognito-bearer.${adapter}.passage`);
  return {
    set(target, passage) {
      (target as Record<symbol, Passage>)[key] = passage;
    },
    get(target) {
      return (target as Record<symbol, Passage | undefined>)[key];
    },
  };
}

/** The two passages of one cognitoAuth() middleware, made once: marking a request allocates nothing. */
export function passagesOf(realm: string, passErrors: boolean, resourceMetadata?: string): { readonly authenticated: Passage; readonly preflight: Passage } {
  return {
    authenticated: { realm, passErrors, preflight: false, resourceMetadata },
    preflight: { realm, passErrors, preflight: true, resourceMetadata },
  };
}

/**
 * What a route-level check makes of a request cognitoAuth() let through:
 * undefined to let it on, or the AuthError to refuse it with. A preflight that
 * went by unauthenticated is let on: it carries no credentials by design.
 */
export function requirementRefusal(check: AuthCheck, passage: Passage, auth: CognitoAuth | undefined): AuthError | undefined {
  if (passage.preflight && auth === undefined) return undefined;
  try {
    check(auth, passage.realm);
  } catch (err) {
    return withResourceMetadata(toAuthError(err, passage.realm), passage.resourceMetadata);
  }
  return undefined;
}

/** For a check that finds no passage: without cognitoAuth() in front, every request would be refused, so say why instead. */
export function missingPassageError(): Error {
  return new Error("cognito-bearer: requireScopes() and requireGroups() must run after cognitoAuth()");
}
