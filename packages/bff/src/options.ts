// The token handler's options, their defaults, and validation that fails when
// the handler is created.
import { createVerifier, isVerifier, OptionsError, type RevocationList, type Verifier, type VerifierOptions } from "@cognito-bearer/core";
import { assertKnownKeys, isRevocationList } from "@cognito-bearer/core/adapter";
import { createMemorySessionStore } from "./memory-session-store.js";
import type { SessionStore } from "./session-store.js";

/** Your Cognito app client and its hosted domain. */
export interface CognitoClientOptions {
  /** The user pool domain (managed login), e.g. `https://myapp.auth.eu-west-1.amazoncognito.com`. */
  domain: string;
  clientId: string;
  /** The app client's secret (a confidential client), sent by HTTP Basic. */
  clientSecret?: string;
  /** This handler's callback URL as registered on the app client, e.g. `https://app.example.com/auth/callback`. */
  redirectUri: string;
  /** Scopes to ask for. Default ["openid", "email", "profile"]. */
  scopes?: string[];
  /** Where Cognito's /logout sends the browser back to (a registered sign-out URL). Default: the redirect URI's origin + "/". */
  logoutUri?: string;
}

export type TokenHandlerEvent =
  | { type: "signed_in"; sub: string }
  | { type: "refreshed"; sub: string; rotated: boolean; durationMs: number }
  | { type: "session_expired"; sub: string | undefined; reason: string }
  | { type: "signed_out"; sub: string; cognitoRevoked: boolean }
  | { type: "cognito_unavailable"; operation: "callback" | "refresh" | "revoke"; detail: string }
  | { type: "configuration_error"; operation: "callback" | "refresh" | "revoke"; detail: string }
  | { type: "store_unavailable"; detail: string }
  | { type: "refused"; reason: "csrf_header" | "origin" | "state" | "token" };

export interface TokenHandlerOptions {
  cognito: CognitoClientOptions;
  /** Verifies the access tokens Cognito returns: a Verifier, or its options (userPoolId, clientId, …). */
  verifier: Verifier | VerifierOptions;
  /** Where sign-out revokes the session's access tokens (the API's list), so they stop working at once. */
  revocations?: RevocationList;
  /** Sessions and sign-in transactions. Default: in memory (one instance); `createRedisSessionStore()` for several. */
  sessions?: SessionStore;
  /** Where the handler is mounted. Default "/auth". */
  basePath?: string;
  /** Origins allowed to POST (the SPA's). Default: the redirect URI's origin. */
  allowedOrigins?: string[];
  /** The custom header every POST must carry. Default { name: "x-csrf", value: "1" }. */
  csrfHeader?: { name: string; value: string };
  /** An access token expiring within this margin is refreshed before it is handed out. Default 60. */
  refreshMarginSeconds?: number;
  /** How long a session lives: your app client's refresh-token lifetime. Default 30 days. */
  sessionLifetimeSeconds?: number;
  /** How long a sign-in may take between /login and /callback. Default 600. */
  transactionLifetimeSeconds?: number;
  /** Deadline of each call to Cognito. Default 5000. */
  timeoutMs?: number;
  /** Lease of the refresh lock: a holder that dies frees it after this long. Default 10000. */
  lockLeaseMs?: number;
  /** Cookie settings. `secure: false` only for plain-http development: the cookies then lose their `__Host-` prefix. */
  cookies?: { secure?: boolean };
  /** Outcomes and faults, for logs and metrics; never a token. Default: configuration errors are written as process warnings. */
  onEvent?: (event: TokenHandlerEvent) => void;
}

export interface ResolvedTokenHandlerOptions {
  cognito: Required<Omit<CognitoClientOptions, "clientSecret">> & { clientSecret: string | undefined; tokenUrl: string; revokeUrl: string; authorizeUrl: string; logoutUrl: string };
  verifier: Verifier;
  ownsVerifier: boolean;
  revocations: RevocationList | undefined;
  sessions: SessionStore;
  basePath: string;
  allowedOrigins: ReadonlySet<string>;
  csrfHeader: { name: string; value: string };
  refreshMarginMs: number;
  sessionLifetimeMs: number;
  transactionLifetimeMs: number;
  timeoutMs: number;
  lockLeaseMs: number;
  cookieNames: { session: string; transaction: string };
  secureCookies: boolean;
  onEvent: (event: TokenHandlerEvent) => void;
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
  "transactionLifetimeSeconds",
  "timeoutMs",
  "lockLeaseMs",
  "cookies",
  "onEvent",
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
  const prefix = secureCookies ? "__Host-" : "";

  return {
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
    sessions: options.sessions ?? createMemorySessionStore(),
    basePath,
    allowedOrigins: new Set(allowedOrigins.map((allowed) => new URL(allowed).origin)),
    csrfHeader: { name: csrfHeader.name.toLowerCase(), value: csrfHeader.value },
    refreshMarginMs: seconds("refreshMarginSeconds", options.refreshMarginSeconds, 60, true) * 1000,
    sessionLifetimeMs: seconds("sessionLifetimeSeconds", options.sessionLifetimeSeconds, 30 * 86_400) * 1000,
    transactionLifetimeMs: seconds("transactionLifetimeSeconds", options.transactionLifetimeSeconds, 600) * 1000,
    timeoutMs: seconds("timeoutMs", options.timeoutMs, 5000),
    lockLeaseMs: seconds("lockLeaseMs", options.lockLeaseMs, 10_000),
    cookieNames: { session: `${prefix}cb-session`, transaction: `${prefix}cb-signin` },
    secureCookies,
    onEvent: options.onEvent ?? defaultOnEvent,
  };
}

/** Without a listener, what an operator must see: a configuration error, once per kind. */
const warned = new Set<string>();
function defaultOnEvent(event: TokenHandlerEvent): void {
  if (event.type !== "configuration_error" || warned.has(event.detail)) return;
  warned.add(event.detail);
  process.emitWarning(`cognito-bearer: Cognito refused our app client (${event.operation}: ${event.detail}): check cognito.clientId, clientSecret and the app client's settings`, {
    code: "COGNITO_BEARER_BFF_CONFIGURATION",
  });
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
