// The middleware adapters (Express, Koa) split authentication in two:
// cognitoAuth() in front, and route-level requireScopes()/requireGroups() after
// it. cognitoAuth() marks each request it lets through with a Passage, which
// tells the checks after it the challenge realm and error style to answer with,
// and that a CORS preflight went by unauthenticated. What a check then decides
// lives here; each adapter only reads the mark and writes the answer out.
import type { CognitoAuth } from "./auth.js";
import { toAuthError, type AuthError } from "./errors.js";
import type { AuthCheck } from "./requirements.js";

/** What cognitoAuth() leaves on a request for the route-level checks after it. */
export interface Passage {
  readonly realm: string;
  readonly passErrors: boolean;
  readonly preflight: boolean;
}

/** Where one adapter keeps the passage on its request (Express) or context (Koa) objects. */
export interface PassageMark {
  set(target: object, passage: Passage): void;
  get(target: object): Passage | undefined;
}

/**
 * The mark of one adapter. A WeakMap rather than a property on the request:
 * adding a property to every request object costs Express a hidden-class
 * transition per request (measured: about 5% of a bare app's throughput).
 * The map lives under a Symbol.for key on globalThis, so that the ESM and CJS
 * builds of an adapter (both loaded by one app) share one map.
 */
export function passageMark(adapter: string): PassageMark {
  const registry = globalThis as unknown as Record<symbol, WeakMap<object, Passage> | undefined>;
  const key = Symbol.for(`cognito-bearer.${adapter}.passages`);
  const passages = (registry[key] ??= new WeakMap<object, Passage>());
  return {
    set(target, passage) {
      passages.set(target, passage);
    },
    get(target) {
      return passages.get(target);
    },
  };
}

/** The two passages of one cognitoAuth() middleware, made once: marking a request allocates nothing. */
export function passagesOf(realm: string, passErrors: boolean): { readonly authenticated: Passage; readonly preflight: Passage } {
  return {
    authenticated: { realm, passErrors, preflight: false },
    preflight: { realm, passErrors, preflight: true },
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
    return toAuthError(err, passage.realm);
  }
  return undefined;
}

/** For a check that finds no passage: without cognitoAuth() in front, every request would be refused, so say why instead. */
export function missingPassageError(): Error {
  return new Error("cognito-bearer: requireScopes() and requireGroups() must run after cognitoAuth()");
}
