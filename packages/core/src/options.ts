// Option types, their documented defaults, and validation that fails at
// createVerifier() with a message naming the option, never at the first request.
import type { CognitoAuth } from "./auth.js";
import { isRevocationList, type RevocationList } from "./revocation/list.js";
import { DEFAULT_REALM } from "./errors.js";
import type { VerifyEvent } from "./events.js";
import { REGION, standardIssuerForms, type IssuerForm } from "./issuer-forms.js";
import { OptionsError } from "./option-error.js";
import { assertKnownKeys } from "./option-keys.js";
import { normalizeRequirement, type AnyOrAll, type Requirement } from "./requirements.js";
import { runtime } from "#runtime";
import { resolveAlbOptions, type AlbOptions, type ResolvedAlbOptions } from "./alb.js";
import { resolveResourceMetadata, type ResourceMetadata, type ResourceMetadataOptions } from "./resource-metadata.js";

/** Signature algorithms aws-jwt-verify can check. Cognito signs with RS256. */
export type SignatureAlgorithm = "RS256" | "RS384" | "RS512" | "ES256" | "ES384" | "ES512" | "EdDSA";
const SIGNATURE_ALGORITHMS: readonly SignatureAlgorithm[] = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "EdDSA"];

/** How the pool's JWKS is fetched and kept. */
export interface JwksOptions {
  /** Keys are refetched in the background after this age, so withdrawn keys stop verifying. Default 300 (5 min). */
  maxAgeSeconds?: number | undefined;
  /** A JWKS fetch (connect to last byte) is abandoned after this long. Default 3000. */
  timeoutMs?: number | undefined;
  /** A token with an unknown `kid` triggers at most one refetch per window of this length. Default 10. */
  cooldownSeconds?: number | undefined;
  /** A larger JWKS response is refused. Default 131072 (128 KiB; Cognito's is about 1 KiB). */
  maxResponseBytes?: number | undefined;
}

/** Bounds of the verified-token cache. */
export interface TokenCacheOptions {
  /** Default 10000. */
  maxEntries?: number | undefined;
  /** An estimate of the memory held (tokens and claims). Default 16 MiB. */
  maxBytes?: number | undefined;
}

export interface VerifierOptions {
  /** The user pool id, e.g. `eu-west-1_AbCdEf123`. Free-form when `issuer` is overridden. */
  userPoolId: string;
  /** The app client id(s) whose access tokens are accepted. */
  clientId: string | readonly string[];
  /** Override the issuer (emulators, tests). Default: Cognito's issuer for the pool, in both formats. */
  issuer?: string | undefined;
  /**
   * Cognito's issuers never end in "/", so an `issuer` that does is refused as
   * a typo (every token would fail "issuer is not accepted"). Set this when
   * your (non-Cognito) issuer really ends in "/". Default false.
   */
  issuerEndsWithSlash?: boolean | undefined;
  /**
   * Override the JWKS location. Default `${issuer}/.well-known/jwks.json`, for
   * each of the pool's issuers (tried in order, see issuer-forms). A function
   * maps each issuer to its JWKS URL (a proxy, a VPC endpoint, tests).
   */
  jwksUri?: string | ((issuer: string) => string) | undefined;
  /**
   * Regions the pool is replicated to (Cognito multi-Region replication):
   * tokens issued by those Regions' endpoints are accepted, and their JWKS
   * serve when the nearest Region's does not. Standard pools only.
   */
  replicaRegions?: readonly string[] | undefined;
  /**
   * Resource binding (RFC 8707): the token's `aud` must name one of these
   * (401 `invalid_token`, reason `audience`, when it is absent or different).
   * Cognito sets `aud` on access tokens to the resource the client asked for
   * (managed login, Essentials and Plus tiers). Default: `aud` is not read, as
   * Cognito's other access tokens have none.
   */
  audience?: string | readonly string[] | undefined;
  /** Scopes every token must carry. A string or array means all of them; `{ anyOf }` one of them. */
  scopes?: Requirement | undefined;
  /** Groups every user must be in. A string or array means any one of them; `{ allOf }` all of them. */
  groups?: Requirement | undefined;
  /** Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds. Default 0. */
  graceSeconds?: number | undefined;
  /** Accepted signature algorithms. Default `["RS256"]` (what Cognito uses). */
  algorithms?: readonly SignatureAlgorithm[] | undefined;
  /** Verified-token cache: on by default; `false` turns it off. Shared by all pools of one verifier. */
  cache?: boolean | TokenCacheOptions | undefined;
  /** JWKS policy. */
  jwks?: JwksOptions | undefined;
  /** Longer tokens are refused before any decoding. Default 16384 characters. Shared by all pools. */
  maxTokenLength?: number | undefined;
  /** `realm` of the WWW-Authenticate challenge. Default "api". Shared by all pools. */
  realm?: string | undefined;
  /**
   * Checked on every request, cached token or not: return true to refuse the
   * token (401). A throw or rejection answers 503, never 401. Shared by all pools.
   */
  isRevoked?: ((auth: CognitoAuth) => boolean | Promise<boolean>) | undefined;
  /**
   * A revocation list (`createMemoryRevocationList()`, or
   * `createRedisRevocationList()` of @cognito-bearer/redis), consulted on
   * every request, cached token or not, without I/O: a revoked token gets 401,
   * a shared list out of touch beyond its bound 503. Shared by all pools; the
   * verifier does not close it.
   */
  revocations?: RevocationList | undefined;
  /** Receives an event per verification outcome and JWKS fetch (never the token). Shared by all pools. */
  onEvent?: ((event: VerifyEvent) => void) | undefined;
  /**
   * Protected Resource Metadata (RFC 9728): every adapter serves the document
   * at `/.well-known/oauth-protected-resource` (plus the resource's path), and
   * every challenge carries `resource_metadata="<its URL>"`. Shared by all pools.
   */
  resourceMetadata?: ResourceMetadataOptions | undefined;
  /**
   * Behind an AWS ALB with Cognito authentication: read the access token from
   * `x-amzn-oidc-accesstoken` (Authorization is then ignored) and require the
   * ALB's `x-amzn-oidc-data` to verify, signed by one of `albArn`, for the same
   * user. Shared by all pools. See the README's "Behind an ALB".
   */
  alb?: AlbOptions | undefined;
}

/** aws-jwt-verify's (private) pattern for real pool ids: `<region>_<id>`, including GovCloud and EU sovereign regions. */
const COGNITO_USER_POOL_ID = /^(?:eusc-[a-z]{2}|[a-z]{2})-(?:gov-)?[a-z]+-\d_[a-zA-Z0-9]+$/;

export const DEFAULTS = {
  graceSeconds: 0,
  algorithms: ["RS256"] as readonly SignatureAlgorithm[],
  maxTokenLength: 16384,
  realm: DEFAULT_REALM,
  jwks: { maxAgeSeconds: 300, timeoutMs: 3000, cooldownSeconds: 10, maxResponseBytes: 128 * 1024 },
  cache: { maxEntries: 10_000, maxBytes: 16 * 1024 * 1024 },
} as const;

export type ResolvedJwksOptions = Required<JwksOptions>;
export type ResolvedCacheOptions = Required<TokenCacheOptions>;

/** One accepted issuer: what its tokens are checked against. */
export interface IssuerPolicy extends IssuerForm {
  userPoolId: string;
  /** The pool's key set: shared by every issuer of one pool. */
  jwksUri: string;
  /** Where that key set can be fetched, in the order to try. */
  jwksCandidates: readonly string[];
  clientIds: ReadonlySet<string>;
  /** With `audience`: the accepted values of `aud`. */
  audiences: ReadonlySet<string> | undefined;
  scopes: AnyOrAll | undefined;
  groups: AnyOrAll | undefined;
  graceSeconds: number;
  jwks: ResolvedJwksOptions;
}

export interface ResolvedOptions {
  issuers: IssuerPolicy[];
  algorithms: ReadonlySet<string>;
  cache: ResolvedCacheOptions | false;
  maxTokenLength: number;
  realm: string;
  isRevoked: VerifierOptions["isRevoked"];
  revocations: RevocationList | undefined;
  onEvent: VerifierOptions["onEvent"];
  resourceMetadata: ResourceMetadata | undefined;
  alb: ResolvedAlbOptions | undefined;
}

/** Options that apply to the whole verifier, not to one pool. */
const SHARED_KEYS = ["cache", "maxTokenLength", "realm", "isRevoked", "revocations", "onEvent", "algorithms", "resourceMetadata", "alb"] as const;

export { OptionsError };

/** Every key of VerifierOptions: any other key is refused (see option-keys.ts). */
export const VERIFIER_OPTION_KEYS = [
  "userPoolId",
  "clientId",
  "issuer",
  "issuerEndsWithSlash",
  "jwksUri",
  "replicaRegions",
  "audience",
  "scopes",
  "groups",
  "graceSeconds",
  "algorithms",
  "cache",
  "jwks",
  "maxTokenLength",
  "realm",
  "isRevoked",
  "revocations",
  "onEvent",
  "resourceMetadata",
  "alb",
] as const satisfies readonly (keyof VerifierOptions)[];
const JWKS_OPTION_KEYS = ["maxAgeSeconds", "timeoutMs", "cooldownSeconds", "maxResponseBytes"] as const satisfies readonly (keyof JwksOptions)[];
const CACHE_OPTION_KEYS = ["maxEntries", "maxBytes"] as const satisfies readonly (keyof TokenCacheOptions)[];

export function resolveOptions(input: VerifierOptions | readonly VerifierOptions[]): ResolvedOptions {
  const list = Array.isArray(input) ? (input as readonly VerifierOptions[]) : [input as VerifierOptions];
  if (list.length === 0) throw new OptionsError("createVerifier() needs at least one user pool configuration");
  list.forEach((options, index) => {
    if (options === null || typeof options !== "object") throw new OptionsError(`options${at(list, index)} must be an object`);
    assertKnownKeys(options, VERIFIER_OPTION_KEYS, Array.isArray(input) ? `[${index}].` : "", (key) => adapterOptionHint(key, Array.isArray(input)));
  });
  const first = list[0];
  for (let index = 1; index < list.length; index++) {
    for (const key of SHARED_KEYS) {
      if (list[index][key] !== undefined && list[index][key] !== first[key]) {
        throw new OptionsError(`${key} applies to the whole verifier: set it on the first configuration only (found on entry ${index})`);
      }
    }
  }
  const perPool = list.map((options, index) => resolveIssuers(options, at(list, index)));
  const issuers = perPool.flat();
  const seen = new Set<string>();
  for (const policy of issuers) {
    if (seen.has(policy.issuer)) throw new OptionsError(`issuer ${policy.issuer} is configured more than once`);
    seen.add(policy.issuer);
  }
  return {
    issuers,
    algorithms: new Set(resolveAlgorithms(first.algorithms)),
    cache: resolveCache(first.cache),
    maxTokenLength: positiveInteger("maxTokenLength", first.maxTokenLength, DEFAULTS.maxTokenLength),
    realm: resolveRealm(first.realm),
    isRevoked: optionalFunction("isRevoked", first.isRevoked),
    revocations: resolveRevocations(first.revocations),
    onEvent: optionalFunction("onEvent", first.onEvent),
    // One authorization server per pool: its first issuer form (Cognito's classic one for a standard pool).
    resourceMetadata: resolveResourceMetadata(first.resourceMetadata, perPool.map((policies) => policies[0].issuer)),
    alb: resolveAlbOptions(first.alb),
  };
}

function at(list: readonly unknown[], index: number): string {
  return list.length > 1 ? `[${index}]` : "";
}

/** A standard pool accepts both of Cognito's issuer formats; an override accepts exactly one issuer. */
function resolveIssuers(options: VerifierOptions, where: string): IssuerPolicy[] {
  const { userPoolId, issuer, jwksUri } = options;
  if (typeof userPoolId !== "string" || userPoolId.trim() === "") {
    throw new OptionsError(`userPoolId${where} is required (e.g. "eu-west-1_AbCdEf123")`);
  }
  const shared = {
    userPoolId,
    clientIds: resolveClientIds(options.clientId, where),
    audiences: resolveAudiences(options.audience, where),
    scopes: requirementOption(options.scopes, "allOf", `scopes${where}`),
    groups: requirementOption(options.groups, "anyOf", `groups${where}`),
    graceSeconds: nonNegativeNumber(`graceSeconds${where}`, options.graceSeconds, DEFAULTS.graceSeconds),
    jwks: resolveJwks(options.jwks, where),
  };
  if (jwksUri !== undefined && typeof jwksUri !== "string" && typeof jwksUri !== "function") {
    throw new OptionsError(`jwksUri${where} must be a URL, or a function from an issuer to its JWKS URL`);
  }
  const jwksOf = (forIssuer: string): string => {
    const uri = typeof jwksUri === "function" ? jwksUri(forIssuer) : (jwksUri ?? `${forIssuer.replace(/\/+$/, "")}/.well-known/jwks.json`);
    checkUrl(`jwksUri${where}`, uri, isCognitoHost(forIssuer));
    return uri;
  };
  if (issuer === undefined) {
    if (!COGNITO_USER_POOL_ID.test(userPoolId)) {
      throw new OptionsError(
        `userPoolId${where} "${userPoolId}" is not a Cognito user pool id (<region>_<id>, e.g. "eu-west-1_AbCdEf123"); set issuer to use an emulator`,
      );
    }
    const replicaRegions = resolveReplicaRegions(options.replicaRegions, userPoolId, where);
    const forms = standardIssuerForms(userPoolId, replicaRegions, runtime.environment("AWS_REGION") ?? runtime.environment("AWS_DEFAULT_REGION"));
    // One key set for the pool, fetched from the first of its issuers' JWKS that serves it.
    const candidates = [...new Set(forms.map((form) => jwksOf(form.issuer)))];
    return forms.map((form) => ({ ...shared, ...form, jwksUri: candidates[0], jwksCandidates: candidates }));
  }
  if (options.replicaRegions !== undefined) throw new OptionsError(`replicaRegions${where} applies to a standard pool: it cannot be combined with an issuer override`);
  checkUrl(`issuer${where}`, issuer);
  if (issuer.endsWith("/") && !booleanOption(`issuerEndsWithSlash${where}`, options.issuerEndsWithSlash)) {
    throw new OptionsError(
      `issuer${where} "${issuer}" ends with "/": a token's iss must match exactly, and Cognito's issuers have no trailing slash. ` +
        `Remove it, or set issuerEndsWithSlash: true if your issuer really ends in "/"`,
    );
  }
  const resolvedJwksUri = jwksOf(issuer);
  return [{ ...shared, issuer, form: "override", region: undefined, jwksUri: resolvedJwksUri, jwksCandidates: [resolvedJwksUri] }];
}

function resolveReplicaRegions(value: unknown, userPoolId: string, where: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((region) => typeof region !== "string" || !REGION.test(region))) {
    throw new OptionsError(`replicaRegions${where} must be an array of AWS Regions, e.g. ["us-west-2"]`);
  }
  const home = userPoolId.slice(0, userPoolId.indexOf("_"));
  if (value.includes(home)) throw new OptionsError(`replicaRegions${where} lists ${home}, the pool's own Region: list only the Regions it is replicated to`);
  return value;
}

function resolveClientIds(clientId: unknown, where: string): ReadonlySet<string> {
  const ids = typeof clientId === "string" ? [clientId] : clientId;
  if (!Array.isArray(ids) || ids.length === 0 || ids.some((id) => typeof id !== "string" || id.trim() === "")) {
    throw new OptionsError(`clientId${where} is required: the app client id, or a non-empty array of them`);
  }
  return new Set(ids as string[]);
}

function resolveAudiences(audience: unknown, where: string): ReadonlySet<string> | undefined {
  if (audience === undefined) return undefined;
  const values = typeof audience === "string" ? [audience] : audience;
  if (!Array.isArray(values) || values.length === 0 || values.some((value) => typeof value !== "string" || value.trim() === "")) {
    throw new OptionsError(`audience${where} must be a resource identifier (e.g. "https://api.example.com"), or a non-empty array of them`);
  }
  return new Set(values as string[]);
}

function isCognitoHost(issuer: string): boolean {
  return new URL(issuer).hostname.endsWith(".amazonaws.com");
}

function checkUrl(name: string, value: unknown, httpsOnly = false): void {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new OptionsError(`${name} must be an absolute http(s) URL, got "${String(value)}"`);
  }
  // Plain http is only reachable here through an explicit override (emulators, tests).
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new OptionsError(`${name} must be an http(s) URL, got "${String(value)}"`);
  }
  if (httpsOnly && url.protocol !== "https:") {
    throw new OptionsError(`${name} must use https for a real Cognito issuer, got "${String(value)}"`);
  }
}

function resolveJwks(jwks: JwksOptions | undefined, where: string): ResolvedJwksOptions {
  if (jwks !== undefined && (jwks === null || typeof jwks !== "object")) throw new OptionsError(`jwks${where} must be an object`);
  if (jwks !== undefined) assertKnownKeys(jwks, JWKS_OPTION_KEYS, `jwks${where}.`);
  const d = DEFAULTS.jwks;
  return {
    maxAgeSeconds: positiveNumber(`jwks${where}.maxAgeSeconds`, jwks?.maxAgeSeconds, d.maxAgeSeconds),
    timeoutMs: positiveNumber(`jwks${where}.timeoutMs`, jwks?.timeoutMs, d.timeoutMs),
    cooldownSeconds: nonNegativeNumber(`jwks${where}.cooldownSeconds`, jwks?.cooldownSeconds, d.cooldownSeconds),
    maxResponseBytes: positiveInteger(`jwks${where}.maxResponseBytes`, jwks?.maxResponseBytes, d.maxResponseBytes),
  };
}

function resolveCache(cache: VerifierOptions["cache"]): ResolvedCacheOptions | false {
  if (cache === false) return false;
  if (cache === undefined || cache === true) return { ...DEFAULTS.cache };
  if (cache === null || typeof cache !== "object") throw new OptionsError("cache must be true, false or { maxEntries, maxBytes }");
  assertKnownKeys(cache, CACHE_OPTION_KEYS, "cache.");
  return {
    maxEntries: positiveInteger("cache.maxEntries", cache.maxEntries, DEFAULTS.cache.maxEntries),
    maxBytes: positiveInteger("cache.maxBytes", cache.maxBytes, DEFAULTS.cache.maxBytes),
  };
}

function resolveAlgorithms(algorithms: unknown): readonly SignatureAlgorithm[] {
  if (algorithms === undefined) return DEFAULTS.algorithms;
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw new OptionsError(`algorithms must be a non-empty array of ${SIGNATURE_ALGORITHMS.join(", ")}`);
  }
  for (const alg of algorithms) {
    if (!SIGNATURE_ALGORITHMS.includes(alg)) {
      throw new OptionsError(`algorithms: "${String(alg)}" is not supported (use ${SIGNATURE_ALGORITHMS.join(", ")})`);
    }
  }
  return algorithms;
}

function resolveRealm(realm: unknown): string {
  if (realm === undefined) return DEFAULTS.realm;
  if (typeof realm !== "string" || !/^[\x20-\x7e]+$/.test(realm) || /["\\]/.test(realm)) {
    throw new OptionsError("realm must be a non-empty printable ASCII string without quotes or backslashes");
  }
  return realm;
}

/** normalizeRequirement's TypeError (also thrown by requireScopes/requireGroups) as an OptionsError, like every other option. */
function requirementOption(value: Requirement | undefined, shorthand: AnyOrAll["mode"], name: string): AnyOrAll | undefined {
  try {
    return normalizeRequirement(value, shorthand, name);
  } catch (err) {
    throw new OptionsError((err as Error).message.replace(/^cognito-bearer: /, ""));
  }
}

/**
 * Keys that the adapters take (cognitoAuth, withCognitoAuth), found inside one
 * pool's entry of an array, where they would otherwise be ignored.
 */
const ADAPTER_OPTION_KEYS = ["optional", "passErrors", "allowPreflight", "onError"];
function adapterOptionHint(key: string, inArray: boolean): string | undefined {
  if (!ADAPTER_OPTION_KEYS.includes(key)) return undefined;
  return inArray
    ? `"${key}" is an option of the middleware, not of one user pool: with several pools, pass it as the second argument, e.g. cognitoAuth([pool1, pool2], { ${key}: ... })`
    : `"${key}" is an option of the middleware (cognitoAuth, withCognitoAuth), not of createVerifier()`;
}

function booleanOption(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") throw new OptionsError(`${name} must be a boolean`);
  return value;
}

function resolveRevocations(value: unknown): RevocationList | undefined {
  if (value === undefined) return undefined;
  if (!isRevocationList(value)) {
    throw new OptionsError("revocations must be a revocation list (createMemoryRevocationList(), or createRedisRevocationList() of @cognito-bearer/redis)");
  }
  return value;
}

function optionalFunction<T>(name: string, value: T): T {
  if (value !== undefined && typeof value !== "function") throw new OptionsError(`${name} must be a function`);
  return value;
}

function positiveNumber(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new OptionsError(`${name} must be a positive number`);
  return value;
}

function nonNegativeNumber(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) throw new OptionsError(`${name} must be a number >= 0`);
  return value;
}

function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) throw new OptionsError(`${name} must be a positive integer`);
  return value;
}
