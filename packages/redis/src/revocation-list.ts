// createRedisRevocationList: a revocation list shared by every instance of an
// API through Redis, checked locally.
//
// Each instance keeps a mirror of the list in memory (core's
// RevocationEntries), so the verifier's check is a Map lookup, never I/O. Two
// ways keep the mirror current:
//
// - "subscribe" (long-lived processes, the default): the mirror is loaded when
//   the subscriber connects and kept current by pub/sub. Pub/sub delivers at
//   most once: a message sent while this instance was disconnected is lost, so
//   every reconnection reloads the whole list. A reload adds to the mirror and
//   never removes from it (entries only ever leave by expiring), so a Redis
//   restarted empty does not make this instance forget a revocation it knew,
//   and a message arriving during a reload is kept. A reconnection during a
//   reload queues another; a reload vouches for the mirror only if the
//   subscriber did not lose its connection while it ran (a loss generation
//   counter says), since a message sent during that loss may be in neither what
//   the reload read nor what pub/sub delivered.
//   A reload reads the list page by page (ZSCAN; each page bounded by
//   `commandTimeoutMs`, the event loop running between pages), so a list of
//   millions neither times out as one reply nor blocks the process; it confirms
//   the mirror as of its start, or of the last heartbeat the subscriber heard
//   during it (confirmedBy says why that is exact), so a long load does not use
//   up the staleness allowance.
//   Heartbeats published every few seconds prove the path from Redis to the
//   mirror works. When none has arrived for `maxStalenessSeconds` (Redis down,
//   hung, or partitioned), the mirror may be missing revocations: the check
//   then answers "unavailable" (503, never 401) unless `onUnavailable: "allow"`.
//   A heartbeat carries the replication id of the node holding the list; one
//   from another history (a failover promoted a replica that may lack the last
//   writes, or Redis restarted) vouches for nothing and starts a reload, whose
//   write-back restores what that node lost, on every instance.
// - "catch-up" (processes frozen between requests: AWS Lambda): no
//   subscription. Before a check (core's verifier calls catchUp()), a mirror
//   last brought up to date longer ago than `maxStalenessSeconds` reads the
//   list's log (store.ts) from the last id it saw: one round trip. A full
//   reload instead when that read cannot be exact: the last id is gone from the
//   log (trimmed, or lost with Redis's data), the epoch changed (Redis lost its
//   data), or a write of this instance that Redis acknowledged is missing (a
//   failover lost it; the reload's write-back restores it). Redis unreachable
//   meanwhile: "unavailable" (503), never a stale "not revoked".
//
// A Redis that may evict keys (any maxmemory-policy but noeviction) may delete
// the list's keys and their revocations silently: the list reads the policy
// once after connecting and warns (eviction.ts).
//
// Nothing acknowledged is lost: a revoke that Redis cannot store (unreachable,
// or no answer within `commandTimeoutMs`) applies here at once and waits in an
// outbox (outbox.ts) written to Redis, in order and in batches (one script call
// each, so it drains far faster than revokes arrive), as soon as it answers again;
// the call rejects with a RevocationUnavailableError whose `queued` is true, and
// the failure is reported (`error`).
// After every reload each instance writes back the live entries of its mirror
// that Redis lacks (anti-entropy, reconcile.ts), so a Redis restarted empty
// gets them back. ready() reports a Redis unreachable at start-up, takes a
// timeout or a signal, and is settled by close(); close() flushes the outbox.
import {
  entryFor,
  resolveRevocationOptions,
  RevocationEntries,
  type RevocationEntry,
} from "@cognito-bearer/core/adapter";
import { OptionsError, type RevocationList, type RevocationListOptions, type RevocationStats } from "@cognito-bearer/core";
import { assertConnectionOptions, CONNECTION_KEYS, openConnection, type RedisConnectionOptions } from "./connection.js";
import { commandRunner, serverOf, type RedisCommandEvent } from "./command-events.js";
import { parseMessage, RevocationStore, type CommandClient, type LogPosition } from "./store.js";
import { EVICTION_WARNING_CODE, evictionWarning, readEvictionPolicy } from "./eviction.js";
import { RevocationOutbox } from "./outbox.js";
import { StoredEntries, writeBack } from "./reconcile.js";
import { readyWithin, type ReadyOptions } from "./ready.js";

/** The node-redis client this package needs: the official `redis` package, version 5 or 6. */
export interface RedisClientLike extends CommandClient {
  readonly isOpen: boolean;
  connect(): Promise<unknown>;
  duplicate(): RedisClientLike;
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
  destroy(): void;
}

/**
 * `url` (`redis://…` or `rediss://…`) or `cluster: { rootNodes }`: the list creates (and closes) its own connections.
 * Or `client`, your node-redis client (createClient() or createCluster()): commands go through it; the list
 * subscribes on a connection of its own and leaves yours open. `tls: { ca }` for rediss:// with your own CA.
 */
export interface RedisRevocationListOptions extends RevocationListOptions, RedisConnectionOptions {
  /** Prefix of the list's keys and pub/sub channel. Default "cognito-bearer:revocations:". */
  keyPrefix?: string | undefined;
  /**
   * How the mirror is kept current. "subscribe" (the default): pub/sub, for long-lived processes. "catch-up": no
   * subscription; before a check, a mirror older than `maxStalenessSeconds` reads what it missed from the list's
   * log (one round trip), for processes frozen between requests (AWS Lambda).
   */
  mode?: "subscribe" | "catch-up" | undefined;
  /**
   * "subscribe": how long the mirror may go without hearing from Redis before checks answer 503. Default 30.
   * "catch-up": how old the mirror may be before a check first brings it up to date (and answers 503 if it cannot).
   * Default 1.
   */
  maxStalenessSeconds?: number | undefined;
  /** Beyond the staleness bound: "reject" (503, the default) or "allow" (check the possibly stale mirror only). */
  onUnavailable?: "reject" | "allow" | undefined;
  /** A revoke call that Redis has not acknowledged after this long is queued in the outbox (and rejects, `queued: true`). Default 2000. */
  commandTimeoutMs?: number | undefined;
  /** An outbox not delivered within this many seconds is reported (`outbox_stalled`; without onEvent, a process warning), again every as many seconds while it stays stuck. Default 60. */
  outboxAlertSeconds?: number | undefined;
  /** How long close() keeps trying to deliver the outbox before it gives up and reports what is left (`outbox_abandoned`). Default 5000. */
  closeTimeoutMs?: number | undefined;
  /**
   * Told when the mirror is loaded (`reloaded`, with the entry count), when Redis fails (`error`), when Redis's
   * maxmemory-policy may evict the list (`eviction_risk`; without onEvent, a process warning instead) and when
   * that policy could not be read (`eviction_unchecked`, e.g. CONFIG refused by a managed Redis); and about the
   * outbox, the write-back and start-up: see RedisRevocationEvent.
   */
  onEvent?: ((event: RedisRevocationEvent) => void) | undefined;
  /**
   * Told after each Redis command the list sends: which (EVAL, ZSCAN, CONFIG), for what (`revocation.write`,
   * `revocation.load`, …), how long, and a class of failure; never a key, an entry or a credential.
   * @cognito-bearer/otel's `onRedisCommand` makes spans of them. Default: none (and no cost).
   */
  onCommand?: ((event: RedisCommandEvent) => void) | undefined;
}

export type RedisRevocationEvent =
  | { type: "reloaded"; entries: number; durationMs: number }
  | { type: "error"; error: string }
  /** Redis's maxmemory-policy is not `noeviction`: under memory pressure it may delete the list's keys, and their revocations with them. */
  | { type: "eviction_risk"; policy: string }
  /** `CONFIG GET maxmemory-policy` was refused or failed (ElastiCache refuses CONFIG): the policy is unknown. */
  | { type: "eviction_unchecked"; error: string }
  /** Redis could not be reached before the list was first loaded: checks answer 503 until it is (once per list; without onEvent, a process warning). */
  | { type: "unavailable"; error: string }
  /** Revocations applied here but not yet stored in Redis have waited `oldestAgeSeconds` (past `outboxAlertSeconds`). */
  | { type: "outbox_stalled"; entries: number; oldestAgeSeconds: number }
  /** The outbox is empty again: `entries` revocations queued since it last was have been written to Redis. */
  | { type: "outbox_delivered"; entries: number; durationMs: number }
  /** close() could not deliver these revocations before its deadline: they were enforced by this instance only. */
  | { type: "outbox_abandoned"; entries: number }
  /** Anti-entropy after a reload: this many live entries of the mirror that Redis lacked were written back. */
  | { type: "written_back"; entries: number };

export type { ReadyOptions } from "./ready.js";

/** A revocation list backed by Redis. */
export interface RedisRevocationList extends RevocationList {
  /**
   * Resolves once the mirror is first loaded (and Redis's eviction policy checked). Rejects with a
   * RevocationUnavailableError after `timeoutMs`, or when the list is closed first; with `signal`'s reason when it aborts.
   */
  ready(options?: ReadyOptions): Promise<void>;
  /** Revocations applied on this instance and waiting in the outbox for Redis. */
  pending(): number;
  /** When Redis last confirmed the mirror (ms since epoch; -Infinity before the first load): staleness for metrics. */
  confirmedAt(): number;
}

/**
 * A revoke call was not stored in Redis. It applies on this instance at once either way. With `queued: true` it
 * waits in the outbox and is written to Redis (then enforced by every instance) as soon as Redis answers: the
 * revocation is accepted, only late elsewhere. With `queued: false` (the list is closed) it applies here only.
 */
export class RevocationUnavailableError extends Error {
  override readonly name = "RevocationUnavailableError";
  readonly code = "REVOCATION_UNAVAILABLE";
  readonly queued: boolean;
  constructor(message: string, options: { queued?: boolean } = {}) {
    super(message);
    this.queued = options.queued ?? false;
  }
}

/** The code of the process warning given, without onEvent, when Redis is unreachable before the list is first loaded. */
export const UNAVAILABLE_WARNING_CODE = "COGNITO_BEARER_REDIS_UNAVAILABLE";
/** The code of the process warnings given, without onEvent, when the outbox stalls or close() abandons it. */
export const OUTBOX_WARNING_CODE = "COGNITO_BEARER_REVOCATION_OUTBOX";

const OWN_KEYS = [...CONNECTION_KEYS, "keyPrefix", "mode", "maxStalenessSeconds", "onUnavailable", "commandTimeoutMs", "outboxAlertSeconds", "closeTimeoutMs", "onEvent", "onCommand"];
const DEFAULTS = { keyPrefix: "cognito-bearer:revocations:", maxStalenessSeconds: 30, catchUpMaxStalenessSeconds: 1, commandTimeoutMs: 2000, outboxAlertSeconds: 60, closeTimeoutMs: 5000 } as const;
const MODES = ["subscribe", "catch-up"] as const;
/** Delay before retrying a failed reload. */
const RELOAD_RETRY_MS = 500;
/** Log records read per round trip by a catch-up (more take more round trips). */
const LOG_PAGE = 5000;
/** After a failed catch-up, checks answer from what they know (503 past the bound) this long before another is tried. */
const CATCH_UP_RETRY_MS = 100;

export function createRedisRevocationList(options: RedisRevocationListOptions): RedisRevocationList {
  const shared = resolveRevocationOptions(options, OWN_KEYS);
  const { client: given, onEvent } = options;
  assertConnectionOptions(options, "createRedisRevocationList()");
  const keyPrefix = options.keyPrefix ?? DEFAULTS.keyPrefix;
  if (typeof keyPrefix !== "string") throw new OptionsError("keyPrefix must be a string");
  const mode = resolveMode(options.mode);
  const catchUpMode = mode === "catch-up";
  const boundMs =
    positive("maxStalenessSeconds", options.maxStalenessSeconds, catchUpMode ? DEFAULTS.catchUpMaxStalenessSeconds : DEFAULTS.maxStalenessSeconds) * 1000;
  const timeoutMs = positive("commandTimeoutMs", options.commandTimeoutMs, DEFAULTS.commandTimeoutMs);
  const outboxAlertMs = positive("outboxAlertSeconds", options.outboxAlertSeconds, DEFAULTS.outboxAlertSeconds) * 1000;
  const closeTimeoutMs = positive("closeTimeoutMs", options.closeTimeoutMs, DEFAULTS.closeTimeoutMs);
  const onUnavailable = options.onUnavailable ?? "reject";
  if (onUnavailable !== "reject" && onUnavailable !== "allow") throw new OptionsError('onUnavailable must be "reject" or "allow"');
  if (onEvent !== undefined && typeof onEvent !== "function") throw new OptionsError("onEvent must be a function");
  if (options.onCommand !== undefined && typeof options.onCommand !== "function") throw new OptionsError("onCommand must be a function");
  /** Each command within commandTimeoutMs, told to onCommand if there is one. */
  const run = commandRunner(timeoutMs, options.onCommand, serverOf(options));

  const report = (event: RedisRevocationEvent) => {
    try {
      onEvent?.(event);
    } catch {
      // The hook is the user's logger: its failure is not the list's.
    }
  };
  /** To onEvent, or without one, as a process warning. */
  const alert = (event: RedisRevocationEvent, warning: string, code: string) => {
    if (onEvent !== undefined) report(event);
    else process.emitWarning(warning, { code });
  };
  // Our own connections reject commands at once while disconnected (no offline
  // queue), retry with back-off, and never throw an unhandled 'error'.
  const connection = openConnection(options, { timeoutMs, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2000) });
  const commands = connection.commands;
  // A catch-up list holds no subscription: it reads the log when it must.
  const subscriber = catchUpMode ? undefined : connection.subscriber();
  let unavailableReported = false;
  const onError = (err: unknown) => {
    const error = err instanceof Error ? err.message : String(err);
    report({ type: "error", error });
    lastError = error;
    // Start-up with Redis unreachable is said once, not left a silent wait.
    if (!loaded && !unavailableReported && !closed) {
      unavailableReported = true;
      alert(
        { type: "unavailable", error },
        `cognito-bearer: the Redis of the revocation list is unreachable (${error}); until the list is loaded, checks answer 503`,
        UNAVAILABLE_WARNING_CODE,
      );
    }
  };
  if (given === undefined) commands.on("error", onError);
  subscriber?.on("error", onError);

  const store = new RevocationStore(keyPrefix, (shared.maxTokenLifetimeSeconds + shared.graceSeconds) * 1000);
  const entries = new RevocationEntries(shared.requireOriginJti);
  const heartbeatMs = Math.max(100, Math.min(5000, boundMs / 3));
  let loaded = false;
  let confirmedAt = -Infinity;
  /** Messages may have been missed since the subscriber last lost its connection: heartbeats confirm nothing until a reload. */
  let reloadNeeded = true;
  /** Counts the subscriber's connection losses: a reload during which it changed may have missed a message, and confirms nothing. */
  let lossGeneration = 0;
  let reloading = false;
  /** A reload was asked for while one ran: it runs again as soon as that one ends. */
  let reloadQueued = false;
  /** The replication id of the node holding the list when the mirror was last reloaded ("subscribe"). */
  let knownReplid: string | undefined;
  /** The last heartbeat the subscriber heard: when, and from which replication history. */
  let heard: { at: number; replid: string | undefined } = { at: -Infinity, replid: undefined };
  let closed = false;
  let closing: Promise<void> | undefined;
  let lastError: string | undefined;
  const closedSignal = new AbortController();
  let retryTimer: NodeJS.Timeout | undefined;
  let resolveLoaded!: () => void;
  const loadedPromise = new Promise<void>((resolve) => (resolveLoaded = resolve));

  const onMessage = (message: string) => {
    const parsed = parseMessage(message);
    if (parsed === undefined) return;
    if (parsed.kind === "heartbeat") {
      // From another replication history than the mirror's last reload (a failover, a restart): the node holding
      // the list may have lost writes this mirror has (to write back) or may hold some whose message never came.
      if (parsed.replid !== undefined && knownReplid !== undefined && parsed.replid !== knownReplid) {
        reloadNeeded = true;
        void reload();
        return;
      }
      // A heartbeat proves the path works now, not that nothing was missed before: it
      // confirms nothing while a reload is needed, running, queued or awaiting a retry.
      // Heard during a reload, it may confirm the mirror at that reload's end (confirmedBy).
      heard = { at: Date.now(), replid: parsed.replid };
      if (!reloadNeeded && !reloading && !reloadQueued) confirmedAt = heard.at;
      return;
    }
    entries.add(parsed);
  };

  /**
   * A full load: where the log ends first (a catch-up reads from there), then every live entry, page by page
   * (each page bounded by `commandTimeoutMs`, the event loop running between pages), each page added to the
   * mirror as it comes (what it read is true whatever happens next: the mirror only ever grows) and kept for
   * the write-back's comparison.
   */
  async function fullLoad(started: number): Promise<{ stored: StoredEntries; count: number; position: LogPosition }> {
    const position = await run("EVAL", "revocation.position", () => store.position(commands));
    const stored = new StoredEntries();
    const count = await store.load(
      commands,
      started,
      (page) => {
        if (closed) return;
        for (const entry of page) entries.add(entry);
        stored.add(page);
      },
      (reply) => run("ZSCAN", "revocation.load", () => reply),
    );
    return { stored, count, position };
  }

  // One reload at a time; one asked for meanwhile (a reconnection's 'ready') is queued,
  // never dropped, and runs right after. A reload confirms the mirror (clears
  // reloadNeeded, sets confirmedAt) only if the subscriber was listening when it began
  // and has not lost its connection since: otherwise a message published during that
  // loss may be in neither what it read nor what pub/sub delivered, and the reload
  // that the reconnection queues (or the next 'ready') does the confirming.
  async function reload(): Promise<void> {
    if (closed || subscriber === undefined) return;
    if (reloading) {
      reloadQueued = true;
      return;
    }
    reloading = true;
    clearTimeout(retryTimer);
    retryTimer = undefined;
    try {
      do {
        reloadQueued = false;
        const generation = lossGeneration;
        const listening = subscriber.isReady;
        const started = Date.now();
        let read: { stored: StoredEntries; count: number; position: LogPosition };
        try {
          read = await fullLoad(started);
        } catch (err) {
          if (closed) return;
          onError(err);
          // A reload queued meanwhile retries at once; otherwise after a pause.
          if (!reloadQueued) retryTimer = setTimeout(() => void reload(), RELOAD_RETRY_MS).unref();
          continue;
        }
        if (closed) return;
        const { stored, count, position } = read;
        reconcile(stored, started);
        if (!listening || generation !== lossGeneration) continue;
        knownReplid = position.replid;
        reloadNeeded = false;
        loaded = true;
        confirmedAt = confirmedBy(started, position.replid);
        report({ type: "reloaded", entries: count, durationMs: Date.now() - started });
        resolveLoaded();
      } while (reloadQueued && !closed);
    } finally {
      reloading = false;
    }
  }

  /**
   * Up to when a reload that began at `started`, listening, and ended with no connection loss (same loss
   * generation) confirms the mirror. Not its end: the subscriber's connection not being closed does not prove
   * that it delivers (a half-open connection, a stalled relay), so counting the end would stretch the time
   * nothing proved the path by the load's length. But a heartbeat the subscriber heard during the load, at
   * `heard.at` >= `started`, from the history the reload read: every entry stored before `started` is in what
   * the reload read, and every one published from `started` to the heartbeat's publication reached the
   * subscriber before it (one connection delivers in order; the heartbeat's and the entries' PUBLISH run on the
   * node holding the list), exactly what a heartbeat heard after the reload proves. So a long load (a big list)
   * ends confirmed as of its last heartbeat (at most `maxStalenessSeconds` / 3 before its end), not of its start.
   */
  function confirmedBy(started: number, replid: string | undefined): number {
    if (heard.at < started) return started;
    if (heard.replid !== undefined && replid !== undefined && heard.replid !== replid) return started;
    return Math.max(started, heard.at);
  }

  const lost = () => {
    lossGeneration++;
    reloadNeeded = true;
  };
  const onReady = () => {
    // node-redis resubscribes before it emits 'ready' on a reconnection, so a reload
    // from here on cannot miss a message: those it does not see arrive by pub/sub.
    void subscribed.then(() => reload(), () => undefined);
  };
  subscriber?.on("end", lost);
  subscriber?.on("reconnecting", lost);
  subscriber?.on("ready", onReady);

  // ---- "catch-up": the log, read from the last id seen, when the mirror is older than the bound. ----
  /** Where the mirror stands in the log: everything logged up to `lastId` (under `epoch`) is in it. */
  let position: { epoch: string | undefined; lastId: string | undefined; at: number } | undefined;
  /** This instance's writes that Redis acknowledged and no catch-up has read back yet: each must be in the log. */
  const unreadWrites = new Set<string>();
  let catchingUp: Promise<void> | undefined;
  /** When a catch-up last failed: checks meanwhile do not each wait for another attempt. */
  let failedAt = -Infinity;
  /** A check catches up a little before the bound, so the check right after it never finds the mirror past it. */
  const catchUpAtMs = boundMs - Math.min(100, boundMs / 10);
  function catchUp(): Promise<void> | undefined {
    if (closed) return undefined;
    if (loaded && Date.now() - confirmedAt <= catchUpAtMs) return undefined;
    if (catchingUp !== undefined) return catchingUp;
    if (Date.now() - failedAt < CATCH_UP_RETRY_MS) return undefined;
    return catchUpNow();
  }

  /** Brings the mirror up to date; never rejects (a failure leaves it unconfirmed: checks answer 503 past the bound). */
  function catchUpNow(): Promise<void> {
    catchingUp ??= (async () => {
      clearTimeout(retryTimer);
      retryTimer = undefined;
      const started = Date.now();
      try {
        const done = position === undefined ? false : await readLog(position, started);
        if (!done) await reloadFromScratch(started);
        if (closed) return;
        confirmedAt = started;
        // Redis answers: what waits in the outbox goes now, not at its next back-off retry.
        if (outbox.size > 0) void outbox.flush();
        if (!loaded) {
          loaded = true;
          resolveLoaded();
        }
      } catch (err) {
        if (closed) return;
        failedAt = Date.now();
        onError(err);
        // Not loaded yet: keep trying in the background, so that ready() resolves once Redis answers.
        if (!loaded) retryTimer = setTimeout(() => void catchUpNow(), RELOAD_RETRY_MS).unref();
      }
    })().finally(() => (catchingUp = undefined));
    return catchingUp;
  }

  /** A full load (and the write-back of what Redis lacks), recording where the log ended before it. */
  async function reloadFromScratch(started: number): Promise<void> {
    const writesBefore = [...unreadWrites];
    const { stored, count, position: at } = await fullLoad(started);
    if (closed) return;
    reconcile(stored, started);
    position = { epoch: at.epoch, lastId: at.lastId, at: started };
    // What the load read holds every write acknowledged before it (or the write-back restores it).
    for (const id of writesBefore) unreadWrites.delete(id);
    report({ type: "reloaded", entries: count, durationMs: Date.now() - started });
  }

  /**
   * Reads the log from the last id seen; false when that cannot be exact (a full reload is needed): the epoch
   * changed, the last id is gone from the log, the log may have been trimmed of entries never read, or a write of
   * this instance acknowledged before the read is missing from it.
   */
  async function readLog(from: { epoch: string | undefined; lastId: string | undefined; at: number }, started: number): Promise<boolean> {
    // Read from the start of a log that was empty: what was appended since may have aged out of it only if that
    // was longer ago than its retention. (With a last id, its presence proves nothing after it was trimmed.)
    if (from.lastId === undefined && started - from.at > store.logRetentionMs / 2) return false;
    /** Acknowledged before this read was sent: so in the log before what it reads, unless Redis lost them. */
    const expected = [...unreadWrites];
    let cursor = from.lastId ?? "-";
    let first = true;
    let lastId = from.lastId;
    let epoch = from.epoch;
    const seen = new Set<string>();
    for (;;) {
      const page = await run("EVAL", "revocation.read", () => store.read(commands, cursor, LOG_PAGE));
      if (closed) return true;
      if (first) {
        // Another epoch: Redis lost its data since. A log that was empty when read may have gained its first epoch since.
        if (page.epoch !== from.epoch && !(from.epoch === undefined && from.lastId === undefined)) return false;
        epoch = page.epoch;
        // The last record read must still be there: otherwise what followed it may be gone too.
        if (from.lastId !== undefined && page.records[0]?.id !== from.lastId) return false;
      }
      const records = first && from.lastId !== undefined ? page.records.slice(1) : page.records;
      for (const record of records) {
        if (record.entry !== undefined) entries.add(record.entry);
        if (unreadWrites.delete(record.id)) seen.add(record.id);
        lastId = record.id;
      }
      first = false;
      if (page.records.length < LOG_PAGE) break;
      cursor = `(${page.records[page.records.length - 1].id}`;
    }
    // Our own acknowledged writes are read back (now or by an earlier read, which forgot them), or Redis lost them
    // (a failover to a replica that had not received them): then a full reload, which writes them back.
    if (expected.some((id) => !seen.has(id) && unreadWrites.has(id))) return false;
    position = { epoch, lastId, at: started };
    return true;
  }

  const write = async (entry: RevocationEntry) => {
    const id = await run("EVAL", "revocation.write", () => store.write(commands, entry));
    if (catchUpMode) unreadWrites.add(id);
  };
  /** Several entries in one script call, in order (the outbox, the write-back). */
  const writeMany = async (batch: RevocationEntry[]) => {
    const ids = await run("EVAL", "revocation.write_batch", () => store.writeBatch(commands, batch));
    if (catchUpMode) for (const id of ids) unreadWrites.add(id);
  };
  const outbox = new RevocationOutbox({
    write: writeMany,
    canWrite: () => commands.isReady,
    alertMs: outboxAlertMs,
    stalled: (count, oldestAgeSeconds) =>
      alert(
        { type: "outbox_stalled", entries: count, oldestAgeSeconds },
        `cognito-bearer: ${count} revocation(s) applied on this instance have not reached Redis for ${oldestAgeSeconds} s; other instances do not enforce them yet`,
        OUTBOX_WARNING_CODE,
      ),
    delivered: (count, durationMs) => report({ type: "outbox_delivered", entries: count, durationMs }),
    error: onError,
  });
  // The command connection is back: deliver the outbox now, not at the next retry.
  const onCommandsReady = () => void outbox.flush();
  commands.on("ready", onCommandsReady);

  // Anti-entropy, after each reload: what the mirror holds and Redis lacks is written back. One at a time, in order.
  let reconciling = Promise.resolve();
  function reconcile(stored: StoredEntries, readAt: number) {
    reconciling = reconciling.then(async () => {
      if (closed) return;
      // Compared in chunks, the event loop running between them: a mirror of millions does not block the process.
      const missing = await stored.missingFrom(entries.live(readAt));
      if (missing.length === 0 || closed) return;
      try {
        const written = await writeBack(missing, writeMany, () => !closed);
        report({ type: "written_back", entries: written });
      } catch (err) {
        // The next reconnection (or catch-up) reloads, and writes back again.
        if (!closed) onError(err);
      }
    });
  }

  const connect = async (client: RedisClientLike) => {
    if (!client.isOpen) await client.connect();
  };
  const commandsConnected = connect(commands);
  const subscribed = (async () => {
    await commandsConnected;
    if (subscriber === undefined) return;
    await connect(subscriber);
    await subscriber.subscribe(store.channel, onMessage);
  })();
  if (catchUpMode) {
    // Loaded once connected (retried until it is); afterwards only when a check needs it.
    void commandsConnected.then(() => catchUpNow(), () => undefined);
    commandsConnected.catch(onError);
  } else {
    // The first 'ready' loads the mirror (onReady); a failure to connect at all is reported, and retried by node-redis.
    subscribed.catch(onError);
  }

  // Once, after connecting: may this Redis evict the list (and its revocations)?
  const evictionChecked = commandsConnected.then(async () => {
    let policy: string;
    try {
      policy = await run("CONFIG", "revocation.eviction_policy", () => readEvictionPolicy(commands));
    } catch (err) {
      if (!closed) report({ type: "eviction_unchecked", error: err instanceof Error ? err.message : String(err) });
      return;
    }
    if (closed || policy === "noeviction") return;
    if (onEvent !== undefined) report({ type: "eviction_risk", policy });
    else process.emitWarning(evictionWarning(policy), { code: EVICTION_WARNING_CODE });
  }, () => undefined);
  // ready(): the mirror is loaded and the eviction warning, if any, given.
  let evictionDone = false;
  const readyPromise = Promise.all([loadedPromise, evictionChecked]).then(() => {
    evictionDone = true;
  });

  // Heartbeats prove the pub/sub path; a catch-up list has none to prove.
  const heartbeat = catchUpMode
    ? undefined
    : setInterval(() => {
        if (!commands.isReady) return;
        // A heartbeat that Redis ran proves that writes to the list go through again (on a cluster, after a
        // failover): deliver the outbox now rather than at its next back-off retry.
        run("EVAL", "revocation.heartbeat", () => store.heartbeat(commands)).then(() => {
          if (outbox.size > 0) void outbox.flush();
        }, onError);
      }, heartbeatMs).unref();

  /** Direct writes not yet answered: close() waits for them (a failed one joins the outbox) within its deadline. */
  const inFlight = new Set<Promise<void>>();
  const queued = (why: string) =>
    new RevocationUnavailableError(`cognito-bearer: ${why}: the revocation applies on this instance now and is queued for Redis`, { queued: true });
  let writeFailedAt = -Infinity;
  const writeFailed = (err: unknown) => {
    const now = Date.now();
    if (now - writeFailedAt < timeoutMs) return;
    writeFailedAt = now;
    onError(err);
  };
  async function revoke(entry: RevocationEntry): Promise<void> {
    // This instance enforces it at once, whatever Redis says.
    entries.add(entry);
    if (closed) throw new RevocationUnavailableError("cognito-bearer: the revocation list is closed: the revocation applies on this instance only");
    // Behind entries still waiting (in order), or with no connection: straight to the outbox.
    if (outbox.size > 0 || !commands.isReady) {
      outbox.push(entry);
      throw queued(outbox.size > 1 ? "earlier revocations still wait for Redis" : "Redis is unreachable");
    }
    const writing = write(entry);
    inFlight.add(writing);
    try {
      await writing;
    } catch (err) {
      // Closed meanwhile (close() stopped waiting for this write): nothing will deliver it.
      if (closed) throw new RevocationUnavailableError("cognito-bearer: the revocation list closed before Redis stored the revocation: it applies on this instance only");
      // Reported (a burst of failures, e.g. a paused Redis, once per commandTimeoutMs): never a silent queue.
      writeFailed(err);
      outbox.push(entry);
      throw queued(`Redis did not store the revocation (${err instanceof Error ? err.message : String(err)})`);
    } finally {
      inFlight.delete(writing);
    }
  }

  const stale = () => !loaded || Date.now() - confirmedAt > boundMs;

  return {
    revokeSession: async (auth) => revoke(entryFor("session", auth, shared)),
    revokeToken: async (auth) => revoke(entryFor("token", auth, shared)),
    revokeUser: async (sub, userOptions) => revoke(entryFor("user", sub, shared, userOptions)),
    check(claims) {
      if (stale()) {
        // A caller that did not ask for a catch-up first (an older core) gets one started for the next check.
        if (catchUpMode) void catchUp();
        if (onUnavailable === "reject") return "unavailable";
      }
      return entries.isRevoked(claims);
    },
    // Only a catch-up list has the hook: a subscribed one never makes the verifier wait.
    ...(catchUpMode ? { catchUp } : {}),
    stats: (): RevocationStats => entries.stats(),
    ready: (readyOptions) => {
      if (loaded && evictionDone) return Promise.resolve();
      return readyWithin(readyPromise, closedSignal.signal, readyOptions, (reason, ms) =>
        reason === "closed"
          ? new RevocationUnavailableError("cognito-bearer: the revocation list was closed before it was loaded")
          : new RevocationUnavailableError(`cognito-bearer: the revocation list was not loaded within ${ms} ms (${lastError ?? "Redis did not answer"})`),
      );
    },
    pending: () => outbox.size,
    confirmedAt: () => confirmedAt,
    close() {
      closing ??= (async () => {
        // A graceful shutdown delivers what waits first (revokes made meanwhile join the outbox), within a deadline:
        // writes in flight are awaited (one that fails joins the outbox), then the outbox is drained.
        const deadline = Date.now() + closeTimeoutMs;
        if (inFlight.size > 0) {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([Promise.allSettled([...inFlight]), new Promise((resolve) => (timer = setTimeout(resolve, closeTimeoutMs)))]);
          clearTimeout(timer);
        }
        const left = (outbox.size > 0 ? await outbox.drain(deadline) : 0) + inFlight.size;
        closed = true;
        closedSignal.abort();
        outbox.stop();
        if (left > 0) {
          alert(
            { type: "outbox_abandoned", entries: left },
            `cognito-bearer: the revocation list closed with ${left} revocation(s) Redis never stored; other instances do not enforce them`,
            OUTBOX_WARNING_CODE,
          );
        }
        clearInterval(heartbeat);
        clearTimeout(retryTimer);
        subscriber?.off("end", lost);
        subscriber?.off("reconnecting", lost);
        subscriber?.off("ready", onReady);
        commands.off("ready", onCommandsReady);
        subscriber?.destroy();
        if (given === undefined) commands.destroy();
      })();
      return closing;
    },
  };
}

/** "subscribe" or "catch-up"; a near miss ("catchUp", "catch_up") is named. */
function resolveMode(value: unknown): (typeof MODES)[number] {
  if (value === undefined) return "subscribe";
  if (typeof value === "string" && (MODES as readonly string[]).includes(value)) return value as (typeof MODES)[number];
  const near = typeof value === "string" ? MODES.find((mode) => mode.replace(/[^a-z]/g, "") === value.toLowerCase().replace(/[^a-z]/g, "")) : undefined;
  throw new OptionsError(`mode must be "subscribe" or "catch-up"${near === undefined ? "" : ` (did you mean "${near}"?)`}`);
}

function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new OptionsError(`${name} must be a positive number`);
  return value;
}
