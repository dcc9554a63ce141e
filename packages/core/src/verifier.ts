// createVerifier: composes bearer extraction, aws-jwt-verify, the JWKS policy,
// the claim checks, the verified-token cache and the requirements.
//
// The hot path is a cache hit: the header is split, the token looked up, its
// expiry, requirements and revocation re-checked, and the same frozen auth
// object returned synchronously, so adapters need no promise for it. A miss
// whose signing key is cached is synchronous too; only a key fetch is not.
// Errors and events are only built when something fails or someone listens.
import { JwtVerifier } from "aws-jwt-verify";
import { KidNotFoundInJwksError, NotSupportedError } from "aws-jwt-verify/error";
import type { JwtPayload } from "aws-jwt-verify/jwt-model";
import { createAuth, type CognitoAccessTokenClaims, type CognitoAuth } from "./auth.js";
import { assertBearerTokenSyntax, readBearerCredentials } from "./bearer.js";
import { assertCognitoAccessClaims } from "./claims.js";
import { AuthError, toAuthError, withResourceMetadata } from "./errors.js";
import { emit } from "./events.js";
import { JwksPolicy, type JwksStatus } from "./jwks.js";
import { resolveOptions, type IssuerPolicy, type ResolvedJwksOptions, type ResolvedOptions, type VerifierOptions } from "./options.js";
import { explainToken, type ExplainReport } from "./explain.js";
import { assertRequirements } from "./requirements.js";
import { rememberResourceMetadata } from "./realm.js";
import type { ResourceMetadata } from "./resource-metadata.js";
import { VerifiedTokenCache } from "./token-cache.js";
import { runtime } from "#runtime";
import { AlbDataCheck, ALB_ACCESS_TOKEN_HEADER, ALB_DATA_HEADER, readHeader, type HeaderSource } from "./alb.js";
import { createMultiTenantVerifier, isMultiTenantOptions, type MultiTenantOptions } from "./multi-tenant.js";

const VERIFIER_BRAND = Symbol.for("cognito-bearer.verifier");

export interface VerifierStats {
  cache: { size: number; bytes: number; maxEntries: number; maxBytes: number } | undefined;
  jwks: JwksStatus[];
}

/** A configured verifier for one or several user pools. */
export interface Verifier {
  /** Verify an access token; resolves to the auth object or rejects with an AuthError. */
  verify(token: string): Promise<CognitoAuth>;
  /**
   * Authenticate an `Authorization` header value: the adapters' entry point.
   * Returns the auth object synchronously whenever no I/O is needed (a cache
   * hit, or a new token whose signing key is cached, without an async
   * `isRevoked`), `undefined` for an anonymous request when `optional` is true,
   * and a promise otherwise; every failure is a rejected promise carrying an AuthError.
   * `headers`, the request's headers, are read with the `alb` option only: the
   * token then comes from `x-amzn-oidc-accesstoken`, and `authorization` is ignored.
   */
  authenticate(
    authorization: string | string[] | undefined,
    optional?: boolean,
    headers?: HeaderSource | undefined,
  ): CognitoAuth | undefined | Promise<CognitoAuth | undefined>;
  /** Fetch the JWKS of every pool now, e.g. at startup; rejects with a 503 AuthError if one is unreachable. */
  warmup(): Promise<void>;
  /**
   * Why a token is accepted or refused, check by check (structure, alg, kid,
   * signature, times, issuer, token_use, client_id, revocation, scopes,
   * groups), with what was expected and found. The verdict is verify()'s own.
   * For development and support: the report holds the decoded claims.
   */
  explain(token: string): Promise<ExplainReport>;
  /** Stop background JWKS refreshes and empty the cache. */
  close(): void;
  /** Cache and JWKS state, for health checks and metrics. */
  stats(): VerifierStats;
  /** The `realm` of this verifier's challenges. */
  readonly realm: string;
  /** With the `resourceMetadata` option: the RFC 9728 document every adapter serves, its path and URL. */
  readonly resourceMetadata?: ResourceMetadata | undefined;
}

/** Create a verifier for one user pool, or an array of them (several pools or issuers behind one API). */
export function createVerifier(options: VerifierOptions | readonly VerifierOptions[] | MultiTenantOptions): Verifier {
  // Many tenants: one verifier per pool, resolved from the token's iss (multi-tenant.ts).
  if (isMultiTenantOptions(options)) return createMultiTenantVerifier(options, (pool) => new CognitoVerifier(resolveOptions(pool)));
  return new CognitoVerifier(resolveOptions(options as VerifierOptions | readonly VerifierOptions[]));
}

/** True for a Verifier made by createVerifier (also across copies of this package). */
export function isVerifier(value: unknown): value is Verifier {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[VERIFIER_BRAND] === true;
}

interface VerifiedWith {
  policy: IssuerPolicy;
  kid: string;
}

class CognitoVerifier implements Verifier {
  readonly [VERIFIER_BRAND] = true;
  readonly realm: string;
  readonly resourceMetadata: ResourceMetadata | undefined;
  private readonly options: ResolvedOptions;
  private readonly cache: VerifiedTokenCache | undefined;
  private readonly jwks: JwksPolicy;
  private readonly jwtVerifier: {
    verify(token: string): Promise<JwtPayload>;
    verifySync(token: string): JwtPayload;
    publicKeyCache?: { clearCache(issuer: string): void };
  };
  /** Which pool and key verified a payload: filled by the claim check, read right after. */
  private readonly verifiedWith = new WeakMap<object, VerifiedWith>();
  /** With the `alb` option: the check of x-amzn-oidc-data. */
  private readonly alb: AlbDataCheck | undefined;

  constructor(options: ResolvedOptions) {
    this.options = options;
    this.realm = options.realm;
    this.resourceMetadata = options.resourceMetadata;
    this.cache = options.cache === false ? undefined : new VerifiedTokenCache(options.cache);
    const jwksPolicies = new Map<string, { policy: ResolvedJwksOptions; candidates: readonly string[] }>();
    for (const policy of options.issuers) if (!jwksPolicies.has(policy.jwksUri)) jwksPolicies.set(policy.jwksUri, { policy: policy.jwks, candidates: policy.jwksCandidates });
    const issuersByJwksUri = new Map<string, Set<string>>();
    for (const policy of options.issuers) issuersByJwksUri.set(policy.jwksUri, (issuersByJwksUri.get(policy.jwksUri) ?? new Set()).add(policy.issuer));
    const onKeysWithdrawn = (jwksUri: string, kids: ReadonlySet<string>) => {
      this.cache?.dropKeys(jwksUri, kids);
      // aws-jwt-verify keeps key objects by issuer and kid: forget them, or a kid
      // republished with other key material would go on verifying with the old one.
      for (const policy of options.issuers) if (policy.jwksUri === jwksUri) this.jwtVerifier.publicKeyCache?.clearCache(policy.issuer);
    };
    this.jwks = new JwksPolicy(jwksPolicies, options.algorithms, options.realm, options.onEvent, onKeysWithdrawn, issuersByJwksUri);
    // One JwtVerifier for every issuer: it decodes each token once and routes it by `iss`.
    // Cognito's own checks (token_use, client_id, types) run in customJwtCheck, on that same decode.
    const issuers = options.issuers.map((policy) => ({
      issuer: policy.issuer,
      jwksUri: policy.jwksUri,
      audience: null,
      graceSeconds: policy.graceSeconds,
      customJwtCheck: ({ header, payload }: { header: { kid?: string }; payload: JwtPayload }) => {
        assertCognitoAccessClaims(payload, policy, Date.now() / 1000, this.realm);
        this.verifiedWith.set(payload, { policy, kid: header.kid as string });
      },
    }));
    this.jwtVerifier = JwtVerifier.create(issuers as never, { jwksCache: this.jwks }) as unknown as CognitoVerifier["jwtVerifier"];
    this.alb =
      options.alb === undefined
        ? undefined
        : new AlbDataCheck(options.alb, options.issuers.map((policy) => policy.issuer), [...new Set(options.issuers.flatMap((policy) => [...policy.clientIds]))]);
  }

  // Not `async`: returning another promise from an async function costs extra
  // microtask turns, on every call.
  verify(token: string): Promise<CognitoAuth> {
    const started = this.options.onEvent === undefined ? 0 : performance.now();
    let cached: CognitoAuth | Promise<CognitoAuth> | undefined;
    try {
      if (typeof token !== "string" || token.length === 0) throw new AuthError("malformed_token", { realm: this.realm });
      if (token.length > this.options.maxTokenLength) throw new AuthError("token_too_large", { realm: this.realm });
      cached = this.fromCache(token, started);
    } catch (err) {
      return Promise.reject(this.rejected(err, started));
    }
    if (cached !== undefined) return cached instanceof Promise ? cached : Promise.resolve(cached);
    try {
      return Promise.resolve(this.verifyUncached(token, started));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  authenticate(
    authorization: string | string[] | undefined,
    optional = false,
    headers?: HeaderSource | undefined,
  ): CognitoAuth | undefined | Promise<CognitoAuth | undefined> {
    const started = this.options.onEvent === undefined ? 0 : performance.now();
    if (this.alb !== undefined) return this.authenticateAlb(this.alb, headers, optional, started);
    try {
      const credentials = readBearerCredentials(authorization, this.realm);
      if (credentials === undefined) {
        if (optional) return undefined;
        throw new AuthError("missing_credentials", { realm: this.realm });
      }
      if (credentials.length > this.options.maxTokenLength) throw new AuthError("token_too_large", { realm: this.realm });
      const cached = this.fromCache(credentials, started);
      if (cached !== undefined) return cached;
      // Only a token seen for the first time needs its characters checked.
      assertBearerTokenSyntax(credentials, this.realm);
      return this.verifyUncached(credentials, started);
    } catch (err) {
      return Promise.reject(this.rejected(err, started));
    }
  }

  /** Behind an ALB: the access token of x-amzn-oidc-accesstoken, vouched for by x-amzn-oidc-data. */
  private authenticateAlb(alb: AlbDataCheck, headers: HeaderSource | undefined, optional: boolean, started: number): CognitoAuth | undefined | Promise<CognitoAuth | undefined> {
    try {
      const token = readHeader(headers, ALB_ACCESS_TOKEN_HEADER, this.realm);
      if (token === undefined) {
        if (optional) return undefined;
        throw new AuthError("missing_credentials", { realm: this.realm });
      }
      if (token.length > this.options.maxTokenLength) throw new AuthError("token_too_large", { realm: this.realm });
      const data = readHeader(headers, ALB_DATA_HEADER, this.realm);
      let auth = this.fromCache(token, started);
      if (auth === undefined) {
        assertBearerTokenSyntax(token, this.realm);
        auth = this.verifyUncached(token, started);
      }
      const vouched = (verified: CognitoAuth) => {
        const checked = alb.check(verified, data, this.realm);
        return checked instanceof Promise ? checked.catch((err: unknown) => Promise.reject(this.rejected(err, started))) : checked;
      };
      if (auth instanceof Promise) return auth.then(vouched);
      return vouched(auth);
    } catch (err) {
      return Promise.reject(this.rejected(err, started));
    }
  }

  warmup(): Promise<void> {
    return this.jwks.fetchAll();
  }

  explain(token: string): Promise<ExplainReport> {
    return explainToken(
      {
        options: this.options,
        verify: (candidate) => this.verify(candidate),
        cachedKey: (jwksUri, kid) => this.jwks.cachedKey(jwksUri, kid),
        cachedKids: (jwksUri) => this.jwks.cachedKids(jwksUri),
      },
      token,
    );
  }

  close(): void {
    this.jwks.close();
    this.cache?.clear();
  }

  stats(): VerifierStats {
    const limits = this.options.cache;
    return {
      cache: this.cache && limits ? { size: this.cache.size, bytes: this.cache.bytes, ...limits } : undefined,
      jwks: this.jwks.status(),
    };
  }

  /** The cached answer for a byte-identical token, re-checked; undefined on a miss. Throws synchronously on failure. */
  private fromCache(token: string, started: number): CognitoAuth | Promise<CognitoAuth> | undefined {
    const entry = this.cache?.get(token);
    if (entry === undefined) return undefined;
    if (Date.now() / 1000 >= entry.usableUntil) {
      // Expired: forget it and let full verification give the precise answer.
      this.cache!.delete(token);
      return undefined;
    }
    // Report a failing hit here: verify() returns it without a catch of its own.
    try {
      const accepted = this.accept(entry.auth, entry.policy, started, true);
      if (!(accepted instanceof Promise)) return accepted;
      return accepted.catch((err: unknown) => Promise.reject(this.rejected(err, started)));
    } catch (err) {
      throw this.rejected(err, started);
    }
  }

  /**
   * Full verification. Synchronous when the signing key is cached, which is
   * the usual case: aws-jwt-verify's verifySync does the same checks as its
   * verify() without a promise per step. Only a key that is not cached (cold
   * start, rotation, a forged kid) takes the asynchronous path, where the JWKS
   * policy decides whether to fetch; so does every miss on the web build. Throws (or rejects with) reported AuthErrors.
   */
  private verifyUncached(token: string, started: number): CognitoAuth | Promise<CognitoAuth> {
    // Web Crypto has no synchronous verify: there every miss takes the asynchronous path.
    if (!runtime.syncSignatures) return this.verifyAsync(token, started);
    let payload: JwtPayload;
    try {
      payload = this.jwtVerifier.verifySync(token);
    } catch (err) {
      // NotSupportedError: aws-jwt-verify's web build (the `browser` condition) under a Node
      // bundle of ours; it cannot check synchronously, and that is no fault of the token's.
      if (err instanceof KidNotFoundInJwksError || err instanceof NotSupportedError) return this.verifyAsync(token, started);
      throw this.rejected(err, started);
    }
    let admitted: CognitoAuth | Promise<CognitoAuth>;
    try {
      admitted = this.admit(token, payload, started);
    } catch (err) {
      throw this.rejected(err, started);
    }
    if (!(admitted instanceof Promise)) return admitted;
    return admitted.catch((err: unknown) => Promise.reject(this.rejected(err, started)));
  }

  /** aws-jwt-verify's asynchronous verify: the JWKS policy may fetch, and Web Crypto checks the signature. */
  private async verifyAsync(token: string, started: number): Promise<CognitoAuth> {
    try {
      return await this.admit(token, await this.jwtVerifier.verify(token), started);
    } catch (err) {
      throw this.rejected(err, started);
    }
  }

  /** A verified payload: the auth object, the checks of every request, then the cache. */
  private admit(token: string, payload: JwtPayload, started: number): CognitoAuth | Promise<CognitoAuth> {
    const { policy, kid } = this.verifiedWith.get(payload)!;
    const auth = createAuth(token, payload as CognitoAccessTokenClaims, this.realm);
    rememberResourceMetadata(auth, this.resourceMetadata?.url);
    const accepted = this.accept(auth, policy, started, false);
    if (accepted instanceof Promise) return accepted.then(() => this.remember(token, auth, policy, kid));
    return this.remember(token, auth, policy, kid);
  }

  /** Only a token that passed every check is remembered. */
  private remember(token: string, auth: CognitoAuth, policy: IssuerPolicy, kid: string): CognitoAuth {
    const usableUntil = auth.claims.exp + policy.graceSeconds;
    this.cache?.set(token, { auth, usableUntil, policy, kid, bytes: VerifiedTokenCache.estimateBytes(token) });
    return auth;
  }

  /**
   * Checks that apply to every request, cached or not: the revocation list, requirements, then the isRevoked hook.
   * A list that must catch up first (its catchUp() returns a promise) is checked once that settles.
   */
  private accept(auth: CognitoAuth, policy: IssuerPolicy, started: number, cached: boolean): CognitoAuth | Promise<CognitoAuth> {
    const revocations = this.options.revocations;
    if (revocations !== undefined) {
      const catchingUp = revocations.catchUp?.();
      if (catchingUp !== undefined) {
        return Promise.resolve(catchingUp).then(
          () => this.acceptListed(auth, policy, started, cached),
          (cause: unknown) => {
            throw new AuthError("revocation_check_failed", { realm: this.realm, cause });
          },
        );
      }
    }
    return this.acceptListed(auth, policy, started, cached);
  }

  private acceptListed(auth: CognitoAuth, policy: IssuerPolicy, started: number, cached: boolean): CognitoAuth | Promise<CognitoAuth> {
    const revocations = this.options.revocations;
    if (revocations !== undefined) {
      const verdict = revocations.check(auth.claims);
      if (verdict !== undefined) throw new AuthError(verdict === "unavailable" ? "revocation_check_failed" : verdict, { realm: this.realm });
    }
    assertRequirements(auth, policy.scopes, policy.groups, this.realm);
    const isRevoked = this.options.isRevoked;
    if (isRevoked !== undefined) {
      let verdict: boolean | Promise<boolean>;
      try {
        verdict = isRevoked(auth);
      } catch (cause) {
        throw new AuthError("revocation_check_failed", { realm: this.realm, cause });
      }
      if (verdict instanceof Promise || (typeof verdict === "object" && verdict !== null)) {
        return Promise.resolve(verdict).then(
          (revoked) => this.afterRevocationCheck(revoked, auth, started, cached),
          (cause: unknown) => {
            throw new AuthError("revocation_check_failed", { realm: this.realm, cause });
          },
        );
      }
      return this.afterRevocationCheck(verdict, auth, started, cached);
    }
    if (this.options.onEvent !== undefined) this.emitVerified(auth, started, cached);
    return auth;
  }

  private afterRevocationCheck(revoked: unknown, auth: CognitoAuth, started: number, cached: boolean): CognitoAuth {
    if (revoked) throw new AuthError("revoked", { realm: this.realm });
    if (this.options.onEvent !== undefined) this.emitVerified(auth, started, cached);
    return auth;
  }

  private emitVerified(auth: CognitoAuth, started: number, cached: boolean): void {
    emit(this.options.onEvent, {
      type: "verified",
      cached,
      durationMs: performance.now() - started,
      sub: auth.sub,
      clientId: auth.clientId,
      issuer: auth.issuer,
    });
  }

  /** Map, report once, and return the error to throw. */
  private rejected(err: unknown, started: number): AuthError {
    const error = withResourceMetadata(toAuthError(err, this.realm), this.resourceMetadata?.url);
    if (this.options.onEvent !== undefined && !reported.has(error)) {
      reported.add(error);
      emit(this.options.onEvent, {
        type: "rejected",
        reason: error.reason,
        status: error.status,
        code: error.code,
        durationMs: performance.now() - started,
      });
    }
    return error;
  }
}

/** Errors already reported: a failure travels through several layers but is one event. */
const reported = new WeakSet<AuthError>();
