// The JWKS policy, plugged into aws-jwt-verify through its JwksCache interface
// (aws-jwt-verify asks us for the key of each token; we decide when to fetch):
// - a cold cache fetches once, however many requests wait for it;
// - an unknown kid refetches at most once per cooldown window, and only when
//   the token's header is acceptable at all, so forged tokens cause no traffic;
// - keys are refreshed in the background every maxAge (a timer, not a request,
//   pays for it), so keys the issuer withdrew stop verifying within that age;
//   a failed refresh keeps the old keys and retries with back-off; where timers
//   do not outlive a request (Workers isolates, edge functions, which are frozen
//   between requests), the timer never fires, so the first key lookup past
//   maxAge refreshes within its own request instead;
// - once keys are cached, an unreachable endpoint never fails a known kid.
import type { DecomposedJwt } from "aws-jwt-verify/jwt";
import { KidNotFoundInJwksError } from "aws-jwt-verify/error";
import type { Jwks, JwksCache, JwkWithKid } from "aws-jwt-verify/jwk";
import { assertAcceptableHeader, assertCanonicalSignature } from "./claims.js";
import { AuthError, toAuthError } from "./errors.js";
import { emit, type EventSink, type JwksFetchEvent } from "./events.js";
import { fetchJwks, type UsableJwk } from "./jwks-fetch.js";
import type { ResolvedJwksOptions } from "./options.js";
import { runtime } from "#runtime";

/** Called after a refresh with the kids that disappeared, so verified tokens signed by them can be dropped. */
export type KeysWithdrawnListener = (jwksUri: string, kids: ReadonlySet<string>) => void;

/** What can be seen of one JWKS from outside (for health checks and tests). */
export interface JwksStatus {
  /** The key set's first candidate URL: its name. */
  jwksUri: string;
  /** Every URL the key set can be fetched from, in the order tried. */
  candidates: string[];
  /** The URL the keys last came from, or undefined. */
  servedBy: string | undefined;
  kids: string[];
  /** When the keys were last fetched successfully (ms since epoch), or undefined. */
  fetchedAt: number | undefined;
  /** Whether an unknown kid would be refused now without a refetch. */
  coolingDown: boolean;
  fetches: number;
}

const MAX_REFRESH_BACKOFF_MS = 60_000;
/** How long past maxAge a key lookup waits for the timer's refresh before refreshing itself. */
const IN_REQUEST_REFRESH_SLACK_MS = 1_000;

interface KeySet {
  readonly uri: string;
  readonly candidates: readonly string[];
  readonly policy: ResolvedJwksOptions;
  /** The candidate that served the keys last: tried first next time. */
  servedBy: string | undefined;
  /** Candidates that answered 403/404 (the pool does not use that issuer form), until when they are tried last. */
  readonly notServed: Map<string, number>;
  keys: Map<string, UsableJwk> | undefined;
  fetchedAt: number | undefined;
  inflight: Promise<Map<string, UsableJwk>> | undefined;
  /** When the last unknown-kid refetch started, and whether it failed. */
  unknownKidFetchAt: number;
  unknownKidFetchFailed: boolean;
  refreshTimer: ReturnType<typeof setTimeout> | undefined;
  refreshFailures: number;
  /** After a failed refresh, no in-request refresh before this time (ms since epoch): the same back-off as the timer's. */
  refreshRetryAt: number;
  fetches: number;
  /** A failed fetch was reported as a process warning, and no fetch has succeeded since. */
  outageWarned: boolean;
}

export class JwksPolicy implements JwksCache {
  private readonly sets = new Map<string, KeySet>();
  private closed = false;

  constructor(
    policies: ReadonlyMap<string, { policy: ResolvedJwksOptions; candidates: readonly string[] }>,
    private readonly algorithms: ReadonlySet<string>,
    private readonly realm: string,
    private readonly onEvent: EventSink,
    private readonly onKeysWithdrawn: KeysWithdrawnListener,
    /** The issuers each JWKS verifies for: a token naming another `iss` is refused before any key lookup or fetch. */
    private readonly issuersByJwksUri?: ReadonlyMap<string, ReadonlySet<string>>,
  ) {
    for (const [uri, { policy, candidates }] of policies) {
      this.sets.set(uri, {
        uri,
        candidates,
        policy,
        servedBy: undefined,
        notServed: new Map(),
        keys: undefined,
        fetchedAt: undefined,
        inflight: undefined,
        unknownKidFetchAt: -Infinity,
        unknownKidFetchFailed: false,
        refreshTimer: undefined,
        refreshFailures: 0,
        refreshRetryAt: 0,
        fetches: 0,
        outageWarned: false,
      });
    }
  }

  /** aws-jwt-verify calls this for every token it has decoded, before checking the signature. */
  getJwk(jwksUri: string, decomposedJwt: DecomposedJwt): Promise<JwkWithKid> {
    this.precheck(jwksUri, decomposedJwt);
    const set = this.keySet(jwksUri);
    const kid = decomposedJwt.header.kid as string;
    const cached = set.keys?.get(kid);
    if (cached !== undefined) return this.overdue(set) ? this.refreshInRequest(set, kid, cached) : Promise.resolve(cached);
    return this.findAfterFetch(set, kid);
  }

  getCachedJwk(jwksUri: string, decomposedJwt: DecomposedJwt): JwkWithKid {
    this.precheck(jwksUri, decomposedJwt);
    const jwk = this.keySet(jwksUri).keys?.get(decomposedJwt.header.kid as string);
    if (jwk === undefined) throw new KidNotFoundInJwksError("JWK not found in the cached JWKS");
    return jwk;
  }

  addJwks(jwksUri: string, jwks: Jwks): void {
    const keys = new Map<string, UsableJwk>();
    for (const jwk of jwks.keys) if (typeof jwk.kid === "string") keys.set(jwk.kid, jwk as UsableJwk);
    this.install(this.keySet(jwksUri), keys);
  }

  async getJwks(jwksUri: string): Promise<Jwks> {
    const keys = await this.fetch(this.keySet(jwksUri), "warmup");
    return { keys: [...keys.values()] };
  }

  /** Fetch every JWKS now (warmup); rejects with a 503 AuthError when one cannot be fetched. */
  async fetchAll(): Promise<void> {
    await Promise.all([...this.sets.values()].map((set) => this.fetch(set, "warmup")));
  }

  status(): JwksStatus[] {
    const now = Date.now();
    return [...this.sets.values()].map((set) => ({
      jwksUri: set.uri,
      candidates: [...set.candidates],
      servedBy: set.servedBy,
      kids: set.keys ? [...set.keys.keys()] : [],
      fetchedAt: set.fetchedAt,
      coolingDown: now - set.unknownKidFetchAt < set.policy.cooldownSeconds * 1000,
      fetches: set.fetches,
    }));
  }

  /** The cached key of a key set, by kid (for explain()). */
  cachedKey(jwksUri: string, kid: string): UsableJwk | undefined {
    return this.sets.get(jwksUri)?.keys?.get(kid);
  }

  /** The kids a key set holds, or undefined when it was never fetched. */
  cachedKids(jwksUri: string): string[] | undefined {
    const keys = this.sets.get(jwksUri)?.keys;
    return keys && [...keys.keys()];
  }

  /** Stop background refreshes. */
  close(): void {
    this.closed = true;
    for (const set of this.sets.values()) clearTimeout(set.refreshTimer);
  }

  /** Checks that need no key, so that a token refused by them never causes a JWKS fetch. */
  private precheck(jwksUri: string, decomposedJwt: DecomposedJwt): void {
    assertAcceptableHeader(decomposedJwt.header, this.algorithms, this.realm);
    // With a single issuer configured, aws-jwt-verify routes every token to it whatever
    // its `iss`: a foreign pool's token (unknown kid) would otherwise trigger a refetch.
    const issuers = this.issuersByJwksUri?.get(jwksUri);
    if (issuers !== undefined && !issuers.has(decomposedJwt.payload.iss as string)) {
      throw new AuthError("issuer_not_accepted", { realm: this.realm });
    }
    assertCanonicalSignature(decomposedJwt.signatureB64, this.realm);
  }

  private keySet(jwksUri: string): KeySet {
    const set = this.sets.get(jwksUri);
    // aws-jwt-verify only asks for URIs we configured; anything else is a bug, not a token fault.
    if (set === undefined) throw new Error(`cognito-bearer: no JWKS policy for ${jwksUri}`);
    return set;
  }

  private async findAfterFetch(set: KeySet, kid: string): Promise<JwkWithKid> {
    if (set.keys === undefined) {
      // Cold cache: every waiting request shares one fetch.
      const keys = await this.fetch(set, "cold");
      const jwk = keys.get(kid);
      if (jwk !== undefined) return jwk;
      throw new AuthError("unknown_key", { realm: this.realm });
    }
    // Known keys, unknown kid: either a rotation or a forgery. Refetch once per window.
    const now = Date.now();
    if (set.inflight === undefined && now - set.unknownKidFetchAt >= set.policy.cooldownSeconds * 1000) {
      set.unknownKidFetchAt = now;
      set.unknownKidFetchFailed = false;
      this.fetch(set, "unknown_kid").catch(() => {
        set.unknownKidFetchFailed = true;
      });
    }
    if (set.inflight !== undefined) {
      try {
        await set.inflight;
      } catch (err) {
        // We could not check whether this kid is a new key: our fault, not the token's.
        throw toAuthError(err, this.realm);
      }
    } else if (set.unknownKidFetchFailed) {
      throw new AuthError("jwks_unavailable", { realm: this.realm });
    }
    const jwk = set.keys.get(kid);
    if (jwk !== undefined) return jwk;
    throw new AuthError("unknown_key", { realm: this.realm });
  }

  /** One fetch per key set at a time; the result replaces the keys on success. */
  private fetch(set: KeySet, trigger: JwksFetchEvent["trigger"]): Promise<Map<string, UsableJwk>> {
    if (set.inflight !== undefined) return set.inflight;
    set.fetches++;
    const inflight = this.fetchFromCandidates(set, trigger).then(
      (keys) => {
        set.inflight = undefined;
        set.outageWarned = false;
        this.install(set, keys);
        return keys;
      },
      (err: unknown) => {
        set.inflight = undefined;
        if (this.onEvent === undefined) warnOutage(set, err instanceof Error ? err.message : "unknown error");
        throw toAuthError(err, this.realm);
      },
    );
    set.inflight = inflight;
    return inflight;
  }

  /**
   * The candidates in order, starting with the one that served last; those
   * that answered 403/404 recently (an issuer form the pool does not use) go
   * last: that answer is a fact about the pool, not an outage. Each failure is
   * reported; the first success wins.
   */
  private async fetchFromCandidates(set: KeySet, trigger: JwksFetchEvent["trigger"]): Promise<Map<string, UsableJwk>> {
    const now = Date.now();
    const preferred = set.servedBy === undefined ? [] : [set.servedBy];
    const ordered = [...new Set([...preferred, ...set.candidates])];
    const served = ordered.filter((uri) => (set.notServed.get(uri) ?? 0) <= now);
    const order = [...served, ...ordered.filter((uri) => !served.includes(uri))];
    let lastError: unknown;
    for (const uri of order) {
      const started = performance.now();
      try {
        const keys = await fetchJwks(uri, set.policy);
        set.servedBy = uri;
        set.notServed.delete(uri);
        emit(this.onEvent, { type: "jwks_fetch", jwksUri: uri, trigger, ok: true, durationMs: performance.now() - started, keys: keys.size });
        return keys;
      } catch (err) {
        lastError = err;
        const status = (err as { status?: number }).status;
        if (status === 403 || status === 404) set.notServed.set(uri, Date.now() + set.policy.maxAgeSeconds * 1000);
        const error = err instanceof Error ? err.message : "unknown error";
        emit(this.onEvent, { type: "jwks_fetch", jwksUri: uri, trigger, ok: false, durationMs: performance.now() - started, error, ...(status === undefined ? {} : { status }) });
      }
    }
    throw lastError;
  }

  private install(set: KeySet, keys: Map<string, UsableJwk>): void {
    const previous = set.keys;
    set.keys = keys;
    set.fetchedAt = Date.now();
    set.refreshFailures = 0;
    set.refreshRetryAt = 0;
    this.scheduleRefresh(set, set.policy.maxAgeSeconds * 1000);
    if (previous === undefined) return;
    const withdrawn = new Set<string>();
    for (const [kid, jwk] of previous) {
      const current = keys.get(kid);
      if (current === undefined || !sameKeyMaterial(current, jwk)) withdrawn.add(kid);
    }
    if (withdrawn.size > 0) this.onKeysWithdrawn(set.uri, withdrawn);
  }

  private scheduleRefresh(set: KeySet, delayMs: number): void {
    clearTimeout(set.refreshTimer);
    if (this.closed) return;
    // Unref'd: a verifier must never keep a process (or a test run) alive.
    set.refreshTimer = runtime.setTimeoutUnref(() => this.refresh(set), delayMs);
  }

  private refresh(set: KeySet): void {
    this.fetch(set, "refresh").catch(() => {
      // Keep the old keys; retry sooner than maxAge, backing off up to a minute.
      this.scheduleRefresh(set, this.refreshFailed(set));
    });
  }

  /** Count a failed refresh; the delay before the next attempt. */
  private refreshFailed(set: KeySet): number {
    set.refreshFailures++;
    const backoff = Math.min(1000 * 2 ** (set.refreshFailures - 1), MAX_REFRESH_BACKOFF_MS, set.policy.maxAgeSeconds * 1000);
    set.refreshRetryAt = Date.now() + backoff;
    return backoff;
  }

  /**
   * The keys are older than maxAge (plus slack, so that where timers run the
   * timer's refresh comes first) and no refresh is due to back-off: the
   * background refresh did not run, as on runtimes that freeze between requests.
   */
  private overdue(set: KeySet): boolean {
    if (set.fetchedAt === undefined || set.inflight !== undefined || this.closed) return false;
    const now = Date.now();
    return now - set.fetchedAt >= set.policy.maxAgeSeconds * 1000 + IN_REQUEST_REFRESH_SLACK_MS && now >= set.refreshRetryAt;
  }

  /**
   * Refresh within this request (a fetch left running after the answer would be
   * cancelled there), then answer from the new keys: a kid the issuer withdrew
   * is refused. A failed refresh keeps the old keys, as the timer's does.
   */
  private async refreshInRequest(set: KeySet, kid: string, cached: UsableJwk): Promise<JwkWithKid> {
    try {
      await this.fetch(set, "refresh");
    } catch {
      this.refreshFailed(set);
      return cached;
    }
    const jwk = set.keys?.get(kid);
    if (jwk === undefined) throw new AuthError("unknown_key", { realm: this.realm });
    return jwk;
  }
}

/** The code of the warning for a failed JWKS fetch (on Node a process warning: `process.on("warning", ...)`, `--disable-warning`; elsewhere console.warn). */
export const JWKS_WARNING_CODE = "COGNITO_BEARER_JWKS_UNAVAILABLE";

/**
 * With no onEvent listener, an outage would show only as 503s at the clients
 * and nothing on the server (a wrong jwksUri looks like "everything is 503,
 * logs are empty"). Node's warning channel is written to stderr by default:
 * once per outage, not once per request, and never with a token.
 */
function warnOutage(set: KeySet, error: string): void {
  if (set.outageWarned) return;
  set.outageWarned = true;
  const where = set.candidates.length === 1 ? set.uri : `${set.candidates.join(", ")} (none of them)`;
  runtime.warn(
    `cognito-bearer: the JWKS at ${where} could not be fetched (${error}); tokens whose signing key is not cached get 503 until a fetch succeeds`,
    JWKS_WARNING_CODE,
  );
}

function sameKeyMaterial(a: UsableJwk, b: UsableJwk): boolean {
  return a.kty === b.kty && a.n === b.n && a.e === b.e && a.x === b.x && a.y === b.y && a.crv === b.crv && a.alg === b.alg;
}
