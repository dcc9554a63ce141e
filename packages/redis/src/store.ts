// How revocation entries live in Redis: one sorted set per kind, scored by the
// entry's expiry, so that a reload reads each kind (page by page) and expired
// members can be trimmed by score. Each write is one Lua script: add (keeping
// the later expiry), trim what has expired, set the key's TTL to its latest
// member's expiry (Redis never grows without bound), append the entry to the
// list's log, and publish it to every instance's mirror (the outbox sends a
// batch of entries in one script call, in order). Only generic commands (EVAL,
// ZSCAN) are sent, through `sendCommand`, so any node-redis 5 or 6 client works.
//
// The log (`<prefix>{rev}:log`, a Redis Stream) is what an instance without a
// subscription reads to catch up: every entry written since the last one it
// read, from that one's id, in one round trip. It is trimmed by age (entries
// older than the longest entry lifetime go, at the next write) and expires with
// the list when nothing is written. The epoch (`<prefix>{rev}:epoch`, a random
// value set by the first write into an empty Redis) tells a reader that Redis
// lost its data since it last looked. Every key has the `{rev}` hash tag: one
// slot, so each script touches one node of a cluster.
//
// Heartbeats are published by a script in the same slot, and carry the
// replication id of the node holding the list (`master_replid`): it changes when
// that node's history changes (a failover promoted a replica, which may lack the
// last writes; a restart without persistence), which tells every subscriber to
// reload (and write back what Redis lost), not only the one whose connection
// dropped.
import { randomUUID } from "node:crypto";
import type { RevocationEntry } from "@cognito-bearer/core/adapter";

/** What this module needs of a node-redis client. */
export interface CommandClient {
  sendCommand(args: string[]): Promise<unknown>;
  readonly isReady: boolean;
}

// KEYS: the kind's set, the log, the epoch. ARGV: member, expiry, now, channel, the entry's JSON, the log's
// trim point (entries older go), an epoch for an empty Redis, the log's lifetime (ms). Returns the log id.
const WRITE_SCRIPT = `
redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local latest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if latest[2] then redis.call('PEXPIREAT', KEYS[1], latest[2]) end
redis.call('SET', KEYS[3], ARGV[7], 'NX')
local id = redis.call('XADD', KEYS[2], 'MINID', '~', ARGV[6], '*', 'e', ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[8])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return id
`;

// The replication id of this node, when INFO may be run (nil otherwise).
const REPLID = `
local ok, info = pcall(redis.call, 'INFO', 'replication')
local replid = ok and type(info) == 'string' and string.match(info, 'master_replid:(%w+)') or false
`;

// KEYS: the log, the epoch. Where the log ends now: { epoch, last id, replication id } (each nil when none).
const POSITION_SCRIPT = `${REPLID}
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
return { redis.call('GET', KEYS[2]), last[1] and last[1][1] or false, replid }
`;

// The same for many entries at once (the outbox's delivery: one round trip per batch, in order). KEYS: the sets
// of sessions, tokens and users, the log, the epoch. ARGV: now, channel, the log's trim point, an epoch for an
// empty Redis, the log's lifetime (ms), then per entry: its set's index in KEYS (1-3), member, expiry, JSON.
// Returns the log ids, in order.
const WRITE_BATCH_SCRIPT = `
redis.call('SET', KEYS[5], ARGV[4], 'NX')
local ids = {}
local touched = {}
for i = 6, #ARGV, 4 do
  local key = KEYS[tonumber(ARGV[i])]
  redis.call('ZADD', key, 'GT', ARGV[i + 2], ARGV[i + 1])
  touched[key] = true
  ids[#ids + 1] = redis.call('XADD', KEYS[4], 'MINID', '~', ARGV[3], '*', 'e', ARGV[i + 3])
  redis.call('PUBLISH', ARGV[2], ARGV[i + 3])
end
for key in pairs(touched) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[1])
  local latest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if latest[2] then redis.call('PEXPIREAT', key, latest[2]) end
end
redis.call('PEXPIRE', KEYS[4], ARGV[5])
return ids
`;

// KEYS: the log, the epoch. ARGV: the first id to read (inclusive, or exclusive with "("), how many at most.
const READ_SCRIPT = `
return { redis.call('GET', KEYS[2]), redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[2]) }
`;

// KEYS: the log (for its slot only). ARGV: the channel, the heartbeat's prefix.
const HEARTBEAT_SCRIPT = `${REPLID}
redis.call('PUBLISH', ARGV[1], replid and (ARGV[2] .. ',"replid":"' .. replid .. '"}') or (ARGV[2] .. '}'))
return 1
`;

const KINDS = ["session", "token", "user"] as const;
/** Members asked for per ZSCAN page of a load (a hint to Redis: a page takes milliseconds, whatever the list's size). */
const LOAD_PAGE = 1000;
const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Where the log ends, read before a full load: what a catch-up later reads from. */
export interface LogPosition {
  /** The epoch of the data Redis holds; undefined before the first write into an empty Redis. */
  epoch: string | undefined;
  /** The id of the log's last entry; undefined when the log is empty. */
  lastId: string | undefined;
  /** The replication id of the node holding the list; undefined where INFO is refused. */
  replid: string | undefined;
}

/** One entry of the log. */
export interface LogRecord {
  id: string;
  entry: RevocationEntry | undefined;
}

export class RevocationStore {
  readonly channel: string;
  readonly logKey: string;
  readonly epochKey: string;
  private readonly epoch = randomUUID();

  /** `logRetentionMs`: how long the log keeps an entry (the longest lifetime of an entry). */
  constructor(
    private readonly prefix: string,
    readonly logRetentionMs = 86_700_000,
  ) {
    this.channel = `${prefix}events`;
    this.logKey = `${prefix}{rev}:log`;
    this.epochKey = `${prefix}{rev}:epoch`;
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

  /** Store, log and publish one entry; resolves to its id in the log. */
  async write(client: CommandClient, entry: RevocationEntry, now = Date.now()): Promise<string> {
    const member = entry.kind === "user" ? `${entry.before}:${entry.id}` : entry.id;
    const id = await client.sendCommand([
      "EVAL",
      WRITE_SCRIPT,
      "3",
      this.key(entry.kind),
      this.logKey,
      this.epochKey,
      member,
      String(entry.expiresAt),
      String(now),
      this.channel,
      JSON.stringify(entry),
      String(Math.max(0, now - this.logRetentionMs)),
      this.epoch,
      String(this.logRetentionMs),
    ]);
    return String(id);
  }

  /** Store, log and publish several entries, in order, in one script call; resolves to their ids in the log. */
  async writeBatch(client: CommandClient, entries: readonly RevocationEntry[], now = Date.now()): Promise<string[]> {
    if (entries.length === 0) return [];
    const args = [
      "EVAL",
      WRITE_BATCH_SCRIPT,
      "5",
      this.key("session"),
      this.key("token"),
      this.key("user"),
      this.logKey,
      this.epochKey,
      String(now),
      this.channel,
      String(Math.max(0, now - this.logRetentionMs)),
      this.epoch,
      String(this.logRetentionMs),
    ];
    for (const entry of entries) {
      const member = entry.kind === "user" ? `${entry.before}:${entry.id}` : entry.id;
      args.push(String(KINDS.indexOf(entry.kind) + 1), member, String(entry.expiresAt), JSON.stringify(entry));
    }
    const ids = (await client.sendCommand(args)) as unknown[];
    return (ids ?? []).map(String);
  }

  /**
   * Every entry that has not expired, page by page (ZSCAN): each page is one short command, bounded by `bound`
   * (a timeout), and the event loop runs between pages, so a list of millions neither times out as one huge
   * reply nor blocks the process. ZSCAN returns every member present from the scan's start to its end (some
   * maybe twice: harmless, adding is idempotent); one added meanwhile may be missed, and is the pub/sub's or the
   * log's to deliver, as with the single read this replaces. Resolves to how many entries were read.
   */
  async load(
    client: CommandClient,
    now: number,
    onPage: (entries: RevocationEntry[]) => void,
    bound: <T>(reply: Promise<T>) => Promise<T> = (reply) => reply,
    pageSize = LOAD_PAGE,
  ): Promise<number> {
    let count = 0;
    for (const kind of KINDS) {
      for (const key of [this.key(kind), this.legacyKey(kind)]) {
        let cursor = "0";
        do {
          const [next, raw] = (await bound(client.sendCommand(["ZSCAN", key, cursor, "COUNT", String(pageSize)]))) as [unknown, unknown[]];
          cursor = String(next);
          const page: RevocationEntry[] = [];
          for (const [member, expiresAt] of pairs(raw ?? [])) {
            if (expiresAt <= now) continue;
            if (kind !== "user") {
              page.push({ kind, id: member, expiresAt });
              continue;
            }
            const colon = member.indexOf(":");
            page.push({ kind, id: member.slice(colon + 1), before: Number(member.slice(0, colon)), expiresAt });
          }
          count += page.length;
          onPage(page);
          await nextTick();
        } while (cursor !== "0");
      }
    }
    return count;
  }

  /** Where the log ends now (read before a full load: everything logged after it is read by the next catch-up). */
  async position(client: CommandClient): Promise<LogPosition> {
    const [epoch, lastId, replid] = (await client.sendCommand(["EVAL", POSITION_SCRIPT, "2", this.logKey, this.epochKey])) as unknown[];
    return { epoch: optional(epoch), lastId: optional(lastId), replid: optional(replid) };
  }

  /**
   * The log from `from` on (inclusive; `(id` exclusive; `-` from its start), at most `count` records, with the
   * epoch, in one round trip (one script: both read at the same instant).
   */
  async read(client: CommandClient, from: string, count: number): Promise<{ epoch: string | undefined; records: LogRecord[] }> {
    const [epoch, raw] = (await client.sendCommand(["EVAL", READ_SCRIPT, "2", this.logKey, this.epochKey, from, String(count)])) as [unknown, unknown[]];
    const records = (raw ?? []).map((item) => {
      const [id, fields] = item as [unknown, unknown];
      return { id: String(id), entry: entryOfFields(fields) };
    });
    return { epoch: optional(epoch), records };
  }

  async heartbeat(client: CommandClient): Promise<void> {
    await client.sendCommand(["EVAL", HEARTBEAT_SCRIPT, "1", this.logKey, this.channel, HEARTBEAT_PREFIX]);
  }
}

/** A log record's fields: `[name, value, …]` (RESP2) or a map (RESP3); the entry is field `e`. */
function entryOfFields(fields: unknown): RevocationEntry | undefined {
  let value: unknown;
  if (Array.isArray(fields)) {
    for (let i = 0; i + 1 < fields.length; i += 2) if (String(fields[i]) === "e") value = fields[i + 1];
  } else if (fields instanceof Map) value = fields.get("e");
  else if (typeof fields === "object" && fields !== null) value = (fields as Record<string, unknown>).e;
  if (value === undefined) return undefined;
  const parsed = parseMessage(String(value));
  return parsed === undefined || parsed.kind === "heartbeat" ? undefined : parsed;
}

function optional(value: unknown): string | undefined {
  return value === null || value === undefined || value === false ? undefined : String(value);
}

/** WITHSCORES replies: flat `[member, score, …]` in RESP2, `[[member, score], …]` in RESP3. */
function pairs(reply: unknown[]): [string, number][] {
  if (reply.length > 0 && Array.isArray(reply[0])) return (reply as unknown[][]).map(([member, score]) => [String(member), Number(score)]);
  const result: [string, number][] = [];
  for (let i = 0; i + 1 < reply.length; i += 2) result.push([String(reply[i]), Number(reply[i + 1])]);
  return result;
}

/** A heartbeat: `{"kind":"heartbeat","replid":"…"}` (the replication id of the node holding the list), or `{"kind":"heartbeat"}` where INFO is refused (and from earlier versions). */
const HEARTBEAT_PREFIX = '{"kind":"heartbeat"';

export interface Heartbeat {
  kind: "heartbeat";
  replid: string | undefined;
}

/** A message of the channel: an entry, a heartbeat, or (from anything else publishing there) undefined. */
export function parseMessage(message: string): RevocationEntry | Heartbeat | undefined {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return undefined;
  }
  const entry = value as (Omit<Partial<RevocationEntry>, "kind"> & { kind?: string; before?: unknown; replid?: unknown }) | null;
  if (typeof entry !== "object" || entry === null) return undefined;
  if (entry.kind === "heartbeat") return { kind: "heartbeat", replid: typeof entry.replid === "string" ? entry.replid : undefined };
  if (typeof entry.id !== "string" || typeof entry.expiresAt !== "number") return undefined;
  if (entry.kind === "session" || entry.kind === "token") return { kind: entry.kind, id: entry.id, expiresAt: entry.expiresAt };
  if (entry.kind === "user" && typeof entry.before === "number") return { kind: "user", id: entry.id, before: entry.before, expiresAt: entry.expiresAt };
  return undefined;
}
