// @cognito-bearer/redis: a revocation list shared by every instance through Redis.
export { createRedisRevocationList, RevocationUnavailableError, UNAVAILABLE_WARNING_CODE, OUTBOX_WARNING_CODE } from "./revocation-list.js";
export type { RedisRevocationList, RedisRevocationListOptions, RedisRevocationEvent, RedisClientLike, ReadyOptions } from "./revocation-list.js";
export { createRedisSessionStore } from "./session-store.js";
export type { RedisSessionStoreOptions } from "./session-store.js";
export type { RedisConnectionOptions, RedisClusterConnectionOptions, RedisClusterClientLike, RedisTlsOptions } from "./connection.js";
export type { RedisCommandEvent, RedisServer } from "./command-events.js";
