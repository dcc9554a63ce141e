// Scope, group, caller-kind and authentication-level requirements: plain checks over the auth object that every
// adapter wraps into its own middleware. A requirement is either "any of" or
// "all of" a list of names; the shorthand forms pick the usual meaning for each
// claim (scopes: all listed scopes, like OAuth's `scope` parameter; groups: any
// listed group, like a role check and like aws-jwt-verify's `groups`).
import type { CognitoAuth } from "./auth.js";
import { AuthError, withResourceMetadata } from "./errors.js";
import { realmOf, resourceMetadataOf } from "./realm.js";

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

/** A check whose refusals point to the protected resource metadata (RFC 9728) the auth was verified under, if any. */
function challenged(check: AuthCheck): AuthCheck {
  return (auth, realm) => {
    try {
      check(auth, realm);
    } catch (err) {
      throw err instanceof AuthError ? withResourceMetadata(err, resourceMetadataOf(auth)) : err;
    }
  };
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
  return challenged((auth, realm) => {
    const effectiveRealm = realmOf(auth, realm);
    if (auth === undefined) throw new AuthError("missing_credentials", { realm: effectiveRealm });
    if (!satisfies(auth.scopes, requirement)) throw insufficientScope(requirement, effectiveRealm);
  });
}

/**
 * A check that the user is in groups: `requireGroups("admin")`,
 * `requireGroups("admin", "support")` (either), `requireGroups({ allOf: [...] })`.
 */
export function requireGroups(...groups: [Requirement] | string[]): AuthCheck {
  const requirement = requirementFrom(groups, "anyOf", "requireGroups");
  return challenged((auth, realm) => {
    const effectiveRealm = realmOf(auth, realm);
    if (auth === undefined) throw new AuthError("missing_credentials", { realm: effectiveRealm });
    if (!satisfies(auth.groups, requirement)) throw insufficientGroup(effectiveRealm);
  });
}

/**
 * A check that the caller is a signed-in user, not a machine client
 * (client-credentials token): 403 `insufficient_scope`, reason `user_required`.
 */
export function requireUser(): AuthCheck {
  return challenged((auth, realm) => {
    const effectiveRealm = realmOf(auth, realm);
    if (auth === undefined) throw new AuthError("missing_credentials", { realm: effectiveRealm });
    if (auth.kind !== "user") throw new AuthError("user_required", { realm: effectiveRealm });
  });
}

/**
 * A check that the caller is a machine client (client-credentials token), and,
 * given ids, one of those app clients: 403 `insufficient_scope`, reason
 * `client_required`. `requireClient()`, `requireClient("id1", "id2")`,
 * `requireClient(["id1", "id2"])`.
 */
export function requireClient(...ids: [readonly string[]] | string[]): AuthCheck {
  const list = (ids.length === 1 && Array.isArray(ids[0]) ? ids[0] : ids) as readonly unknown[];
  if (list.some((id) => typeof id !== "string" || id.trim() === "")) {
    throw new TypeError("cognito-bearer: requireClient() takes app client ids (non-empty strings), or nothing for any machine client");
  }
  const allowed = list.length === 0 ? undefined : new Set(list as string[]);
  return challenged((auth, realm) => {
    const effectiveRealm = realmOf(auth, realm);
    if (auth === undefined) throw new AuthError("missing_credentials", { realm: effectiveRealm });
    if (auth.kind !== "client" || (allowed !== undefined && !allowed.has(auth.clientId))) {
      throw new AuthError("client_required", { realm: effectiveRealm });
    }
  });
}

/**
 * One `acr` value as it may travel in a challenge and on to `/oauth2/authorize`:
 * a URN, URI or plain name of at most 128 safe characters (no space, quote,
 * backslash, `&`, `?`, `#` or `%`). Shared with the token handler and the client.
 */
export const ACR_VALUE = /^[A-Za-z0-9._:/~+=@-]{1,128}$/;
/** At most this many acceptable acr values in one requirement (and one challenge). */
export const MAX_ACR_VALUES = 8;
/** The greatest `maxAge` accepted: one year, in seconds. */
export const MAX_AUTH_AGE_SECONDS = 366 * 24 * 3600;

export interface AuthLevel {
  /** Acceptable authentication context classes: the token's `acr` must be one of them. */
  acr?: string | readonly string[] | undefined;
  /** The sign-in (`auth_time`) must be at most this many seconds old. */
  maxAge?: number | undefined;
}

/**
 * Step-up (RFC 9470): a check that the user signed in with one of the `acr`
 * classes, and/or at most `maxAge` seconds ago (`auth_time`). Otherwise 401
 * with `error="insufficient_user_authentication"` and `acr_values` /
 * `max_age` in the challenge, which a client passes on to `/oauth2/authorize`.
 * A machine client cannot sign in again: its token gets 403 `user_required`.
 */
export function requireAuthLevel(level: AuthLevel): AuthCheck {
  if (typeof level !== "object" || level === null || (level.acr === undefined && level.maxAge === undefined)) {
    throw new TypeError("cognito-bearer: requireAuthLevel() needs { acr } and/or { maxAge }");
  }
  const acr = level.acr === undefined ? undefined : typeof level.acr === "string" ? [level.acr] : level.acr;
  if (acr !== undefined && (!Array.isArray(acr) || acr.length === 0 || acr.length > MAX_ACR_VALUES || acr.some((value) => typeof value !== "string" || !ACR_VALUE.test(value)))) {
    throw new TypeError(`cognito-bearer: requireAuthLevel({ acr }) must be 1 to ${MAX_ACR_VALUES} values of letters, digits and . _ : / ~ + = @ - (at most 128 each)`);
  }
  const { maxAge } = level;
  if (maxAge !== undefined && (typeof maxAge !== "number" || !Number.isSafeInteger(maxAge) || maxAge < 0 || maxAge > MAX_AUTH_AGE_SECONDS)) {
    throw new TypeError(`cognito-bearer: requireAuthLevel({ maxAge }) must be a whole number of seconds, 0 to ${MAX_AUTH_AGE_SECONDS}`);
  }
  const accepted = acr === undefined ? undefined : new Set<string>(acr);
  const acrValues = acr?.join(" ");
  return challenged((auth, realm) => {
    const effectiveRealm = realmOf(auth, realm);
    if (auth === undefined) throw new AuthError("missing_credentials", { realm: effectiveRealm });
    if (auth.kind !== "user") throw new AuthError("user_required", { realm: effectiveRealm });
    const { acr: tokenAcr, auth_time: authTime } = auth.claims;
    const acrOk = accepted === undefined || (typeof tokenAcr === "string" && accepted.has(tokenAcr));
    const ageOk = maxAge === undefined || (typeof authTime === "number" && Date.now() / 1000 - authTime <= maxAge);
    if (!acrOk || !ageOk) throw new AuthError("insufficient_user_authentication", { realm: effectiveRealm, acrValues, maxAge });
  });
}
