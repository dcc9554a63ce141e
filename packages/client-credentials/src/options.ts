// What createClientCredentials() takes, its defaults, and validation that fails
// at creation: a typo'd key, an http domain or a missing secret is a startup
// error, not a token-less call at 3 a.m. Messages never echo the secret.
import { OptionsError } from "./errors.js";
import { assertKnownKeys } from "./option-keys.js";
import type { RedisCommandClient } from "./shared-cache.js";

export interface RetryOptions {
  /** Retries after the first request (5xx, 429, network errors, timeouts, malformed answers). Default 3. */
  retries?: number | undefined;
  /** First back-off (full jitter, doubling). Default 200. */
  baseDelayMs?: number | undefined;
  /** Longest back-off. Default 5000. */
  maxDelayMs?: number | undefined;
  /** A Retry-After longer than this is not waited for: the request fails at once. Default 30. */
  maxRetryAfterSeconds?: number | undefined;
}

export interface SharedCacheOptions {
  /** A connected node-redis (5 or 6) client, `createClient()`; only `sendCommand` is used. Left open. */
  redis: RedisCommandClient;
  /** Prefix of the keys (followed by a hash, never the client id's secret or a token). Default "cognito-bearer:m2m:". */
  keyPrefix?: string | undefined;
  /** How long one instance may hold the refresh lock before another may take it. Default 10000. */
  lockTimeoutMs?: number | undefined;
  /** Each Redis command gives up after this long (Redis is an optimisation: its failure means a direct request). Default 1000. */
  commandTimeoutMs?: number | undefined;
}

export interface ClientCredentialsOptions {
  /**
   * The user pool's domain: `my-pool.auth.eu-west-1.amazoncognito.com`, a
   * custom domain, or either as an `https://` URL. Tokens come from
   * `https://<domain>/oauth2/token`. Either this or `tokenEndpoint`.
   */
  domain?: string | undefined;
  /** The token endpoint's full URL instead of `domain`: for emulators and the test issuer (`http://` allowed only here). */
  tokenEndpoint?: string | undefined;
  /** The app client's id (a machine-to-machine app client). */
  clientId: string;
  /** The app client's secret: sent only to the token endpoint (HTTP Basic), never logged, never in an error or a key name. */
  clientSecret: string;
  /** Resource-server scopes, e.g. ["orders/read"]. Default: none named, so Cognito grants all the client's scopes. */
  scopes?: string[] | undefined;
  /**
   * Refresh this long before the token expires. Default: the larger of 60 s and
   * 10% of the token's lifetime, at most half of it.
   */
  refreshBeforeExpirySeconds?: number | undefined;
  /** Each token request gives up after this long. Default 5000. */
  timeoutMs?: number | undefined;
  retry?: RetryOptions | undefined;
  /** After a failed refresh (every retry spent) with no valid token, calls fail at once for this long rather than ask again. Default 5000. */
  failureCooldownMs?: number | undefined;
  /** Share the token with every instance through Redis: one token request per lifetime for the fleet. */
  sharedCache?: SharedCacheOptions | undefined;
  /** The fetch used for the token endpoint. Default: the global fetch. */
  fetch?: typeof fetch | undefined;
}

export interface ResolvedOptions {
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  scopes: string[];
  refreshBeforeExpirySeconds: number | undefined;
  timeoutMs: number;
  retry: Required<RetryOptions>;
  failureCooldownMs: number;
  sharedCache: Required<SharedCacheOptions> | undefined;
  fetch: typeof fetch;
}

export const DEFAULTS = {
  timeoutMs: 5000,
  retry: { retries: 3, baseDelayMs: 200, maxDelayMs: 5000, maxRetryAfterSeconds: 30 },
  failureCooldownMs: 5000,
  sharedCache: { keyPrefix: "cognito-bearer:m2m:", lockTimeoutMs: 10_000, commandTimeoutMs: 1000 },
} as const;

const KEYS = ["domain", "tokenEndpoint", "clientId", "clientSecret", "scopes", "refreshBeforeExpirySeconds", "timeoutMs", "retry", "failureCooldownMs", "sharedCache", "fetch"];
const RETRY_KEYS = ["retries", "baseDelayMs", "maxDelayMs", "maxRetryAfterSeconds"];
const SHARED_KEYS = ["redis", "keyPrefix", "lockTimeoutMs", "commandTimeoutMs"];
// A scope-token of RFC 6749 §3.3: printable ASCII but space, " and \.
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export function resolveOptions(options: ClientCredentialsOptions): ResolvedOptions {
  if (options === null || typeof options !== "object") throw new OptionsError("createClientCredentials() takes an options object");
  assertKnownKeys(options, KEYS, "");
  const { clientId, clientSecret } = options;
  if (typeof clientId !== "string" || clientId === "") throw new OptionsError("clientId is required (the app client's id)");
  if (typeof clientSecret !== "string" || clientSecret === "") {
    throw new OptionsError("clientSecret is required: Cognito grants client_credentials only to an app client with a secret");
  }
  const scopes = options.scopes ?? [];
  if (!Array.isArray(scopes) || scopes.some((scope) => typeof scope !== "string" || !SCOPE.test(scope))) {
    throw new OptionsError('scopes must be an array of scope names without spaces, e.g. ["orders/read"]');
  }
  const retry = { ...DEFAULTS.retry, ...objectOption(options.retry, "retry", RETRY_KEYS) };
  nonNegativeInteger("retry.retries", retry.retries);
  positive("retry.baseDelayMs", retry.baseDelayMs);
  positive("retry.maxDelayMs", retry.maxDelayMs);
  nonNegative("retry.maxRetryAfterSeconds", retry.maxRetryAfterSeconds);
  const timeoutMs = positive("timeoutMs", options.timeoutMs ?? DEFAULTS.timeoutMs);
  const failureCooldownMs = nonNegative("failureCooldownMs", options.failureCooldownMs ?? DEFAULTS.failureCooldownMs);
  const refreshBefore = options.refreshBeforeExpirySeconds;
  if (refreshBefore !== undefined) nonNegative("refreshBeforeExpirySeconds", refreshBefore);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== "function") throw new OptionsError("fetch must be a function (Node 20+ has a global fetch)");
  return {
    tokenEndpoint: tokenEndpointOf(options),
    clientId,
    clientSecret,
    scopes: [...new Set(scopes)],
    refreshBeforeExpirySeconds: refreshBefore,
    timeoutMs,
    retry,
    failureCooldownMs,
    sharedCache: sharedCacheOf(options.sharedCache),
    fetch: fetchImpl,
  };
}

function tokenEndpointOf({ domain, tokenEndpoint }: ClientCredentialsOptions): string {
  if ((domain === undefined) === (tokenEndpoint === undefined)) {
    throw new OptionsError("give either domain (the user pool's Cognito or custom domain) or tokenEndpoint (a full URL, for emulators and tests)");
  }
  if (tokenEndpoint !== undefined) {
    const url = parseUrl("tokenEndpoint", tokenEndpoint);
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new OptionsError(`tokenEndpoint must be an http(s) URL, got ${url.protocol}`);
    if (url.username || url.password) throw new OptionsError("tokenEndpoint must not carry credentials: the client secret goes in clientSecret");
    return url.toString();
  }
  if (typeof domain !== "string" || domain === "") throw new OptionsError("domain must be a non-empty string, e.g. my-pool.auth.eu-west-1.amazoncognito.com");
  const url = parseUrl("domain", /^[a-z][a-z0-9+.-]*:\/\//i.test(domain) ? domain : `https://${domain}`);
  // The secret travels in the request: only ever over TLS to a real domain.
  if (url.protocol !== "https:") throw new OptionsError(`domain must be https (the client secret is sent to it); for a local test issuer use tokenEndpoint`);
  if (url.username || url.password || url.search || url.hash || (url.pathname !== "/" && url.pathname !== "")) {
    throw new OptionsError(`domain must be a host name such as my-pool.auth.eu-west-1.amazoncognito.com, without a path, got ${JSON.stringify(domain)}`);
  }
  return `${url.origin}/oauth2/token`;
}

function sharedCacheOf(shared: SharedCacheOptions | undefined): Required<SharedCacheOptions> | undefined {
  if (shared === undefined) return undefined;
  const resolved = { ...DEFAULTS.sharedCache, ...objectOption(shared, "sharedCache", SHARED_KEYS) } as Required<SharedCacheOptions>;
  if (typeof (resolved.redis as { sendCommand?: unknown } | undefined)?.sendCommand !== "function") {
    throw new OptionsError("sharedCache.redis must be a node-redis client (createClient() of the redis package, connected)");
  }
  if (typeof resolved.keyPrefix !== "string") throw new OptionsError("sharedCache.keyPrefix must be a string");
  positive("sharedCache.lockTimeoutMs", resolved.lockTimeoutMs);
  positive("sharedCache.commandTimeoutMs", resolved.commandTimeoutMs);
  return resolved;
}

function objectOption<T extends object>(value: T | undefined, name: string, keys: string[]): Partial<T> {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object") throw new OptionsError(`${name} must be an object`);
  assertKnownKeys(value, keys, `${name}.`);
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function parseUrl(name: string, value: string): URL {
  try {
    return new URL(value);
  } catch {
    throw new OptionsError(`${name}: ${JSON.stringify(value)} is not a valid URL`);
  }
}

function positive(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new OptionsError(`${name} must be a positive number, got ${String(value)}`);
  return value;
}

function nonNegative(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) throw new OptionsError(`${name} must be a number from 0, got ${String(value)}`);
  return value;
}

function nonNegativeInteger(name: string, value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 0) throw new OptionsError(`${name} must be an integer from 0, got ${String(value)}`);
  return value as number;
}
