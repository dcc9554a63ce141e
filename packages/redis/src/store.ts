// How revocation entries live in Redis: one sorted set per kind, scored by the
// entry's expiry, so that a reload is one range query per kind and expired
// members can be trimmed by score. Each write is one Lua script: add (keeping
// the later expiry), trim what has expired, set the key's TTL to its latest
// member's expiry (Redis never grows without bound), and publish the entry to
// every instance's mirror. Only generic commands (EVAL, ZRANGEBYSCORE,
// PUBLISH) are sent, through `sendCommand`, so any node-redis 5 or 6 client works.
import type { RevocationEntry } from "@cognito-bearer/core/adapter";

/** What this module needs of a node-redis client. */
export interface CommandClient {
  sendCommand(args: string[]): Promise<unknown>;
  readonly isReady: boolean;
}

const WRITE_SCRIPT = `
redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local latest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if latest[2] then redis.call('PEXPIREAT', KEYS[1], latest[2]) end
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1
`;

const KINDS = ["session", "token", "user"] as const;

export class RevocationStore {
  readonly channel: string;

  constructor(private readonly prefix: string) {
    this.channel = `${prefix}events`;
  }

  /**
   * `<prefix>{rev}:sessions` (…tokens, …users): one hash tag, so that on a Redis Cluster every key of the list
   * lives in one slot and a script may touch several of them.
   */
  key(kind: RevocationEntry["kind"]): string {
    return `${this.prefix}{rev}:${kind}s`;
  }

  /** Where versions before the hash tag kept entries (`<prefix>sessions`): still read, never written, until they expire. */
  legacyKey(kind: RevocationEntry["kind"]): string {
    return `${this.prefix}${kind}s`;
  }

  /** Store and publish one entry. */
  async write(client: CommandClient, entry: RevocationEntry, now = Date.now()): Promise<void> {
    const member = entry.kind === "user" ? `${entry.before}:${entry.id}` : entry.id;
    await client.sendCommand([
      "EVAL",
      WRITE_SCRIPT,
      "1",
      this.key(entry.kind),
      member,
      String(entry.expiresAt),
      String(now),
      this.channel,
      JSON.stringify(entry),
    ]);
  }

  /** Every entry that has not expired. */
  async load(client: CommandClient, now = Date.now()): Promise<RevocationEntry[]> {
    const read = (key: string) => client.sendCommand(["ZRANGEBYSCORE", key, `(${now}`, "+inf", "WITHSCORES"]) as Promise<unknown[]>;
    const replies = await Promise.all(KINDS.map(async (kind) => [...pairs(await read(this.key(kind))), ...pairs(await read(this.legacyKey(kind)))]));
    const entries: RevocationEntry[] = [];
    KINDS.forEach((kind, index) => {
      for (const [member, expiresAt] of replies[index]) {
        if (kind !== "user") {
          entries.push({ kind, id: member, expiresAt });
          continue;
        }
        const colon = member.indexOf(":");
        entries.push({ kind, id: member.slice(colon + 1), before: Number(member.slice(0, colon)), expiresAt });
      }
    });
    return entries;
  }

  async heartbeat(client: CommandClient): Promise<void> {
    await client.sendCommand(["PUBLISH", this.channel, HEARTBEAT]);
  }
}

/** WITHSCORES replies: flat `[member, score, …]` in RESP2, `[[member, score], …]` in RESP3. */
function pairs(reply: unknown[]): [string, number][] {
  if (reply.length > 0 && Array.isArray(reply[0])) return (reply as unknown[][]).map(([member, score]) => [String(member), Number(score)]);
  const result: [string, number][] = [];
  for (let i = 0; i + 1 < reply.length; i += 2) result.push([String(reply[i]), Number(reply[i + 1])]);
  return result;
}

export const HEARTBEAT = '{"kind":"heartbeat"}';

/** A message of the channel: an entry, a heartbeat, or (from anything else publishing there) undefined. */
export function parseMessage(message: string): RevocationEntry | "heartbeat" | undefined {
  if (message === HEARTBEAT) return "heartbeat";
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return undefined;
  }
  const entry = value as Partial<RevocationEntry> | null;
  if (typeof entry !== "object" || entry === null || typeof entry.id !== "string" || typeof entry.expiresAt !== "number") return undefined;
  if (entry.kind === "session" || entry.kind === "token") return { kind: entry.kind, id: entry.id, expiresAt: entry.expiresAt };
  if (entry.kind === "user" && typeof entry.before === "number") return { kind: "user", id: entry.id, before: entry.before, expiresAt: entry.expiresAt };
  return undefined;
}
