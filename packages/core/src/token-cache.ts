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

  get(token: string): CacheEntry | undefined {
    return this.entries.get(token);
  }

  /** Estimate of memory for a token: its characters twice (token and decoded claims) plus overhead. */
  static estimateBytes(token: string): number {
    return token.length * 2 + ENTRY_OVERHEAD_BYTES;
  }

  set(token: string, entry: CacheEntry): void {
    if (entry.bytes > this.limits.maxBytes) return;
    this.delete(token);
    this.entries.set(token, entry);
    this.totalBytes += entry.bytes;
    this.evictBeyondLimits();
  }

  delete(token: string): void {
    const entry = this.entries.get(token);
    if (entry === undefined) return;
    this.entries.delete(token);
    this.totalBytes -= entry.bytes;
  }

  /** Drop every entry verified with one of these keys of this JWKS. */
  dropKeys(jwksUri: string, kids: ReadonlySet<string>): void {
    for (const [token, entry] of this.entries) {
      if (entry.policy.jwksUri === jwksUri && kids.has(entry.kid)) this.delete(token);
    }
  }

  clear(): void {
    this.entries.clear();
    this.totalBytes = 0;
  }

  private evictBeyondLimits(): void {
    const { maxEntries, maxBytes } = this.limits;
    const nowSeconds = Date.now() / 1000;
    for (const token of this.entries.keys()) {
      if (this.entries.size <= maxEntries && this.totalBytes <= maxBytes) break;
      this.delete(token);
    }
    // Opportunistically drop an expired entry at the head so dead tokens do not wait for pressure.
    const oldest = this.entries.entries().next();
    if (!oldest.done && oldest.value[1].usableUntil <= nowSeconds) this.delete(oldest.value[0]);
  }
}
