// The public surface of @cognito-bearer/core.
export { createVerifier, isVerifier } from "./verifier.js";
export type { Verifier, VerifierStats } from "./verifier.js";
export type { VerifierOptions, JwksOptions, TokenCacheOptions, SignatureAlgorithm } from "./options.js";
export { OptionsError, DEFAULTS } from "./options.js";
export type { CognitoAuth, CognitoAccessTokenClaims } from "./auth.js";
export { AuthError, isAuthError, toAuthError, errorResponse, DEFAULT_REALM, RETRY_AFTER_SECONDS } from "./errors.js";
export type { AuthErrorCode, AuthErrorBody, AuthErrorResponse, RejectReason } from "./errors.js";
export { extractBearerToken } from "./bearer.js";
export { formatBearerChallenge } from "./challenge.js";
export { requireScopes, requireGroups } from "./requirements.js";
export type { Requirement, AuthCheck } from "./requirements.js";
export type { VerifyEvent, VerifiedEvent, RejectedEvent, JwksFetchEvent } from "./events.js";
export type { JwksStatus } from "./jwks.js";
export { isCorsPreflight } from "./cors.js";
// For adapter authors: the pieces our Express, Koa and node:http adapters share.
export { resolveAdapterInput, booleanOption } from "./adapter-options.js";
export type { AdapterInput } from "./adapter-options.js";
export { resolveMiddlewareOptions, type ResolvedMiddlewareOptions } from "./middleware-options.js";
export { passageMark, passagesOf, requirementRefusal, missingPassageError, type Passage, type PassageMark } from "./passage.js";
