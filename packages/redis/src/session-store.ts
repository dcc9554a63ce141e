// createRedisSessionStore: the token handler's sessions in Redis, shared by
// every instance, with the refresh lock and the writes fenced by it that make
// one refresh per session across instances.
//
// A session id is a bearer credential (it is the cookie), so it never reaches
// Redis: a session lives at `<prefix>{<SHA-256(id)>}:session` and its lock at
// `<prefix>{<SHA-256(id)>}:lock` (base64url; the braces make the hash the
// key's Redis Cluster hash tag, so both are in one slot), and no key name, error or reply
// holds the id. Whoever can list or dump keys (a read-only user, a replica, a
// backup, MONITOR) learns hashes, which act as nobody.
//
// Sessions hold refresh tokens, so they are encrypted at rest (AES-256-GCM,
// keyed from your secret by HKDF; older secrets still open records while you
// rotate), and each record is bound to its key name, its kind and its version
// field as associated data: a record copied under another session's key does
// not open there. A record that no key opens is "no session", never an error.
//
// Lifetime: create sets the key's expiry to min(expiresAt, idleUntil); replace
// never changes it; touch moves it (never past expiresAt) only when the key
// exists. Locks live their lease. Every call is one command (a Lua script where
// it must check and write at once) bounded by `commandTimeoutMs`.
import { createHash, randomBytes } from "node:crypto";
import type { SessionStore, StoredSession } from "@cognito-bearer/bff";
import { OptionsError } from "@cognito-bearer/core";
import { assertKnownKeys, createSealer } from "@cognito-bearer/core/adapter";
import { assertConnectionOptions, CONNECTION_KEYS, openConnection, type RedisConnectionOptions } from "./connection.js";
import { commandRunner, RedisUnreachableError, serverOf, type RedisCommandEvent } from "./command-events.js";
import type { RedisClientLike } from "./revocation-list.js";

/** `url`, `cluster: { rootNodes }` or your node-redis `client` (createClient() or createCluster(); left open by close()); `tls: { ca }` for rediss://. */
export interface RedisSessionStoreOptions extends RedisConnectionOptions {
  /**
   * The encryption secret (at least 32 characters), or several: the first
   * encrypts, every one decrypts, so a new secret can be put first while
   * sessions sealed with the old one are still read.
   */
  secret: string | readonly string[];
  /** Default "cognito-bearer:bff:". */
  keyPrefix?: string | undefined;
  /** A Redis command not answered by then rejects (a 503 at the token handler). Default 2000. */
  commandTimeoutMs?: number | undefined;
  /**
   * Told after each Redis command: which (EVAL, HMGET, …), for what (`session.get`, `session.lock`, …), how long,
   * and a class of failure; never a key, a value or a credential. @cognito-bearer/otel's `onRedisCommand` makes
   * spans of them. Default: none (and no cost).
   */
  onCommand?: ((event: RedisCommandEvent) => void) | undefined;
}

/** The held lock of `SessionStore.lock()` (derived here: @cognito-bearer/bff's index does not export its name). */
type SessionLock = NonNullable<Awaited<ReturnType<SessionStore["lock"]>>>;

const OPTION_KEYS = [...CONNECTION_KEYS, "secret", "keyPrefix", "commandTimeoutMs", "onCommand"];

// Hash fields: v = version (compared by replace), d = the sealed session, e = expiresAt (touch's ceiling).
const CREATE = `
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'd', ARGV[2], 'e', ARGV[3])
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
return 1
`;
// KEYS[2] (the lock) only when fenced. HSET on an existing key keeps its TTL.
const REPLACE = `
if KEYS[2] and redis.call('GET', KEYS[2]) ~= ARGV[5] then return 0 end
if redis.call('HGET', KEYS[1], 'v') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'd', ARGV[3], 'e', ARGV[4])
return 1
`;
// PEXPIREAT on a missing key creates nothing; reading 'e' first also clamps to expiresAt.
const TOUCH = `
local e = redis.call('HGET', KEYS[1], 'e')
if not e then return 0 end
local at = ARGV[1]
if tonumber(e) < tonumber(at) then at = e end
return redis.call('PEXPIREAT', KEYS[1], at)
`;
const FENCED_DELETE = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
`;
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`;
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export function createRedisSessionStore(options: RedisSessionStoreOptions): SessionStore & { readonly commandTimeoutMs: number } {
  if (options === null || typeof options !== "object") throw new OptionsError("createRedisSessionStore() needs an options object");
  assertKnownKeys(options, OPTION_KEYS, "");
  const { client: given } = options;
  assertConnectionOptions(options, "createRedisSessionStore()");
  const secrets = typeof options.secret === "string" ? [options.secret] : options.secret;
  if (!Array.isArray(secrets) || secrets.length === 0 || secrets.some((secret) => typeof secret !== "string" || secret.length < 32)) {
    throw new OptionsError("secret must be a string of at least 32 characters (or a non-empty array of them)");
  }
  const sealer = createSealer(secrets, "bff session encryption");
  const prefix = options.keyPrefix ?? "cognito-bearer:bff:";
  if (typeof prefix !== "string") throw new OptionsError("keyPrefix must be a string");
  const commandTimeoutMs = options.commandTimeoutMs ?? 2000;
  if (typeof commandTimeoutMs !== "number" || !Number.isFinite(commandTimeoutMs) || !(commandTimeoutMs > 0)) {
    throw new OptionsError("commandTimeoutMs must be a positive number");
  }
  if (options.onCommand !== undefined && typeof options.onCommand !== "function") throw new OptionsError("onCommand must be a function");

  const client: RedisClientLike = openConnection(options, {
    timeoutMs: commandTimeoutMs,
    reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2000),
  }).commands;
  if (given === undefined) client.on("error", () => undefined); // reported by the failing commands (503s), never a crash
  const connected = given === undefined || !given.isOpen ? client.connect().then(() => undefined) : Promise.resolve();
  connected.catch(() => undefined);

  const run = commandRunner(commandTimeoutMs, options.onCommand, serverOf(options));
  /** One command, rejected if it (waiting for the first connection included) takes longer than commandTimeoutMs. */
  const command = (operation: string, args: string[]): Promise<unknown> =>
    run(args[0]!, operation, () =>
      connected.then(() => {
        if (!client.isReady) throw new RedisUnreachableError("Redis is unreachable");
        return client.sendCommand(args);
      }),
    );

  const hashed = (id: string): string => {
    if (typeof id !== "string") throw new TypeError("a session id must be a string");
    return createHash("sha256").update(id, "utf8").digest("base64url");
  };
  // The hash is the hash tag: a session's record and its lock share one slot on a Redis Cluster (REPLACE and FENCED_DELETE touch both).
  const sessionKey = (id: string) => `${prefix}{${hashed(id)}}:session`;
  const lockKey = (id: string) => `${prefix}{${hashed(id)}}:lock`;
  /** The associated data of a session record: its kind, the key it lives at, and its version field. */
  const aad = (key: string, version: string) => JSON.stringify(["session", key, version]);

  /** The token of each lock this store handed out, so that writes given one can be fenced by it. */
  const tokens = new WeakMap<SessionLock, string>();
  const tokenOf = (lock: SessionLock): string => {
    const token = tokens.get(lock);
    if (token === undefined) throw new TypeError("the lock was not taken from this session store");
    return token;
  };

  return {
    commandTimeoutMs,
    async get(id) {
      const key = sessionKey(id);
      const reply = await command("session.get", ["HMGET", key, "v", "d"]);
      if (!Array.isArray(reply) || typeof reply[0] !== "string") return undefined;
      const session = sealer.open(reply[1], aad(key, reply[0])) as StoredSession | undefined;
      if (session === null || typeof session !== "object") return undefined;
      return session;
    },
    async create(id, session, idleUntil) {
      const key = sessionKey(id);
      const version = versionOf(session);
      const expiresAt = timeOf(session?.expiresAt, "session.expiresAt");
      const expireAt = Math.min(expiresAt, timeOf(idleUntil, "idleUntil"));
      await command("session.create", ["EVAL", CREATE, "1", key, version, sealer.seal(session, aad(key, version)), String(expiresAt), String(expireAt)]);
    },
    async replace(id, expectedVersion, session, lock) {
      const key = sessionKey(id);
      const expected = versionOf({ version: expectedVersion });
      const version = versionOf(session);
      const expiresAt = String(timeOf(session?.expiresAt, "session.expiresAt"));
      const sealed = sealer.seal(session, aad(key, version));
      const args =
        lock === undefined
          ? ["EVAL", REPLACE, "1", key, expected, version, sealed, expiresAt]
          : ["EVAL", REPLACE, "2", key, lockKey(id), expected, version, sealed, expiresAt, tokenOf(lock)];
      return Number(await command("session.replace", args)) === 1;
    },
    async touch(id, until) {
      await command("session.touch", ["EVAL", TOUCH, "1", sessionKey(id), String(timeOf(until, "until"))]);
    },
    async delete(id, lock) {
      const deleted =
        lock === undefined
          ? await command("session.delete", ["DEL", sessionKey(id)])
          : await command("session.delete", ["EVAL", FENCED_DELETE, "2", sessionKey(id), lockKey(id), tokenOf(lock)]);
      return Number(deleted) === 1;
    },
    async lock(id, leaseMs) {
      const key = lockKey(id);
      const lease = leaseOf(leaseMs);
      const token = randomBytes(18).toString("base64url");
      const taken = await command("session.lock", ["SET", key, token, "NX", "PX", lease]);
      if (taken === null || taken === undefined) return undefined;
      const lock: SessionLock = {
        async renew(ms) {
          return Number(await command("session.renew", ["EVAL", RENEW, "1", key, token, leaseOf(ms)])) === 1;
        },
        async release() {
          await command("session.release", ["EVAL", RELEASE, "1", key, token]);
        },
      };
      tokens.set(lock, token);
      return lock;
    },
    async close() {
      if (given !== undefined) return;
      try {
        client.destroy();
      } catch {
        // never connected: nothing to close
      }
    },
  };
}

/** A version as Redis stores it (the field replace compares). */
function versionOf(session: { version: unknown } | undefined): string {
  const version = session?.version;
  if (typeof version !== "number" || !Number.isSafeInteger(version)) throw new TypeError("a session version must be an integer");
  return String(version);
}

/** A time in ms since the epoch, as a whole number of ms no later than the one given. */
function timeOf(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new TypeError(`${name} must be a time in ms since the epoch`);
  return Math.floor(value);
}

function leaseOf(ms: unknown): string {
  if (typeof ms !== "number" || !Number.isFinite(ms) || !(ms > 0)) throw new TypeError("a lock lease must be a positive number of ms");
  return String(Math.ceil(ms));
}
