// One error model for every way a request can fail authentication, and the
// deliberate mapping from aws-jwt-verify's error classes onto it.
//
// Every AuthError carries what an HTTP framework needs to answer unchanged:
// `status`, `headers` (WWW-Authenticate, Retry-After) and a JSON `body`, plus
// `expose` so Koa and Express error handlers show the safe message. Messages
// are fixed strings chosen here: aws-jwt-verify's own messages quote token
// content (kid, claims), which must never reach a response or a log.
import {
  CognitoJwtInvalidClientIdError,
  CognitoJwtInvalidGroupError,
  CognitoJwtInvalidTokenUseError,
  FetchError,
  JwkInvalidKtyError,
  JwkInvalidUseError,
  JwksNotAvailableInCacheError,
  JwksValidationError,
  JwkValidationError,
  JwtExpiredError,
  JwtInvalidAudienceError,
  JwtInvalidClaimError,
  JwtInvalidIssuerError,
  JwtInvalidScopeError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
  NotSupportedError,
  ParameterValidationError,
  WaitPeriodNotYetEndedJwkError,
} from "aws-jwt-verify/error";
import { formatBearerChallenge } from "./challenge.js";

/**
 * RFC 6750 §3.1 error codes, RFC 9470's `insufficient_user_authentication`
 * (step-up), plus `temporarily_unavailable` for server-side faults; `null`
 * when no credentials were sent.
 */
export type AuthErrorCode = "invalid_request" | "invalid_token" | "insufficient_scope" | "insufficient_user_authentication" | "temporarily_unavailable";

/** Why a request was refused: stable identifiers for logs and metrics. */
export type RejectReason =
  | "missing_credentials"
  | "malformed_credentials"
  | "token_too_large"
  | "malformed_token"
  | "unsupported_header"
  | "algorithm_not_allowed"
  | "unknown_key"
  | "invalid_signature"
  | "expired"
  | "not_yet_valid"
  | "issued_in_future"
  | "issuer_not_accepted"
  | "client_not_accepted"
  | "audience"
  | "wrong_token_use"
  | "invalid_claims"
  | "revoked"
  | "not_revocable"
  | "insufficient_scope"
  | "insufficient_group"
  | "user_required"
  | "client_required"
  | "insufficient_user_authentication"
  | "jwks_unavailable"
  | "revocation_check_failed"
  | "issuer_resolution_failed"
  | "alb_data_invalid"
  | "alb_signer"
  | "alb_mismatch"
  | "alb_keys_unavailable";

/** The default realm of the `WWW-Authenticate` challenge. */
export const DEFAULT_REALM = "api";

/** Seconds a client is asked to wait after a 503, sent as `Retry-After`. */
export const RETRY_AFTER_SECONDS = 5;

export interface ReasonSpec {
  status: 400 | 401 | 403 | 503;
  code: AuthErrorCode | null;
  description: string;
}

const REASONS: Record<RejectReason, ReasonSpec> = {
  missing_credentials: { status: 401, code: null, description: "A Bearer access token is required" },
  malformed_credentials: { status: 400, code: "invalid_request", description: "Malformed Bearer credentials" },
  token_too_large: { status: 401, code: "invalid_token", description: "The access token is too large" },
  malformed_token: { status: 401, code: "invalid_token", description: "The access token is malformed" },
  unsupported_header: { status: 401, code: "invalid_token", description: "The access token header is not accepted" },
  algorithm_not_allowed: { status: 401, code: "invalid_token", description: "The access token signature algorithm is not accepted" },
  unknown_key: { status: 401, code: "invalid_token", description: "The access token is signed by an unknown key" },
  invalid_signature: { status: 401, code: "invalid_token", description: "The access token signature is invalid" },
  expired: { status: 401, code: "invalid_token", description: "The access token has expired" },
  not_yet_valid: { status: 401, code: "invalid_token", description: "The access token is not valid yet" },
  issued_in_future: { status: 401, code: "invalid_token", description: "The access token is issued in the future" },
  issuer_not_accepted: { status: 401, code: "invalid_token", description: "The access token issuer is not accepted" },
  client_not_accepted: { status: 401, code: "invalid_token", description: "The access token client is not accepted" },
  audience: { status: 401, code: "invalid_token", description: "The access token is not issued for this resource (audience)" },
  wrong_token_use: { status: 401, code: "invalid_token", description: "The token is not an access token" },
  invalid_claims: { status: 401, code: "invalid_token", description: "The access token claims are invalid" },
  revoked: { status: 401, code: "invalid_token", description: "The access token has been revoked" },
  not_revocable: { status: 401, code: "invalid_token", description: "The access token cannot be checked for revocation (no origin_jti)" },
  insufficient_scope: { status: 403, code: "insufficient_scope", description: "The access token lacks a required scope" },
  insufficient_group: { status: 403, code: "insufficient_scope", description: "The user is not in a required group" },
  // A valid token of the wrong kind of caller: a new token of the same caller
  // would not help, so not 401 (a client would refresh or sign out); 403, with
  // RFC 6750's code for "a token that does not allow this request".
  user_required: { status: 403, code: "insufficient_scope", description: "The request needs a user's access token, not a machine client's" },
  client_required: { status: 403, code: "insufficient_scope", description: "The request needs the access token of an allowed machine client" },
  insufficient_user_authentication: {
    status: 401,
    code: "insufficient_user_authentication",
    description: "A stronger or more recent authentication is required",
  },
  jwks_unavailable: { status: 503, code: "temporarily_unavailable", description: "The token signing keys are temporarily unavailable" },
  revocation_check_failed: { status: 503, code: "temporarily_unavailable", description: "The token revocation check is temporarily unavailable" },
  // Many tenants (resolveIssuer): the resolver threw, timed out or described an invalid pool.
  issuer_resolution_failed: { status: 503, code: "temporarily_unavailable", description: "The token issuer cannot be resolved at the moment" },
  // Behind an ALB (the alb option): x-amzn-oidc-data, the ALB's own signed JWT.
  alb_data_invalid: { status: 401, code: "invalid_token", description: "The ALB data header is missing or invalid" },
  alb_signer: { status: 401, code: "invalid_token", description: "The ALB data header is not signed by an accepted load balancer" },
  alb_mismatch: { status: 401, code: "invalid_token", description: "The ALB data header does not match the access token" },
  alb_keys_unavailable: { status: 503, code: "temporarily_unavailable", description: "The load balancer's signing keys are temporarily unavailable" },
};

/**
 * Every RejectReason with its HTTP status, RFC 6750 code and description: a
 * stable list (reasons are only ever added), fit for metric labels.
 */
export const REJECT_REASONS: Readonly<Record<RejectReason, Readonly<ReasonSpec>>> = Object.freeze(
  Object.fromEntries(Object.entries(REASONS).map(([reason, spec]) => [reason, Object.freeze({ ...spec })])) as Record<RejectReason, ReasonSpec>,
);

export interface AuthErrorBody {
  error: string;
  error_description: string;
}

export interface AuthErrorOptions {
  /** A more precise safe description (never token content). */
  description?: string | undefined;
  realm?: string | undefined;
  /** For insufficient_scope: the scopes needed, sent as the challenge's `scope` attribute. */
  scope?: string | undefined;
  /** For insufficient_user_authentication (RFC 9470): the acceptable `acr` values, space-separated. */
  acrValues?: string | undefined;
  /** For insufficient_user_authentication (RFC 9470): the greatest acceptable age of the sign-in, in seconds. */
  maxAge?: number | undefined;
  /** RFC 9728 §5.1: the URL of the protected resource metadata, sent as the challenge's `resource_metadata`. */
  resourceMetadata?: string | undefined;
  cause?: unknown | undefined;
}

const AUTH_ERROR_BRAND = Symbol.for("cognito-bearer.auth-error");
/** The options an AuthError was made with, to remake it with a challenge parameter added. */
const MADE_WITH = new WeakMap<AuthError, AuthErrorOptions>();

/** A refused request, with everything needed to answer it per RFC 6750 and CONTRACT.md. */
export class AuthError extends Error {
  readonly [AUTH_ERROR_BRAND] = true;
  override readonly name = "AuthError";
  readonly status: 400 | 401 | 403 | 503;
  readonly code: AuthErrorCode | null;
  readonly reason: RejectReason;
  /** Response headers: `WWW-Authenticate` (not on 503) and `Retry-After` (503 only). */
  readonly headers: Readonly<Record<string, string>>;
  /** The JSON response body. */
  readonly body: AuthErrorBody;
  /** The message is safe to show to clients (Koa and http-errors convention). */
  readonly expose = true;

  constructor(reason: RejectReason, options: AuthErrorOptions = {}) {
    const spec = REASONS[reason];
    const description = options.description ?? spec.description;
    super(description, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    this.status = spec.status;
    this.code = spec.code;
    this.body = { error: spec.code ?? "unauthorized", error_description: description };
    this.headers = challengeHeaders(spec, description, options);
    MADE_WITH.set(this, options);
  }

  /** `JSON.stringify(err)` gives the response body. */
  toJSON(): AuthErrorBody {
    return this.body;
  }

  /**
   * `err instanceof AuthError` by the brand, not the prototype chain: an app
   * can load both the ESM and the CommonJS build (the dual-package hazard),
   * and an error thrown by one must still be an AuthError to the other. A
   * subclass keeps the ordinary prototype check.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== AuthError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[AUTH_ERROR_BRAND] === true;
  }
}

function challengeHeaders(spec: ReasonSpec, description: string, options: AuthErrorOptions): Record<string, string> {
  if (spec.status === 503) return { "Retry-After": String(RETRY_AFTER_SECONDS) };
  const realm = options.realm ?? DEFAULT_REALM;
  if (spec.code === null) return { "WWW-Authenticate": formatBearerChallenge({ realm, resourceMetadata: options.resourceMetadata }) };
  return {
    "WWW-Authenticate": formatBearerChallenge({
      realm,
      error: spec.code,
      errorDescription: description,
      scope: options.scope,
      acrValues: options.acrValues,
      maxAge: options.maxAge,
      resourceMetadata: options.resourceMetadata,
    }),
  };
}

/**
 * True for an AuthError, also one made by another copy of this package (an app
 * can load both the ESM and the CommonJS build); `instanceof AuthError` says
 * the same, through the same brand.
 */
export function isAuthError(err: unknown): err is AuthError {
  return err instanceof AuthError;
}

/**
 * The same refusal with `resource_metadata="<url>"` in its challenge (RFC 9728
 * §5.1); the error itself when there is no URL, no challenge (503), or the
 * challenge already has one.
 */
export function withResourceMetadata(err: AuthError, url: string | undefined): AuthError {
  if (url === undefined || err.status === 503) return err;
  const options = MADE_WITH.get(err);
  if (options === undefined || options.resourceMetadata !== undefined) return err;
  return new AuthError(err.reason, { ...options, resourceMetadata: url });
}

/**
 * Map anything thrown while verifying a token onto an AuthError. The order
 * matters: subclasses are tested before their parents.
 */
export function toAuthError(err: unknown, realm?: string): AuthError {
  if (isAuthError(err)) return err;
  const reason = reasonFor(err);
  // Only a server-side fault keeps its cause, for the operator's logs. For a refused
  // token the cause is aws-jwt-verify's error, whose message quotes attacker-chosen
  // token content (iss, kid, JSON snippets) that must not reach a log line.
  return new AuthError(reason, { realm, cause: REASONS[reason].status === 503 ? err : undefined });
}

function reasonFor(err: unknown): RejectReason {
  // The signing key could not be obtained: a server-side fault, never a 401.
  if (err instanceof FetchError || err instanceof JwksValidationError || err instanceof JwksNotAvailableInCacheError) {
    return "jwks_unavailable";
  }
  // The JWK published for this kid is unusable (wrong kty/use, missing fields): the issuer's fault.
  if (err instanceof JwkInvalidKtyError || err instanceof JwkInvalidUseError || err instanceof JwkValidationError) {
    return "jwks_unavailable";
  }
  if (err instanceof JwtParseError) return "malformed_token";
  if (err instanceof JwtWithoutValidKidError || err instanceof KidNotFoundInJwksError) return "unknown_key";
  if (err instanceof WaitPeriodNotYetEndedJwkError) return "unknown_key";
  if (err instanceof JwtInvalidSignatureAlgorithmError || err instanceof NotSupportedError) return "algorithm_not_allowed";
  if (err instanceof JwtInvalidSignatureError) return "invalid_signature";
  if (err instanceof JwtExpiredError) return "expired";
  if (err instanceof JwtNotBeforeError) return "not_yet_valid";
  if (err instanceof JwtInvalidIssuerError) return "issuer_not_accepted";
  if (err instanceof JwtInvalidAudienceError || err instanceof CognitoJwtInvalidClientIdError) return "client_not_accepted";
  if (err instanceof CognitoJwtInvalidTokenUseError) return "wrong_token_use";
  if (err instanceof JwtInvalidScopeError) return "insufficient_scope";
  if (err instanceof CognitoJwtInvalidGroupError) return "insufficient_group";
  if (err instanceof JwtInvalidClaimError) return "invalid_claims";
  // At verify time aws-jwt-verify throws this for a token whose `iss` is not configured.
  if (err instanceof ParameterValidationError) return "issuer_not_accepted";
  // Anything else was raised while parsing or checking attacker-controlled input
  // (key material is validated when the JWKS is fetched), so it is the token's fault.
  return "malformed_token";
}

/** An HTTP answer for an AuthError, identical whichever adapter writes it. */
export interface AuthErrorResponse {
  status: number;
  headers: Record<string, string>;
  /** The serialized JSON body. */
  body: string;
}

export function errorResponse(err: AuthError): AuthErrorResponse {
  return {
    status: err.status,
    headers: { ...err.headers, "Content-Type": "application/json; charset=utf-8" },
    body: JSON.stringify(err.body),
  };
}
