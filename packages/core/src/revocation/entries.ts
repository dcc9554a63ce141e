// The entries of a revocation list, held in memory: by the memory list itself,
// and as the local mirror of a shared list (Redis). A check is three Map
// lookups, so it costs the same with 100,000 entries as with none.
//
// Every entry has an expiry after which no token it covers can still be valid,
// and is swept after it; entries never need to outlive the tokens they cover.
import { callerKindOf, type CognitoAccessTokenClaims, type CognitoAuth } from "../auth.js";
import { OptionsError } from "../option-error.js";
import { assertKnownKeys } from "../option-keys.js";
import type { RevocationListOptions, RevocationStats, RevokeUserOptions } from "./list.js";

/** One entry, as stored and as sent between instances. */
export type RevocationEntry =
  | { kind: "session"; id: string; expiresAt: number }
  | { kind: "token"; id: string; expiresAt: number }
  | { kind: "user"; id: string; expiresAt: number; before: number };

export const REVOCATION_DEFAULTS = { maxTokenLifetimeSeconds: 86_400, graceSeconds: 300, requireOriginJti: false } as const;
const OPTION_KEYS = ["maxTokenLifetimeSeconds", "graceSeconds", "requireOriginJti"] as const;

/** How often, at most, a write sweeps expired entries. */
const SWEEP_INTERVAL_MS = 60_000;

export type ResolvedRevocationOptions = Required<RevocationListOptions>;

/** Validates the options every list shares; `extraKeys` are the backend's own. */
export function resolveRevocationOptions(options: object | undefined, extraKeys: readonly string[] = []): ResolvedRevocationOptions {
  if (options === undefined) return { ...REVOCATION_DEFAULTS };
  if (options === null || typeof options !== "object") throw new OptionsError("the revocation list options must be an object");
  assertKnownKeys(options, [...OPTION_KEYS, ...extraKeys], "");
  const { maxTokenLifetimeSeconds, graceSeconds, requireOriginJti } = options as RevocationListOptions;
  const positive = (name: string, value: unknown, fallback: number, min: number) => {
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isFinite(value) || value < min) throw new OptionsError(`${name} must be a number >= ${min}`);
    return value;
  };
  if (requireOriginJti !== undefined && typeof requireOriginJti !== "boolean") throw new OptionsError("requireOriginJti must be a boolean");
  return {
    maxTokenLifetimeSeconds: positive("maxTokenLifetimeSeconds", maxTokenLifetimeSeconds, REVOCATION_DEFAULTS.maxTokenLifetimeSeconds, 1),
    graceSeconds: positive("graceSeconds", graceSeconds, REVOCATION_DEFAULTS.graceSeconds, 0),
    requireOriginJti: requireOriginJti ?? REVOCATION_DEFAULTS.requireOriginJti,
  };
}

/** The entry for a revoke call; throws a TypeError naming what is missing for bad input. */
export function entryFor(
  kind: RevocationEntry["kind"],
  subject: unknown,
  options: ResolvedRevocationOptions,
  userOptions?: RevokeUserOptions,
  now = Date.now(),
): RevocationEntry {
  const lifetimeMs = (options.maxTokenLifetimeSeconds + options.graceSeconds) * 1000;
  if (kind === "user") {
    if (typeof subject !== "string" || subject === "") throw new TypeError("cognito-bearer: revokeUser(sub) needs the user's sub, a non-empty string");
    const before = resolveBefore(userOptions, now);
    // Tokens signed in before `before` may have been refreshed until now: they live at most a lifetime from the later of the two.
    return { kind, id: subject, before, expiresAt: Math.max(now, before) + lifetimeMs };
  }
  const claims = claimsOf(subject, kind === "session" ? "revokeSession" : "revokeToken");
  // A machine client's token (client-credentials) belongs to no sign-in: it is its own
  // "session", so revokeSession refuses that one token (by jti), never more.
  if (kind === "session" && claims.origin_jti === undefined && callerKindOf(claims) === "client") return entryFor("token", subject, options, userOptions, now);
  if (kind === "session") {
    const id = claims.origin_jti;
    if (typeof id !== "string" || id === "") {
      throw new TypeError("cognito-bearer: revokeSession(auth) needs a token with an origin_jti claim (token revocation is disabled on its app client); use revokeToken or revokeUser");
    }
    return { kind, id, expiresAt: now + lifetimeMs };
  }
  const id = claims.jti;
  if (typeof id !== "string" || id === "") throw new TypeError("cognito-bearer: revokeToken(auth) needs a token with a jti claim");
  if (typeof claims.exp !== "number" || !Number.isFinite(claims.exp)) throw new TypeError("cognito-bearer: revokeToken(auth) needs a token with an exp claim");
  return { kind, id, expiresAt: (claims.exp + options.graceSeconds) * 1000 };
}

function claimsOf(auth: unknown, method: string): Readonly<CognitoAccessTokenClaims> {
  const claims = (auth as Partial<CognitoAuth> | null)?.claims;
  if (typeof auth !== "object" || auth === null || typeof claims !== "object" || claims === null) {
    throw new TypeError(`cognito-bearer: ${method}(auth) needs the auth object of a verified token (req.auth, ctx.state.auth)`);
  }
  return claims;
}

function resolveBefore(options: RevokeUserOptions | undefined, now: number): number {
  if (options !== undefined && (options === null || typeof options !== "object")) throw new TypeError("cognito-bearer: revokeUser(sub, options): options must be an object");
  const before = options?.before;
  if (before === undefined) return now;
  const ms = before instanceof Date ? before.getTime() : before;
  if (typeof ms !== "number" || !Number.isFinite(ms)) throw new TypeError("cognito-bearer: revokeUser(sub, { before }): before must be a Date or milliseconds since the epoch");
  return ms;
}

export class RevocationEntries {
  private readonly sessions = new Map<string, number>();
  private readonly tokens = new Map<string, number>();
  private readonly users = new Map<string, { before: number; expiresAt: number }>();
  private nextSweepAt = 0;

  constructor(private readonly requireOriginJti: boolean) {}

  /**
   * Synchronous and allocation-free: the verifier calls it on every request. An
   * entry past its expiry refuses nothing from that moment, whether or not it
   * has been swept yet, so every instance (every mirror of a shared list) stops
   * refusing at the same instant (up to clock skew) instead of when its next
   * write happens to sweep. The clock is read only when an entry matches.
   */
  isRevoked(claims: Readonly<CognitoAccessTokenClaims>, now?: number): "revoked" | "not_revocable" | undefined {
    const originJti = claims.origin_jti;
    if (originJti === undefined) {
      // A client-credentials token never has one, and is revocable by jti and sub (its client id).
      if (this.requireOriginJti && callerKindOf(claims) !== "client") return "not_revocable";
    } else if (this.sessions.size > 0) {
      const expiresAt = this.sessions.get(originJti);
      if (expiresAt !== undefined && expiresAt > (now ??= Date.now())) return "revoked";
    }
    if (this.tokens.size > 0 && claims.jti !== undefined) {
      const expiresAt = this.tokens.get(claims.jti);
      if (expiresAt !== undefined && expiresAt > (now ??= Date.now())) return "revoked";
    }
    if (this.users.size > 0) {
      const user = this.users.get(claims.sub);
      // auth_time is in seconds: a sign-in in the same second as a revokeUser whose
      // `before` has a fraction is refused too, rather than let an earlier one through.
      // A token without auth_time cannot show it signed in since: refused.
      if (user !== undefined && user.expiresAt > (now ??= Date.now()) && !(typeof claims.auth_time === "number" && claims.auth_time * 1000 >= user.before)) {
        return "revoked";
      }
    }
    return undefined;
  }

  /** Every entry that has not expired (users merged: the latest `before`, the latest expiry), e.g. to write back to a shared store that lost them. */
  *live(now = Date.now()): IterableIterator<RevocationEntry> {
    for (const [id, expiresAt] of this.sessions) if (expiresAt > now) yield { kind: "session", id, expiresAt };
    for (const [id, expiresAt] of this.tokens) if (expiresAt > now) yield { kind: "token", id, expiresAt };
    for (const [id, user] of this.users) if (user.expiresAt > now) yield { kind: "user", id, before: user.before, expiresAt: user.expiresAt };
  }

  add(entry: RevocationEntry, now = Date.now()): void {
    if (entry.expiresAt <= now) return;
    if (entry.kind === "user") {
      const current = this.users.get(entry.id);
      // Two bans of one user: the later `before` refuses more, and lives longer.
      this.users.set(entry.id, {
        before: Math.max(entry.before, current?.before ?? -Infinity),
        expiresAt: Math.max(entry.expiresAt, current?.expiresAt ?? -Infinity),
      });
    } else {
      const map = entry.kind === "session" ? this.sessions : this.tokens;
      map.set(entry.id, Math.max(entry.expiresAt, map.get(entry.id) ?? -Infinity));
    }
    if (now >= this.nextSweepAt) this.sweep(now);
  }

  sweep(now = Date.now()): void {
    this.nextSweepAt = now + SWEEP_INTERVAL_MS;
    for (const map of [this.sessions, this.tokens]) for (const [id, expiresAt] of map) if (expiresAt <= now) map.delete(id);
    for (const [id, user] of this.users) if (user.expiresAt <= now) this.users.delete(id);
  }

  stats(): RevocationStats {
    return { sessions: this.sessions.size, tokens: this.tokens.size, users: this.users.size };
  }
}
