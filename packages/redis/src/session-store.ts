// createRedisSessionStore: the token handler's sessions in Redis, shared by
// every instance, with the refresh lock and the compare-and-set write that make
// one refresh per session across instances.
//
// Sessions hold refresh tokens, so they are encrypted at rest (AES-256-GCM,
// with a key derived from your secret by HKDF; older secrets are still
// accepted for decryption while you rotate). A record that no key opens is "no
// session", never an error. Every key has a TTL: sessions live as long as the
// refresh token, sign-in transactions a few minutes, locks their lease.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, randomUUID } from "node:crypto";
import type { SessionStore, StoredSession, Transaction } from "@cognito-bearer/bff";
import { OptionsError } from "@cognito-bearer/core";
import { assertKnownKeys } from "@cognito-bearer/core/adapter";
import { createClient } from "redis";
import { withTimeout } from "./timeout.js";
import type { RedisClientLike } from "./revocation-list.js";

export interface RedisSessionStoreOptions {
  url?: string;
  /** Your connected node-redis client (left open by close()). */
  client?: RedisClientLike;
  /**
   * The encryption secret (at least 32 characters), or several: the first
   * encrypts, every one decrypts, so a new secret can be put first while
   * sessions sealed with the old one are still read.
   */
  secret: string | readonly string[];
  /** Default "cognito-bearer:bff:". */
  keyPrefix?: string;
  /** A Redis command not answered by then rejects (a 503 at the token handler). Default 2000. */
  commandTimeoutMs?: number;
}

const KEYS = ["url", "client", "secret", "keyPrefix", "commandTimeoutMs"];

const REPLACE = `
if redis.call('HGET', KEYS[1], 'v') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'd', ARGV[3])
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
return 1
`;
const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export function createRedisSessionStore(options: RedisSessionStoreOptions): SessionStore {
  if (options === null || typeof options !== "object") throw new OptionsError("createRedisSessionStore() needs an options object");
  assertKnownKeys(options, KEYS, "");
  const { url, client: given } = options;
  if ((url === undefined) === (given === undefined)) throw new OptionsError("createRedisSessionStore() needs either url or client");
  if (url !== undefined && (typeof url !== "string" || !/^rediss?:\/\//.test(url))) throw new OptionsError("url must be a redis:// or rediss:// URL");
  const secrets = typeof options.secret === "string" ? [options.secret] : options.secret;
  if (!Array.isArray(secrets) || secrets.length === 0 || secrets.some((secret) => typeof secret !== "string" || secret.length < 32)) {
    throw new OptionsError("secret must be a string of at least 32 characters (or a non-empty array of them)");
  }
  const keys = secrets.map((secret) => Buffer.from(hkdfSync("sha256", secret, "cognito-bearer", "bff session encryption", 32)));
  const prefix = options.keyPrefix ?? "cognito-bearer:bff:";
  if (typeof prefix !== "string") throw new OptionsError("keyPrefix must be a string");
  const timeoutMs = options.commandTimeoutMs ?? 2000;
  if (typeof timeoutMs !== "number" || !(timeoutMs > 0)) throw new OptionsError("commandTimeoutMs must be a positive number");

  const client: RedisClientLike =
    given ??
    (createClient({ url, disableOfflineQueue: true, socket: { connectTimeout: timeoutMs, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2000) } }) as unknown as RedisClientLike);
  if (given === undefined) client.on("error", () => undefined); // reported by the failing commands (503s), never a crash
  const connected = given === undefined || !given.isOpen ? client.connect().then(() => undefined) : Promise.resolve();
  connected.catch(() => undefined);

  const command = async (args: string[]): Promise<unknown> => {
    await withTimeout(connected, timeoutMs);
    if (!client.isReady) throw new Error("Redis is unreachable");
    return withTimeout(client.sendCommand(args), timeoutMs);
  };
  const seal = (value: unknown): string => {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", keys[0], iv);
    const sealed = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final(), cipher.getAuthTag()]);
    return `${iv.toString("base64url")}.${sealed.toString("base64url")}`;
  };
  const open = <T>(text: unknown): T | undefined => {
    if (typeof text !== "string") return undefined;
    const [ivText, sealedText] = text.split(".");
    if (sealedText === undefined) return undefined;
    const iv = Buffer.from(ivText, "base64url");
    const sealed = Buffer.from(sealedText, "base64url");
    if (iv.length !== 12 || sealed.length < 17) return undefined;
    for (const key of keys) {
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, iv);
        decipher.setAuthTag(sealed.subarray(sealed.length - 16));
        return JSON.parse(Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]).toString("utf8")) as T;
      } catch {
        // Another key, or a record that was tampered with.
      }
    }
    return undefined;
  };
  const sessionKey = (id: string) => `${prefix}session:${id}`;

  return {
    async get(id) {
      return open<StoredSession>(await command(["HGET", sessionKey(id), "d"]));
    },
    async create(id, session) {
      await command(["EVAL", "redis.call('HSET', KEYS[1], 'v', ARGV[1], 'd', ARGV[2]) redis.call('PEXPIREAT', KEYS[1], ARGV[3]) return 1", "1", sessionKey(id), String(session.version), seal(session), String(session.expiresAt)]);
    },
    async replace(id, expectedVersion, session) {
      const replaced = await command(["EVAL", REPLACE, "1", sessionKey(id), String(expectedVersion), String(session.version), seal(session), String(session.expiresAt)]);
      return Number(replaced) === 1;
    },
    async delete(id) {
      await command(["DEL", sessionKey(id)]);
    },
    async lock(id, leaseMs) {
      const token = randomUUID();
      const key = `${prefix}lock:${id}`;
      const taken = await command(["SET", key, token, "NX", "PX", String(Math.ceil(leaseMs))]);
      if (taken === null) return undefined;
      return async () => {
        await command(["EVAL", UNLOCK, "1", key, token]);
      };
    },
    async putTransaction(id, transaction, ttlMs) {
      await command(["SET", `${prefix}signin:${id}`, seal(transaction), "PX", String(Math.ceil(ttlMs))]);
    },
    async takeTransaction(id) {
      return open<Transaction>(await command(["GETDEL", `${prefix}signin:${id}`]));
    },
    async close() {
      if (given === undefined) client.destroy();
    },
  };
}
