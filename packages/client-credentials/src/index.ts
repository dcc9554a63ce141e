export { createClientCredentials } from "./token-source.js";
export type { ClientCredentialsSource, ClientCredentialsStats } from "./token-source.js";
export { clientCredentialsFetch } from "./fetch.js";
export type { FetchLike } from "./fetch.js";
export type { ClientCredentialsOptions, RetryOptions, SharedCacheOptions } from "./options.js";
export { DEFAULTS } from "./options.js";
export { ClientCredentialsError, OptionsError } from "./errors.js";
export type { ClientCredentialsErrorCode, OAuthErrorCode } from "./errors.js";
export type { RedisCommandClient } from "./shared-cache.js";
