// @cognito-bearer/core/adapter: the kit our Express, Koa and node:http adapters
// share, for adapter authors. Applications need only the main entry.
export { resolveAdapterInput, booleanOption, type AdapterInput } from "./input.js";
export { resolveMiddlewareOptions, type ResolvedMiddlewareOptions } from "./middleware-options.js";
export { passageMark, passagesOf, requirementRefusal, missingPassageError, type Passage, type PassageMark } from "./passage.js";
export { isCorsPreflight, preflightRefusal } from "./cors.js";
// For packages that back a shared revocation list (@cognito-bearer/redis): the
// local mirror every check reads, and the entries the revoke methods make.
export { RevocationEntries, entryFor, resolveRevocationOptions, REVOCATION_DEFAULTS } from "../revocation/entries.js";
export type { RevocationEntry, ResolvedRevocationOptions } from "../revocation/entries.js";
export { isRevocationList } from "../revocation/list.js";
// Refusing unknown option keys, with the key probably meant: for every package's options.
export { assertKnownKeys, closestKey } from "../option-keys.js";
// Authenticated encryption with associated data, for the token handler and its session stores.
export { createSealer, type Sealer } from "./seal.js";
// Protected Resource Metadata (RFC 9728): the answer to GET /.well-known/oauth-protected-resource, decided in core.
export { resourceMetadataAnswer } from "./resource-metadata.js";
export type { ResourceMetadataResponse } from "../resource-metadata.js";
