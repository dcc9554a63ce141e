// The token handler's options, their defaults, and validation that fails when
// the handler is created.
import { createVerifier, isVerifier, OptionsError, type RevocationList, type Verifier, type VerifierOptions } from "@cognito-bearer/core";
import { assertKnownKeys, createSealer, isRevocationList, type Sealer } from "@cognito-bearer/core/adapter";
import { randomBytes } from "node:crypto";
import { SECURE_PREFIX } from "./cookies.js";
import { createMemorySessionStore, isMemorySessionStore } from "./memory-session-store.js";
import { safeReturnTo } from "./return-to.js";
import { resolveProxyOptions, type ProxyOptions, type ResolvedProxyOptions } from "./proxy/options.js";
import type { SessionStore } from "./session-store.js";

/** Your Cognito app client and its hosted domain. */
export interface CognitoClientOptions {
  /** The user pool domain (managed login), e.g. `https://myapp.auth.eu-west-1.amazoncognito.com`. */
  domain: string;
  clientId: string;
  /** The app client's secret (a confidential client), sent by HTTP Basic. */
  clientSecret?: string | undefined;
  /** This handler's callback URL as registered on the app client, e.g. `https://app.example.com/auth/callback`. */
  redirectUri: string;
  /** Scopes to ask for. Default ["openid", "email", "profile"]. */
  scopes?: string[] | undefined;
  /** Where Cognito's /logout sends the browser back to (a registered sign-out URL). Default: the redirect URI's origin + "/". */
  logoutUri?: string | undefined;
}

export type TokenHandlerEvent =
  | { type: "signed_in"; sub: string }
  | { type: "refreshed"; sub: string; rotated: boolean; durationMs: number }
  | { type: "session_expired"; sub: string | undefined; reason: string }
  | { type: "signed_out"; sub: string; cognitoRevoked: boolean; apiRevoked: boolean }
  /** Cognito sent the browser back with an error (`error` is Cognito's code, e.g. invalid_scope, access_denied). */
  | { type: "sign_in_failed"; error: string }
  | { type: "cognito_unavailable"; operation: "callback" | "refresh" | "revoke"; detail: string }
  | { type: "configuration_error"; operation: "callback" | "refresh" | "revoke"; detail: string }
  /** The session store (Redis) or the revocation list failed. */
  | { type: "store_unavailable"; detail: string }
  /** The verifier could not check a token from Cognito (JWKS unreachable, revocation list out of touch). */
  | { type: "verifier_unavailable"; operation: "callback" | "refresh"; detail: string }
  | { type: "refused"; reason: "csrf_header" | "origin" | "state" | "token" | "proxy_target" }
  /** Proxy mode: an upstream API was unreachable, timed out or broke its answer (`upstream` is its prefix). */
  | { type: "upstream_unavailable"; upstream: string; detail: string };

export interface TokenHandlerOptions {
  cognito: CognitoClientOptions;
  /** Verifies the access tokens Cognito returns: a Verifier, or its options (userPoolId, clientId, …). */
  verifier: Verifier | VerifierOptions;
  /** Where sign-out revokes the session's access tokens (the API's list), so they stop working at once. */
  revocations?: RevocationList | undefined;
  /** Sessions. Default: in memory (one instance); `createRedisSessionStore()` for several. */
  sessions?: SessionStore | undefined;
  /**
   * Seals the sign-in transaction cookie (AES-256-GCM): at least 32 characters,
   * or several (the first seals, every one opens, for rotation). Required with
   * a shared session store (every instance must open what another sealed; the
   * Redis store's secret will do); with the default in-memory store, a random
   * one per process.
   */
  secret?: string | readonly string[] | undefined;
  /** Where the handler is mounted. Default "/auth". */
  basePath?: string | undefined;
  /** Origins allowed to POST (the SPA's). Default: the redirect URI's origin. */
  allowedOrigins?: string[] | undefined;
  /** The custom header every POST must carry. Default { name: "x-csrf", value: "1" }. */
  csrfHeader?: { name: string; value: string } | undefined;
  /** An access token expiring within this margin is refreshed before it is handed out. Default 60. */
  refreshMarginSeconds?: number | undefined;
  /**
   * How long a session lives at most: your app client's refresh-token lifetime.
   * Counted from sign-in; refreshes (rotation included) never extend it. Default 30 days.
   */
  sessionLifetimeSeconds?: number | undefined;
  /** A session not used (no POST /token) for this long ends. Default 28800 (8 hours). */
  idleTimeoutSeconds?: number | undefined;
  /**
   * Where a failed sign-in sends the browser: a path on the app's origin, given
   * `?error=<code>` (Cognito's code, e.g. access_denied, or invalid_state). Default: a small page with a link to sign in again.
   */
  errorPath?: string | undefined;
  /** How long a sign-in may take between /login and /callback. Default 600. */
  transactionLifetimeSeconds?: number | undefined;
  /** Deadline of each call to Cognito. Default 5000. */
  timeoutMs?: number | undefined;
  /**
   * The fetch for Cognito's token and revoke endpoints (code exchange, refresh, sign-out), e.g.
   * `telemetry.tracedFetch()` from @cognito-bearer/otel for a span per call. Not used for proxy mode's
   * upstreams. Default: the global fetch, looked up at each call.
   */
  fetch?: typeof fetch | undefined;
  /**
   * Lease of the refresh lock: a holder that dies frees it after this long. The
   * holder renews it while it works, and it may not be shorter than one
   * refresh's worst case (store, Cognito, JWKS, store, store). Default: that worst case, at least 15000.
   */
  lockLeaseMs?: number | undefined;
  /** Cookie settings. `secure: false` only for plain-http development: the cookies then lose their `__Host-` prefix. */
  cookies?: { secure?: boolean | undefined } | undefined;
  /** Outcomes and faults, for logs and metrics; never a token. Default: configuration errors are written as process warnings. */
  onEvent?: ((event: TokenHandlerEvent) => void) | undefined;
  /**
   * Proxy mode (the full BFF): path prefixes on this origin and the upstream APIs they are forwarded to, with the
   * session's access token attached here, e.g. `{ "/api": "https://api.internal" }`. An allowlist: no other
   * upstream is reachable. See the README's "Proxy mode".
   */
  upstreams?: Record<string, string> | undefined;
  /** How proxy mode forwards (timeout, trusted X-Forwarded-*, allowed cookies, replayable body size). */
  proxy?: ProxyOptions | undefined;
  /** Serve POST /token (the access token to the SPA). Default true, and false when `upstreams` is set. */
  exposeAccessToken?: boolean | undefined;
}

export interface ResolvedTokenHandlerOptions {
  cognito: Required<Omit<CognitoClientOptions, "clientSecret">> & { clientSecret: string | undefined; tokenUrl: string; revokeUrl: string; authorizeUrl: string; logoutUrl: string };
  verifier: Verifier;
  ownsVerifier: boolean;
  revocations: RevocationList | undefined;
  sessions: SessionStore;
  basePath: string;
  /** The app's origin: the redirect URI's. Sign-in returns only there. */
  appOrigin: string;
  allowedOrigins: ReadonlySet<string>;
  csrfHeader: { name: string; value: string };
  refreshMarginMs: number;
  sessionLifetimeMs: number;
  idleTimeoutMs: number;
  transactionLifetimeMs: number;
  timeoutMs: number;
  /** undefined: the global fetch at each call (so a fetch patched after start-up is the one used). */
  fetch: typeof fetch | undefined;
  lockLeaseMs: number;
  errorPath: string | undefined;
  sealer: Sealer;
  /** The session cookie's name, and the prefix of the sign-in cookies' names. */
  cookieNames: { session: string; transaction: string };
  secureCookies: boolean;
  onEvent: (event: TokenHandlerEvent) => void;
  /** Proxy mode's settings; undefined without `upstreams`. */
  proxy: ResolvedProxyOptions | undefined;
  exposeAccessToken: boolean;
}

const KEYS = [
  "cognito",
  "verifier",
  "revocations",
  "sessions",
  "basePath",
  "allowedOrigins",
  "csrfHeader",
  "refreshMarginSeconds",
  "sessionLifetimeSeconds",
  "idleTimeoutSeconds",
  "transactionLifetimeSeconds",
  "secret",
  "errorPath",
  "timeoutMs",
  "fetch",
  "lockLeaseMs",
  "cookies",
  "onEvent",
  "upstreams",
  "proxy",
  "exposeAccessToken",
];
const COGNITO_KEYS = ["domain", "clientId", "clientSecret", "redirectUri", "scopes", "logoutUri"];

export function resolveTokenHandlerOptions(options: TokenHandlerOptions): ResolvedTokenHandlerOptions {
  if (options === null || typeof options !== "object") throw new OptionsError("createTokenHandler() needs an options object");
  assertKnownKeys(options, KEYS, "");
  const cognito = options.cognito;
  if (cognito === null || typeof cognito !== "object") throw new OptionsError("cognito is required: { domain, clientId, redirectUri }");
  assertKnownKeys(cognito, COGNITO_KEYS, "cognito.");
  const domain = url("cognito.domain", cognito.domain).replace(/\/+$/, "");
  const redirectUri = url("cognito.redirectUri", cognito.redirectUri);
  if (typeof cognito.clientId !== "string" || cognito.clientId === "") throw new OptionsError("cognito.clientId is required");
  if (cognito.clientSecret !== undefined && (typeof cognito.clientSecret !== "string" || cognito.clientSecret === "")) {
    throw new OptionsError("cognito.clientSecret must be a non-empty string");
  }
  const scopes = cognito.scopes ?? ["openid", "email", "profile"];
  if (!Array.isArray(scopes) || scopes.some((scope) => typeof scope !== "string" || /\s/.test(scope))) throw new OptionsError("cognito.scopes must be an array of scope names");
  if (!scopes.includes("openid")) throw new OptionsError('cognito.scopes must include "openid" (the ID token carries the nonce)');
  const origin = new URL(redirectUri).origin;
  const logoutUri = cognito.logoutUri === undefined ? `${origin}/` : url("cognito.logoutUri", cognito.logoutUri);

  const verifier = isVerifier(options.verifier) ? options.verifier : createVerifier(options.verifier as VerifierOptions);
  if (options.revocations !== undefined && !isRevocationList(options.revocations)) throw new OptionsError("revocations must be a revocation list");
  const basePath = options.basePath ?? "/auth";
  if (typeof basePath !== "string" || !/^(\/[A-Za-z0-9._~-]+)+$/.test(basePath)) throw new OptionsError('basePath must be a path such as "/auth", without a trailing slash');
  const allowedOrigins = options.allowedOrigins ?? [origin];
  if (!Array.isArray(allowedOrigins) || allowedOrigins.length === 0) throw new OptionsError("allowedOrigins must be a non-empty array of origins");
  for (const allowed of allowedOrigins) {
    if (url("allowedOrigins", allowed) !== new URL(allowed).origin) throw new OptionsError(`allowedOrigins: "${allowed}" is not an origin (scheme://host[:port], no path)`);
  }
  const csrfHeader = options.csrfHeader ?? { name: "x-csrf", value: "1" };
  if (typeof csrfHeader?.name !== "string" || !/^[A-Za-z0-9-]+$/.test(csrfHeader.name) || typeof csrfHeader.value !== "string" || csrfHeader.value === "") {
    throw new OptionsError("csrfHeader must be { name, value }, a header name and a non-empty value");
  }
  const secureCookies = options.cookies?.secure ?? true;
  if (typeof secureCookies !== "boolean") throw new OptionsError("cookies.secure must be a boolean");
  if (options.onEvent !== undefined && typeof options.onEvent !== "function") throw new OptionsError("onEvent must be a function");
  if (options.fetch !== undefined && typeof options.fetch !== "function") throw new OptionsError("fetch must be a function");
  const prefix = secureCookies ? SECURE_PREFIX : "";
  const sessions = options.sessions ?? createMemorySessionStore();
  const sealer = createSealer(secrets(options.secret, isMemorySessionStore(sessions)), "bff sign-in transaction");
  const errorPath = options.errorPath === undefined ? undefined : safeReturnTo(options.errorPath);
  if (options.errorPath !== undefined && (errorPath === undefined || errorPath.includes("?") || errorPath.includes("#"))) {
    throw new OptionsError(`errorPath must be a path on the app's origin without query or fragment, such as "/signin-failed"`);
  }
  const timeoutMs = seconds("timeoutMs", options.timeoutMs, 5000);
  const worstCaseMs = refreshWorstCaseMs(timeoutMs, sessions.commandTimeoutMs ?? 2000, jwksTimeoutMs(options.verifier));
  const lockLeaseMs = seconds("lockLeaseMs", options.lockLeaseMs, Math.max(15_000, worstCaseMs));
  if (lockLeaseMs < worstCaseMs) {
    throw new OptionsError(
      `lockLeaseMs (${lockLeaseMs}) is shorter than one refresh's worst case (${worstCaseMs} ms: the store's command timeout three times, Cognito's timeoutMs, the JWKS timeout): a second request could refresh with a used refresh token`,
    );
  }

  const cookieNames = { session: `${prefix}cb-session`, transaction: `${prefix}cb-signin-` };
  const proxyMode = resolveProxyOptions(options.upstreams, options.proxy, options.exposeAccessToken, basePath, (name) => name === cookieNames.session || name.startsWith(cookieNames.transaction));

  return {
    ...proxyMode,
    cognito: {
      domain,
      clientId: cognito.clientId,
      clientSecret: cognito.clientSecret,
      redirectUri,
      scopes,
      logoutUri,
      authorizeUrl: `${domain}/oauth2/authorize`,
      tokenUrl: `${domain}/oauth2/token`,
      revokeUrl: `${domain}/oauth2/revoke`,
      logoutUrl: `${domain}/logout`,
    },
    verifier,
    ownsVerifier: !isVerifier(options.verifier),
    revocations: options.revocations,
    sessions,
    basePath,
    appOrigin: origin,
    allowedOrigins: new Set(allowedOrigins.map((allowed) => new URL(allowed).origin)),
    csrfHeader: { name: csrfHeader.name.toLowerCase(), value: csrfHeader.value },
    refreshMarginMs: seconds("refreshMarginSeconds", options.refreshMarginSeconds, 60, true) * 1000,
    sessionLifetimeMs: seconds("sessionLifetimeSeconds", options.sessionLifetimeSeconds, 30 * 86_400) * 1000,
    idleTimeoutMs: seconds("idleTimeoutSeconds", options.idleTimeoutSeconds, 8 * 3600) * 1000,
    transactionLifetimeMs: seconds("transactionLifetimeSeconds", options.transactionLifetimeSeconds, 600) * 1000,
    timeoutMs,
    fetch: options.fetch,
    lockLeaseMs,
    errorPath,
    sealer,
    cookieNames,
    secureCookies,
    onEvent: options.onEvent ?? defaultOnEvent,
  };
}

/** Without a listener, what an operator must see: configuration errors and failed sign-ins, once per kind. */
const warned = new Set<string>();
function defaultOnEvent(event: TokenHandlerEvent): void {
  if (event.type === "configuration_error") {
    warnOnce(
      `configuration:${event.detail}`,
      `cognito-bearer: Cognito refused our app client (${event.operation}: ${event.detail}): check cognito.clientId, clientSecret and the app client's settings`,
      "COGNITO_BEARER_BFF_CONFIGURATION",
    );
  } else if (event.type === "sign_in_failed") {
    warnOnce(
      `sign-in:${event.error}`,
      `cognito-bearer: a sign-in came back from Cognito with error=${event.error}${event.error === "invalid_scope" ? ": a requested scope (cognito.scopes) is not enabled on the app client" : ""}`,
      "COGNITO_BEARER_BFF_SIGN_IN_FAILED",
    );
  }
}

function warnOnce(key: string, message: string, code: string): void {
  // Bounded whatever arrives: the keys come from a fixed set of codes, and the set stops growing anyway.
  if (warned.has(key) || warned.size >= 100) return;
  warned.add(key);
  process.emitWarning(message, { code });
}

/** The transaction sealing keys: the given secret(s), or a random key for a store only this process uses. */
function secrets(secret: unknown, localStore: boolean): (string | Buffer)[] {
  if (secret === undefined) {
    if (localStore) return [randomBytes(32)];
    throw new OptionsError("secret is required with a shared session store: every instance must open the sign-in cookies another sealed (the session store's secret will do)");
  }
  const list = typeof secret === "string" ? [secret] : secret;
  if (!Array.isArray(list) || list.length === 0 || list.some((item) => typeof item !== "string" || item.length < 32)) {
    throw new OptionsError("secret must be a string of at least 32 characters (or a non-empty array of them)");
  }
  return list as string[];
}

/** The longest a refresh may hold its lock: read the session, call Cognito, save the rotated token, fetch the JWKS, save the session. */
function refreshWorstCaseMs(cognitoTimeoutMs: number, storeTimeoutMs: number, jwksTimeoutMs: number): number {
  return 3 * storeTimeoutMs + cognitoTimeoutMs + jwksTimeoutMs;
}

/** The verifier's JWKS timeout when we were given its options; core's default otherwise. */
function jwksTimeoutMs(verifier: Verifier | VerifierOptions | readonly VerifierOptions[]): number {
  if (isVerifier(verifier)) return 3000;
  const list = Array.isArray(verifier) ? verifier : [verifier];
  return Math.max(...list.map((item: VerifierOptions) => (typeof item?.jwks?.timeoutMs === "number" ? item.jwks.timeoutMs : 3000)));
}

function url(name: string, value: unknown): string {
  try {
    const parsed = new URL(String(value));
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw new Error();
    return String(value);
  } catch {
    throw new OptionsError(`${name} must be an absolute http(s) URL, got "${String(value)}"`);
  }
}

function seconds(name: string, value: unknown, fallback: number, zeroAllowed = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (!zeroAllowed && value === 0)) throw new OptionsError(`${name} must be a ${zeroAllowed ? "non-negative" : "positive"} number`);
  return value;
}
