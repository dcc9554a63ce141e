// The public surface of @cognito-bearer/core.
export { createVerifier, isVerifier } from "./verifier.js";
export type { Verifier, VerifierStats } from "./verifier.js";
export type { AlbOptions, HeaderSource } from "./alb.js";
export type { VerifierOptions, JwksOptions, TokenCacheOptions, SignatureAlgorithm } from "./options.js";
export { OptionsError, DEFAULTS } from "./options.js";
export type { CognitoAuth, CognitoUserAuth, CognitoClientAuth, CallerKind, CognitoAccessTokenClaims } from "./auth.js";
export { AuthError, isAuthError, toAuthError, errorResponse, DEFAULT_REALM, RETRY_AFTER_SECONDS, REJECT_REASONS } from "./errors.js";
export type { AuthErrorCode, AuthErrorBody, AuthErrorResponse, RejectReason, ReasonSpec } from "./errors.js";
export type { ExplainReport, ExplainCheck, ExplainCheckName } from "./explain.js";
export { extractBearerToken } from "./bearer.js";
export type { ResourceMetadata, ResourceMetadataOptions } from "./resource-metadata.js";
export type { MultiTenantOptions } from "./multi-tenant.js";
export { MULTI_TENANT_DEFAULTS } from "./multi-tenant.js";
export { formatBearerChallenge } from "./challenge.js";
export { requireScopes, requireGroups, requireUser, requireClient, requireAuthLevel, ACR_VALUE, MAX_ACR_VALUES } from "./requirements.js";
export type { Requirement, AuthCheck, AuthLevel } from "./requirements.js";
export type { VerifyEvent, VerifiedEvent, RejectedEvent, JwksFetchEvent } from "./events.js";
export type { JwksStatus } from "./jwks.js";
export { createMemoryRevocationList } from "./revocation/memory.js";
export type { RevocationList, RevocationListOptions, RevocationStats, RevocationVerdict, RevokeUserOptions } from "./revocation/list.js";
// Adapter authors: the kit the adapters share is at "@cognito-bearer/core/adapter".
export { isCorsPreflight } from "./adapter/cors.js";
