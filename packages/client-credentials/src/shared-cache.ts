// The token shared by every instance through Redis, so a fleet of N services
// asks Cognito once per token lifetime rather than N times. One key holds the
// sealed token (seal.ts) until it expires; a lock key (SET NX PX) makes one
// instance the one that refreshes while the others keep using the current token
// or wait briefly for the new one. Key names are a hash of the token endpoint,
// client id and scopes: never the secret, never a token.
//
// Redis is an optimisation: a command that fails or takes longer than
// commandTimeoutMs counts as a miss, and the instance asks Cognito itself.
import { createHash, randomUUID } from "node:crypto";
import type { SharedCacheOptions } from "./options.js";
import { open, seal, sealingKey } from "./seal.js";
import type { Token } from "./token-request.js";

/** What this package needs of a node-redis 5 or 6 client: raw commands. */
export interface RedisCommandClient {
  sendCommand(args: string[]): Promise<unknown>;
}

// Deletes the lock only if it is still ours: it may have expired and been taken by another instance.
const RELEASE = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`;
// Deletes the token only if it is the one the API refused: another instance may already have stored a newer one.
const DELETE_IF = RELEASE;

export class SharedTokenCache {
  private readonly tokenKey: string;
  private readonly lockKey: string;
  private readonly key: Buffer;

  constructor(
    private readonly options: Required<SharedCacheOptions>,
    identity: { tokenEndpoint: string; clientId: string; scopes: string[] },
    clientSecret: string,
  ) {
    const id = createHash("sha256")
      .update(JSON.stringify([identity.tokenEndpoint, identity.clientId, [...identity.scopes].sort()]))
      .digest("base64url")
      .slice(0, 32);
    // One hash tag: both keys in one slot of a Redis Cluster.
    this.tokenKey = `${options.keyPrefix}{${id}}:token`;
    this.lockKey = `${options.keyPrefix}{${id}}:lock`;
    this.key = sealingKey(clientSecret, this.tokenKey);
  }

  /** The token stored by any instance, or undefined (none, expired, sealed with another secret, or Redis unavailable). */
  async read(now = Date.now()): Promise<Token | undefined> {
    const sealed = await this.command(["GET", this.tokenKey]);
    if (typeof sealed !== "string") return undefined;
    const plaintext = open(this.key, sealed, this.tokenKey);
    if (plaintext === undefined) return undefined;
    try {
      const token = JSON.parse(plaintext) as Token;
      return typeof token.accessToken === "string" && token.expiresAt > now ? token : undefined;
    } catch {
      return undefined;
    }
  }

  async write(token: Token, now = Date.now()): Promise<void> {
    const ttl = Math.floor(token.expiresAt - now);
    if (ttl <= 0) return;
    await this.command(["SET", this.tokenKey, seal(this.key, JSON.stringify(token), this.tokenKey), "PX", String(ttl)]);
  }

  /** Forgets the token if it is still `accessToken` (the one an API refused). */
  async forget(accessToken: string): Promise<void> {
    const sealed = await this.command(["GET", this.tokenKey]);
    if (typeof sealed !== "string") return;
    const plaintext = open(this.key, sealed, this.tokenKey);
    if (plaintext !== undefined && plaintext.includes(JSON.stringify(accessToken))) {
      await this.command(["EVAL", DELETE_IF, "1", this.tokenKey, sealed]);
    }
  }

  /** Takes the refresh lock: a release function, "busy" when another instance holds it, "unavailable" when Redis does not answer. */
  async lock(): Promise<(() => Promise<void>) | "busy" | "unavailable"> {
    const owner = randomUUID();
    const taken = await this.command(["SET", this.lockKey, owner, "NX", "PX", String(this.options.lockTimeoutMs)]);
    if (taken === undefined) return "unavailable";
    if (taken !== "OK") return "busy";
    return async () => {
      await this.command(["EVAL", RELEASE, "1", this.lockKey, owner]);
    };
  }

  /** `undefined` for an error or a timeout (a missing key is null): the caller goes on without Redis. */
  private async command(args: string[]): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(resolve, this.options.commandTimeoutMs, undefined);
    });
    try {
      return await Promise.race([this.options.redis.sendCommand(args).catch(() => undefined), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
