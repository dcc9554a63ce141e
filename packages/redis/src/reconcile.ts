// Anti-entropy: after every (re)connection, an instance compares its mirror
// with what its reload read from Redis, and writes back the live entries Redis
// lacks (or holds with an earlier expiry, or an earlier `before` for a user). A
// Redis restarted empty (no persistence, a failover to a replica that missed
// writes, an evicted key) thereby gets back every revocation any running
// instance still holds, and an instance started afterwards loads them. Each
// write-back is the ordinary write (ZADD GT: never lowers an expiry; published:
// instances already running hear it too), so it is idempotent and commutes
// with every other write.
import type { RevocationEntry } from "@cognito-bearer/core/adapter";

/** Entries are written back this many per script call. */
const BATCH = 256;

/** The entries a reload read from Redis, merged by session, token and user: built page by page, compared at the end. */
export class StoredEntries {
  private readonly known = new Map<string, RevocationEntry>();

  add(entries: Iterable<RevocationEntry>): void {
    for (const entry of entries) {
      const key = `${entry.kind}:${entry.id}`;
      const current = this.known.get(key);
      if (current === undefined) this.known.set(key, entry);
      else if (current.kind === "user" && entry.kind === "user") {
        this.known.set(key, { ...current, before: Math.max(current.before, entry.before), expiresAt: Math.max(current.expiresAt, entry.expiresAt) });
      } else if (entry.expiresAt > current.expiresAt) this.known.set(key, entry);
    }
  }

  /** Whether Redis lacks `entry` (or holds it with less). */
  lacks(entry: RevocationEntry): boolean {
    const there = this.known.get(`${entry.kind}:${entry.id}`);
    if (there === undefined || there.expiresAt < entry.expiresAt) return true;
    return entry.kind === "user" && there.kind === "user" && there.before < entry.before;
  }

  /** The entries of `mirror` that Redis lacks; the event loop runs every `chunk` entries (a mirror of millions does not block the process). */
  async missingFrom(mirror: Iterable<RevocationEntry>, chunk = 10_000): Promise<RevocationEntry[]> {
    const missing: RevocationEntry[] = [];
    let n = 0;
    for (const entry of mirror) {
      if (this.lacks(entry)) missing.push(entry);
      if (++n % chunk === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return missing;
  }
}

/** The entries of `mirror` that `stored` lacks or holds with less. */
export function missingFrom(stored: readonly RevocationEntry[], mirror: Iterable<RevocationEntry>): RevocationEntry[] {
  const known = new StoredEntries();
  known.add(stored);
  return [...mirror].filter((entry) => known.lacks(entry));
}

/** Writes `entries` (in batches, one script call each); resolves to how many were written, rejects on the first failure. */
export async function writeBack(
  entries: readonly RevocationEntry[],
  write: (batch: RevocationEntry[]) => Promise<void>,
  stillWanted: () => boolean,
): Promise<number> {
  let written = 0;
  for (let i = 0; i < entries.length && stillWanted(); i += BATCH) {
    const batch = entries.slice(i, i + BATCH);
    await write(batch);
    written += batch.length;
  }
  return written;
}
