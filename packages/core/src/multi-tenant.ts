// Many tenants behind one API: one user pool per tenant, resolved from the
// token's `iss`. The unverified `iss` only picks the pool; the token is then
// verified in full by that pool's own verifier (JWKS, claims, cache), so a
// forged `iss` can at worst select a pool whose keys will not verify it.
// State is bounded: an LRU of pools (each closed when evicted) and an LRU of
// refused issuers, so random issuers cannot grow memory, and a refused issuer
// never causes a JWKS request. A resolver that throws or times out is our
// fault: 503, never 401.
import type { CognitoAuth } from "./auth.js";
import { assertBearerTokenSyntax, readBearerCredentials } from "./bearer.js";
import { AuthError, toAuthError, withResourceMetadata } from "./errors.js";
import { OptionsError } from "./option-error.js";
import { assertKnownKeys } from "./option-keys.js";
import type { VerifierOptions } from "./options.js";
import { resolveResourceMetadata, type ResourceMetadata, type ResourceMetadataOptions } from "./resource-metadata.js";
import type { ExplainReport } from "./explain.js";
import type { Verifier, VerifierStats } from "./verifier.js";

export interface MultiTenantOptions {
  /** The pool of a token's `iss`: its verifier options, or undefined to refuse the issuer (401 `issuer_not_accepted`). */
  resolveIssuer: (iss: string) => VerifierOptions | undefined | Promise<VerifierOptions | undefined>;
  /** Pools kept (each with its JWKS and verified tokens); the least recently used is closed beyond this. Default 1000. */
  maxPools?: number | undefined;
  /** Refused issuers remembered (no resolver call, no JWKS request). Default 10000. */
  maxRefusedIssuers?: number | undefined;
  /** How long a refused issuer is remembered. Default 300. */
  refusedIssuerTtlSeconds?: number | undefined;
  /** A resolver call is abandoned (503) after this long. Default 3000. */
  resolveTimeoutMs?: number | undefined;
  /** The challenge realm. Default "api". */
  realm?: string | undefined;
  /** RFC 9728; `authorizationServers` is required here (the pools are not known in advance). */
  resourceMetadata?: ResourceMetadataOptions | undefined;
}

export const MULTI_TENANT_DEFAULTS = { maxPools: 1000, maxRefusedIssuers: 10_000, refusedIssuerTtlSeconds: 300, resolveTimeoutMs: 3000 } as const;
const KEYS = ["resolveIssuer", "maxPools", "maxRefusedIssuers", "refusedIssuerTtlSeconds", "resolveTimeoutMs", "realm", "resourceMetadata"] as const;
/** Longer `iss` values are refused without a resolver call: they cannot be a Cognito issuer. */
const MAX_ISSUER_LENGTH = 512;
const MAX_TOKEN_LENGTH = 16384;
/** isVerifier()'s brand (verifier.ts). */
const VERIFIER_BRAND = Symbol.for("cognito-bearer.verifier");

export function isMultiTenantOptions(options: unknown): options is MultiTenantOptions {
  return typeof options === "object" && options !== null && !Array.isArray(options) && "resolveIssuer" in options;
}

export function createMultiTenantVerifier(options: MultiTenantOptions, createPool: (options: VerifierOptions) => Verifier): Verifier {
  assertKnownKeys(options, KEYS, "");
  if (typeof options.resolveIssuer !== "function") throw new OptionsError("resolveIssuer must be a function from an issuer to its pool's options (or undefined)");
  return new MultiTenantVerifier(options, createPool);
}

function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) throw new OptionsError(`${name} must be a positive integer`);
  return value;
}

class MultiTenantVerifier implements Verifier {
  readonly [VERIFIER_BRAND] = true;
  readonly realm: string;
  readonly resourceMetadata: ResourceMetadata | undefined;
  private readonly pools = new Map<string, Verifier>();
  private readonly refused = new Map<string, number>();
  private readonly resolving = new Map<string, Promise<Verifier | undefined>>();
  private readonly maxPools: number;
  private readonly maxRefused: number;
  private readonly refusedTtlMs: number;
  private readonly timeoutMs: number;
  private closed = false;

  constructor(
    private readonly options: MultiTenantOptions,
    private readonly createPool: (options: VerifierOptions) => Verifier,
  ) {
    this.maxPools = positiveInteger("maxPools", options.maxPools, MULTI_TENANT_DEFAULTS.maxPools);
    this.maxRefused = positiveInteger("maxRefusedIssuers", options.maxRefusedIssuers, MULTI_TENANT_DEFAULTS.maxRefusedIssuers);
    this.refusedTtlMs = positiveInteger("refusedIssuerTtlSeconds", options.refusedIssuerTtlSeconds, MULTI_TENANT_DEFAULTS.refusedIssuerTtlSeconds) * 1000;
    this.timeoutMs = positiveInteger("resolveTimeoutMs", options.resolveTimeoutMs, MULTI_TENANT_DEFAULTS.resolveTimeoutMs);
    // A throwaway pool validates the realm like every other verifier does.
    this.realm = options.realm ?? "api";
    if (typeof this.realm !== "string" || !/^[\x20-\x7e]+$/.test(this.realm) || /["\\]/.test(this.realm)) throw new OptionsError("realm must be a non-empty printable ASCII string without quotes or backslashes");
    this.resourceMetadata = resolveResourceMetadata(options.resourceMetadata, []);
  }

  verify(token: string): Promise<CognitoAuth> {
    return this.run(token, (pool) => pool.verify(token));
  }

  authenticate(authorization: string | string[] | undefined, optional = false): CognitoAuth | undefined | Promise<CognitoAuth | undefined> {
    let token: string | undefined;
    try {
      token = readBearerCredentials(authorization, this.realm);
      if (token === undefined) {
        if (optional) return undefined;
        throw new AuthError("missing_credentials", { realm: this.realm });
      }
      if (token.length > MAX_TOKEN_LENGTH) throw new AuthError("token_too_large", { realm: this.realm });
    } catch (err) {
      return Promise.reject(this.refusal(err));
    }
    const header = authorization;
    // The characters are checked (400) only off the hot path: a cached pool checks them itself on a miss.
    const realm = this.realm;
    return this.run(token, (pool) => pool.authenticate(header, optional) as CognitoAuth | Promise<CognitoAuth>, () => assertBearerTokenSyntax(token, realm));
  }

  /** The pool's answer: synchronous when the pool is cached and its answer is. */
  private run<T>(token: string, use: (pool: Verifier) => T | Promise<T>, checkSyntax: () => void = () => {}): Promise<T> & T {
    let iss: string;
    try {
      iss = unverifiedIssuer(token, this.realm);
    } catch (err) {
      try {
        checkSyntax();
      } catch (syntaxError) {
        return Promise.reject(this.refusal(syntaxError)) as Promise<T> & T;
      }
      return Promise.reject(this.refusal(err)) as Promise<T> & T;
    }
    const pool = this.pools.get(iss);
    if (pool !== undefined) {
      // Most recently used last: Map keeps insertion order.
      this.pools.delete(iss);
      this.pools.set(iss, pool);
      return this.guard(() => use(pool)) as Promise<T> & T;
    }
    try {
      checkSyntax();
    } catch (err) {
      return Promise.reject(this.refusal(err)) as Promise<T> & T;
    }
    const refusedUntil = this.refused.get(iss);
    if (refusedUntil !== undefined && refusedUntil > Date.now()) return Promise.reject(this.refusal(new AuthError("issuer_not_accepted", { realm: this.realm }))) as Promise<T> & T;
    return this.resolve(iss).then((resolved) => {
      if (resolved === undefined) throw this.refusal(new AuthError("issuer_not_accepted", { realm: this.realm }));
      return this.guard(() => use(resolved));
    }) as Promise<T> & T;
  }

  private guard<T>(call: () => T | Promise<T>): T | Promise<T> {
    let result: T | Promise<T>;
    try {
      result = call();
    } catch (err) {
      return Promise.reject(this.refusal(err));
    }
    return result instanceof Promise ? result.catch((err: unknown) => Promise.reject(this.refusal(err))) : result;
  }

  private refusal(err: unknown): AuthError {
    return withResourceMetadata(toAuthError(err, this.realm), this.resourceMetadata?.url);
  }

  /** One resolver call per issuer at a time; its outcome cached (a pool, or a bounded refusal). */
  private resolve(iss: string): Promise<Verifier | undefined> {
    const pending = this.resolving.get(iss);
    if (pending !== undefined) return pending;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("resolveIssuer timed out")), this.timeoutMs);
    });
    const call = Promise.resolve()
      .then(() => this.options.resolveIssuer(iss))
      .then(undefined, (cause: unknown) => Promise.reject(new AuthError("issuer_resolution_failed", { realm: this.realm, cause })));
    const outcome = Promise.race([call, timeout.catch((cause: unknown) => Promise.reject(new AuthError("issuer_resolution_failed", { realm: this.realm, cause })))])
      .then((poolOptions) => {
        if (poolOptions === undefined) {
          this.rememberRefused(iss);
          return undefined;
        }
        let pool: Verifier;
        try {
          pool = this.createPool({ ...poolOptions, realm: this.realm, cache: poolOptions.cache ?? { maxEntries: 1000 } });
        } catch (cause) {
          // A pool the resolver described wrongly is our configuration's fault.
          throw new AuthError("issuer_resolution_failed", { realm: this.realm, cause });
        }
        if (this.closed) {
          pool.close();
          return pool;
        }
        this.pools.set(iss, pool);
        if (this.pools.size > this.maxPools) {
          const [oldest, evicted] = this.pools.entries().next().value as [string, Verifier];
          this.pools.delete(oldest);
          evicted.close();
        }
        return pool;
      })
      .finally(() => {
        clearTimeout(timer);
        this.resolving.delete(iss);
      });
    this.resolving.set(iss, outcome);
    return outcome;
  }

  private rememberRefused(iss: string): void {
    this.refused.delete(iss);
    this.refused.set(iss, Date.now() + this.refusedTtlMs);
    if (this.refused.size > this.maxRefused) this.refused.delete(this.refused.keys().next().value as string);
  }

  async warmup(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.warmup()));
  }

  explain(token: string): Promise<ExplainReport> {
    return this.run(token, (pool) => pool.explain(token));
  }

  close(): void {
    this.closed = true;
    for (const pool of this.pools.values()) pool.close();
    this.pools.clear();
    this.refused.clear();
  }

  stats(): VerifierStats & { pools: number; refusedIssuers: number } {
    const all = [...this.pools.values()].map((pool) => pool.stats());
    return {
      cache: undefined,
      jwks: all.flatMap((stats) => stats.jwks),
      pools: this.pools.size,
      refusedIssuers: this.refused.size,
    };
  }
}

/** The `iss` of an unverified token, only to pick its pool. */
function unverifiedIssuer(token: string, realm: string): string {
  const first = token.indexOf(".");
  const second = token.indexOf(".", first + 1);
  if (first <= 0 || second <= first) throw new AuthError("malformed_token", { realm });
  let iss: unknown;
  try {
    iss = (JSON.parse(decodeBase64Url(token.slice(first + 1, second))) as { iss?: unknown }).iss;
  } catch {
    throw new AuthError("malformed_token", { realm });
  }
  if (typeof iss !== "string" || iss.length === 0) throw new AuthError("malformed_token", { realm });
  if (iss.length > MAX_ISSUER_LENGTH) throw new AuthError("issuer_not_accepted", { realm });
  return iss;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** base64url to text without Buffer: core also runs on Workers, Deno and Bun. */
function decodeBase64Url(segment: string): string {
  const base64 = segment.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "===".slice((base64.length + 3) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return UTF8.decode(bytes);
}
