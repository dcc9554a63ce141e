// Scope and group requirements: plain checks over the auth object that every
// adapter wraps into its own middleware. A requirement is either "any of" or
// "all of" a list of names; the shorthand forms pick the usual meaning for each
// claim (scopes: all listed scopes, like OAuth's `scope` parameter; groups: any
// listed group, like a role check and like aws-jwt-verify's `groups`).
import type { CognitoAuth } from "./auth.js";
import { AuthError } from "./errors.js";
import { realmOf } from "./realm.js";

/** `"a"`, `["a", "b"]`, `{ anyOf: [...] }` or `{ allOf: [...] }`. */
export type Requirement = string | readonly string[] | { readonly anyOf: readonly string[] } | { readonly allOf: readonly string[] };

/** A requirement in its explicit form. */
export interface AnyOrAll {
  readonly mode: "anyOf" | "allOf";
  readonly names: readonly string[];
}

/** A check an adapter runs on a request's auth; throws AuthError (401 when anonymous, 403 when lacking). */
export type AuthCheck = (auth: CognitoAuth | undefined, realm?: string) => void;

export function normalizeRequirement(requirement: Requirement | undefined, shorthand: AnyOrAll["mode"], name: string): AnyOrAll | undefined {
  if (requirement === undefined) return undefined;
  let mode = shorthand;
  let names: unknown = requirement;
  if (typeof requirement === "object" && requirement !== null && !Array.isArray(requirement)) {
    const keys = Object.keys(requirement);
    if (keys.length !== 1 || (keys[0] !== "anyOf" && keys[0] !== "allOf")) {
      throw new TypeError(`cognito-bearer: ${name} must be a string, an array, { anyOf: [...] } or { allOf: [...] }`);
    }
    mode = keys[0] as AnyOrAll["mode"];
    names = (requirement as Record<string, unknown>)[mode];
  }
  const list = typeof names === "string" ? [names] : names;
  if (!Array.isArray(list) || list.length === 0 || list.some((n) => typeof n !== "string" || n === "" || /\s/.test(n))) {
    throw new TypeError(`cognito-bearer: ${name} must name at least one ${/scope/i.test(name) ? "scope" : "group"} (non-empty strings without spaces)`);
  }
  return Object.freeze({ mode, names: Object.freeze([...list]) });
}

/** True when `held` satisfies the requirement. */
export function satisfies(held: readonly string[], requirement: AnyOrAll): boolean {
  const { mode, names } = requirement;
  if (mode === "anyOf") {
    for (const name of names) if (held.includes(name)) return true;
    return false;
  }
  for (const name of names) if (!held.includes(name)) return false;
  return true;
}

export function insufficientScope(requirement: AnyOrAll, realm: string | undefined): AuthError {
  const scope = requirement.names.join(" ");
  const description =
    requirement.mode === "allOf" ? `The access token needs the scope(s): ${scope}` : `The access token needs one of the scopes: ${scope}`;
  return new AuthError("insufficient_scope", { description, scope, realm });
}

export function insufficientGroup(realm: string | undefined): AuthError {
  return new AuthError("insufficient_group", { realm });
}

/** Throws unless the auth carries the required scopes and groups. */
export function assertRequirements(auth: CognitoAuth, scopes: AnyOrAll | undefined, groups: AnyOrAll | undefined, realm: string): void {
  if (scopes !== undefined && !satisfies(auth.scopes, scopes)) throw insufficientScope(scopes, realm);
  if (groups !== undefined && !satisfies(auth.groups, groups)) throw insufficientGroup(realm);
}

function requirementFrom(args: readonly (Requirement | string)[], shorthand: AnyOrAll["mode"], name: string): AnyOrAll {
  const requirement = args.length === 1 ? (args[0] as Requirement) : (args as readonly string[]);
  return normalizeRequirement(requirement, shorthand, name)!;
}

/**
 * A check that the token carries scopes: `requireScopes("orders/read")`,
 * `requireScopes("a", "b")` (both), `requireScopes({ anyOf: ["a", "b"] })`.
 */
export function requireScopes(...scopes: [Requirement] | string[]): AuthCheck {
  const requirement = requirementFrom(scopes, "allOf", "requireScopes");
  return (auth, realm) => {
    const effectiveRealm = realmOf(auth, realm);
    if (auth === undefined) throw new AuthError("missing_credentials", { realm: effectiveRealm });
    if (!satisfies(auth.scopes, requirement)) throw insufficientScope(requirement, effectiveRealm);
  };
}

/**
 * A check that the user is in groups: `requireGroups("admin")`,
 * `requireGroups("admin", "support")` (either), `requireGroups({ allOf: [...] })`.
 */
export function requireGroups(...groups: [Requirement] | string[]): AuthCheck {
  const requirement = requirementFrom(groups, "anyOf", "requireGroups");
  return (auth, realm) => {
    const effectiveRealm = realmOf(auth, realm);
    if (auth === undefined) throw new AuthError("missing_credentials", { realm: effectiveRealm });
    if (!satisfies(auth.groups, requirement)) throw insufficientGroup(effectiveRealm);
  };
}
