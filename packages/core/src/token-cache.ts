// The verified-token cache: a token that verified before, byte for byte, skips
// the signature check and claim parsing on later requests.
//
// Why this is safe: the key is the whole token string, signature included, so
// a hit means exactly these bytes were verified against the issuer's key. What
// can change over time is re-checked on every hit by the verifier (expiry with
// grace, the verifier's requirements, the revocation hook). Entries never
// outlive the token's `exp`, failures are never stored, and entries whose
// signing key the issuer withdrew are dropped when the JWKS is refreshed.
// The cache is bounded by entries and by an estimate of bytes; the oldest
// entries go first (insertion order, which tracks expiry for same-lifetime tokens).
import type { CognitoAuth } from "./auth.js";
import type { IssuerPolicy, ResolvedCacheOptions } from "./options.js";

export interface CacheEntry {
  readonly auth: CognitoAuth;
  /** `exp` plus grace, in seconds: the entry is useless from then on. */
  readonly usableUntil: number;
  readonly policy: IssuerPolicy;
  readonly kid: string;
  readonly bytes: number;
}

/** When a limit is exceeded, this share of the limit is freed at once. */
const EVICTION_BATCH = 0.1;

/**
 * Map keys are the token's last characters (its signature's end), not the whole
 * token: V8 hashes a fresh string (every request's header is one) character by
 * character, and hashing a whole ~1 KB token was most of a cache hit's cost.
 * The signature's tail is as distinctive; get() then compares the whole token,
 * so a hit still means byte-identical.
 */
const MAP_KEY_LENGTH = 48;

function mapKey(token: string): string {
  return token.length > MAP_KEY_LENGTH ? token.slice(-MAP_KEY_LENGTH) : token;
}

/** Rough per-entry overhead beyond the token and claims: map slot, auth object, arrays. */
const ENTRY_OVERHEAD_BYTES = 512;

export class VerifiedTokenCache {
  private readonly entries = new Map<string, CacheEntry>();
  private totalBytes = 0;

  constructor(private readonly limits: ResolvedCacheOptions) {}

  get size(): number {
    return this.entries.size;
  }

  /** Estimated bytes held. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** The entry of exactly this token: the map key is only a hint, the whole token is compared. */
  get(token: string): CacheEntry | undefined {
    const entry = this.entries.get(mapKey(token));
    return entry !== undefined && entry.auth.token === token ? entry : undefined;
  }

  /** Estimate of memory for a token: its characters twice (token and decoded claims) plus overhead. */
  static estimateBytes(token: string): number {
    return token.length * 2 + ENTRY_OVERHEAD_BYTES;
  }

  set(token: string, entry: CacheEntry): void {
    if (entry.bytes > this.limits.maxBytes) return;
    // Another token with the same map key (a collision) is simply replaced.
    this.deleteKey(mapKey(token));
    this.entries.set(mapKey(token), entry);
    this.totalBytes += entry.bytes;
    this.evictBeyondLimits();
  }

  delete(token: string): void {
    if (this.get(token) !== undefined) this.deleteKey(mapKey(token));
  }

  private deleteKey(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.totalBytes -= entry.bytes;
  }

  /** Drop every entry verified with one of these keys of this JWKS. */
  dropKeys(jwksUri: string, kids: ReadonlySet<string>): void {
    for (const [key, entry] of this.entries) {
      if (entry.policy.jwksUri === jwksUri && kids.has(entry.kid)) this.deleteKey(key);
    }
  }

  clear(): void {
    this.entries.clear();
    this.totalBytes = 0;
  }

  /**
   * Evict oldest-first, EVICTION_BATCH of the limits in one pass. Evicting a
   * single entry per insert would start a fresh Map iterator each time, and V8
   * makes each new iterator walk past every hole earlier deletions left at the
   * head of the table until it is rehashed: several microseconds per insert
   * once the cache is full. One pass per batch keeps inserts O(1) amortised.
   * Expired entries go first, wherever they are.
   */
  private evictBeyondLimits(): void {
    const { maxEntries, maxBytes } = this.limits;
    if (this.entries.size <= maxEntries && this.totalBytes <= maxBytes) return;
    // Small caches keep their exact bound: there is no slack to batch with.
    const entryTarget = maxEntries - Math.floor(maxEntries * EVICTION_BATCH);
    const byteTarget = maxBytes - Math.floor(maxBytes * EVICTION_BATCH);
    const nowSeconds = Date.now() / 1000;
    for (const [key, entry] of this.entries) {
      if (entry.usableUntil <= nowSeconds) this.deleteKey(key);
    }
    for (const key of this.entries.keys()) {
      if (this.entries.size <= entryTarget && this.totalBytes <= byteTarget) break;
      this.deleteKey(key);
    }
  }
}
