// The outbox: revocations accepted while Redis could not store them. Each was
// applied to this instance's mirror at once; the outbox writes them to Redis,
// oldest first, many per round trip (one script call per batch), as soon as Redis answers again (when the connection is ready
// again, and retried with back-off meanwhile), and other instances then enforce
// them. Nothing leaves it but by being written, or by expiring (an expired
// entry refuses nothing anywhere, so writing it would change nothing). A second
// revoke of the same entry while it waits merges into it (the later expiry, the
// later `before`) and keeps its place: a retried sign-out does not grow it.
//
// An outbox that cannot be delivered within `alertMs` is reported (and again
// every `alertMs` while it stays stuck): never dropped in silence.
import type { RevocationEntry } from "@cognito-bearer/core/adapter";

export interface OutboxOptions {
  /** Writes entries to Redis in this order, in one round trip (with its own timeout); rejects on failure. */
  write(entries: RevocationEntry[]): Promise<void>;
  /** Whether a write may be tried now (the connection is ready). */
  canWrite(): boolean;
  /** How long the oldest entry may wait before `stalled` is called. */
  alertMs: number;
  stalled(entries: number, oldestAgeSeconds: number): void;
  /** Called once the outbox is empty again after holding entries. */
  delivered(entries: number, durationMs: number): void;
  error(err: unknown): void;
}

const RETRY_MIN_MS = 100;
/**
 * Entries written per round trip. One at a time, a backlog drained at one write per round trip (~5,000/s), slower
 * than revokes may arrive: after any blip every later revoke joined the outbox for good. A batch drains it far
 * faster than revokes arrive, and once it is empty new revokes go direct again.
 */
const BATCH = 500;
const RETRY_MAX_MS = 5000;

interface Pending {
  entry: RevocationEntry;
  queuedAt: number;
}

export class RevocationOutbox {
  private readonly queue = new Map<string, Pending>();
  private flushing: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = RETRY_MIN_MS;
  private alertTimer: NodeJS.Timeout | undefined;
  private lastAlertAt = -Infinity;
  /** When the outbox last went from empty to holding entries, and how many it has taken since. */
  private since = 0;
  private taken = 0;
  private stopped = false;

  constructor(private readonly o: OutboxOptions) {}

  get size(): number {
    return this.queue.size;
  }

  /** Queues an entry (merged into a queued one for the same session, token or user) and tries to deliver at once. */
  push(entry: RevocationEntry, now = Date.now()): void {
    const key = `${entry.kind}:${entry.id}`;
    const current = this.queue.get(key);
    if (current === undefined) {
      if (this.queue.size === 0) {
        this.since = now;
        this.taken = 0;
      }
      this.queue.set(key, { entry, queuedAt: now });
      this.taken++;
    } else {
      current.entry = merge(current.entry, entry);
    }
    if (this.alertTimer === undefined && !this.stopped) {
      this.alertTimer = setInterval(() => this.checkAlert(), Math.max(50, Math.min(1000, this.o.alertMs / 2))).unref();
    }
    void this.flush();
  }

  /** Writes what it can, in order; resolves when this attempt ends (the outbox may still hold entries). */
  flush(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.flushing ??= this.run().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async run(): Promise<void> {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    while (this.queue.size > 0 && !this.stopped) {
      const batch: [string, RevocationEntry][] = [];
      const now = Date.now();
      for (const [key, pending] of this.queue) {
        // Expired while it waited: it refuses nothing anywhere any more.
        if (pending.entry.expiresAt <= now) {
          this.queue.delete(key);
          continue;
        }
        batch.push([key, pending.entry]);
        if (batch.length >= BATCH) break;
      }
      if (batch.length === 0) continue;
      if (!this.o.canWrite()) break;
      try {
        await this.o.write(batch.map(([, entry]) => entry));
      } catch (err) {
        this.o.error(err);
        break;
      }
      // A revoke merged into one while it was written is written again (it kept its place).
      for (const [key, written] of batch) if (this.queue.get(key)?.entry === written) this.queue.delete(key);
    }
    if (this.queue.size > 0) {
      if (!this.stopped) {
        this.retryTimer = setTimeout(() => void this.flush(), this.retryMs).unref();
        this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
      }
      return;
    }
    this.retryMs = RETRY_MIN_MS;
    if (this.alertTimer !== undefined) {
      clearInterval(this.alertTimer);
      this.alertTimer = undefined;
      this.lastAlertAt = -Infinity;
      this.o.delivered(this.taken, Date.now() - this.since);
    }
  }

  private checkAlert(now = Date.now()): void {
    const oldest = this.queue.values().next().value as Pending | undefined;
    if (oldest === undefined) return;
    const age = now - oldest.queuedAt;
    if (age >= this.o.alertMs && now - this.lastAlertAt >= this.o.alertMs) {
      this.lastAlertAt = now;
      this.o.stalled(this.queue.size, Math.round(age / 100) / 10);
    }
  }

  /** Tries to deliver everything until `deadline` (epoch ms); resolves to what is left (expired entries not counted). */
  async drain(deadline: number): Promise<number> {
    for (;;) {
      // A write that hangs (a paused Redis) does not hold the deadline back.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.flush(), new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))))]);
      clearTimeout(timer);
      const left = [...this.queue.values()].filter((pending) => pending.entry.expiresAt > Date.now()).length;
      if (left === 0 || Date.now() >= deadline) return left;
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, Math.max(1, deadline - Date.now()))));
    }
  }

  /** Stops its timers for good. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.alertTimer);
    this.alertTimer = undefined;
  }
}

function merge(a: RevocationEntry, b: RevocationEntry): RevocationEntry {
  const expiresAt = Math.max(a.expiresAt, b.expiresAt);
  if (a.kind === "user" && b.kind === "user") return { kind: "user", id: a.id, before: Math.max(a.before, b.before), expiresAt };
  return { ...a, expiresAt };
}
