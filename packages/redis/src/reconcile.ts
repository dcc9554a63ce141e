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

/** Entries are written back this many at a time (node-redis pipelines concurrent commands). */
const BATCH = 256;

/** The entries of `mirror` that `stored` lacks or holds with less. */
export function missingFrom(stored: readonly RevocationEntry[], mirror: Iterable<RevocationEntry>): RevocationEntry[] {
  const known = new Map<string, RevocationEntry>();
  for (const entry of stored) {
    const key = `${entry.kind}:${entry.id}`;
    const current = known.get(key);
    if (current === undefined) known.set(key, entry);
    else if (current.kind === "user" && entry.kind === "user") {
      known.set(key, { ...current, before: Math.max(current.before, entry.before), expiresAt: Math.max(current.expiresAt, entry.expiresAt) });
    } else if (entry.expiresAt > current.expiresAt) known.set(key, entry);
  }
  const missing: RevocationEntry[] = [];
  for (const entry of mirror) {
    const there = known.get(`${entry.kind}:${entry.id}`);
    if (there === undefined || there.expiresAt < entry.expiresAt) missing.push(entry);
    else if (entry.kind === "user" && there.kind === "user" && there.before < entry.before) missing.push(entry);
  }
  return missing;
}

/** Writes `entries` (in batches); resolves to how many were written, rejects on the first failure. */
export async function writeBack(entries: readonly RevocationEntry[], write: (entry: RevocationEntry) => Promise<void>, stillWanted: () => boolean): Promise<number> {
  let written = 0;
  for (let i = 0; i < entries.length && stillWanted(); i += BATCH) {
    const batch = entries.slice(i, i + BATCH);
    await Promise.all(batch.map(write));
    written += batch.length;
  }
  return written;
}
