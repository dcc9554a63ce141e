// @cognito-bearer/redis: a revocation list shared by every instance through Redis.
export { createRedisRevocationList, RevocationUnavailableError } from "./revocation-list.js";
export type { RedisRevocationList, RedisRevocationListOptions, RedisRevocationEvent, RedisClientLike } from "./revocation-list.js";
export { createRedisSessionStore } from "./session-store.js";
export type { RedisSessionStoreOptions } from "./session-store.js";
export type { RedisConnectionOptions, RedisClusterConnectionOptions, RedisClusterClientLike, RedisTlsOptions } from "./connection.js";
