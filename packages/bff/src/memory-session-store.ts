// Sessions in this process's memory: the default, for one instance (and the
// demo). Expired entries are swept as new ones arrive.
import type { SessionStore, StoredSession, Transaction } from "./session-store.js";

const SWEEP_INTERVAL_MS = 60_000;

export function createMemorySessionStore(): SessionStore {
  const sessions = new Map<string, StoredSession>();
  const transactions = new Map<string, { transaction: Transaction; expiresAt: number }>();
  const locks = new Map<string, { token: object; until: number }>();
  let nextSweepAt = 0;

  const sweep = (now: number) => {
    if (now < nextSweepAt) return;
    nextSweepAt = now + SWEEP_INTERVAL_MS;
    for (const [id, session] of sessions) if (session.expiresAt <= now) sessions.delete(id);
    for (const [id, entry] of transactions) if (entry.expiresAt <= now) transactions.delete(id);
    for (const [id, lock] of locks) if (lock.until <= now) locks.delete(id);
  };
  const live = (id: string): StoredSession | undefined => {
    const session = sessions.get(id);
    if (session !== undefined && session.expiresAt <= Date.now()) {
      sessions.delete(id);
      return undefined;
    }
    return session;
  };
  // Copies in and out, as a remote store would: a caller cannot change what is stored behind its back.
  const copy = (session: StoredSession): StoredSession => ({ ...session, originJtis: [...session.originJtis] });

  return {
    async get(id) {
      const session = live(id);
      return session && copy(session);
    },
    async create(id, session) {
      sweep(Date.now());
      sessions.set(id, copy(session));
    },
    async replace(id, expectedVersion, session) {
      const current = live(id);
      if (current === undefined || current.version !== expectedVersion) return false;
      sessions.set(id, copy(session));
      return true;
    },
    async delete(id) {
      sessions.delete(id);
    },
    async lock(id, leaseMs) {
      const now = Date.now();
      const held = locks.get(id);
      if (held !== undefined && held.until > now) return undefined;
      const token = {};
      locks.set(id, { token, until: now + leaseMs });
      return async () => {
        if (locks.get(id)?.token === token) locks.delete(id);
      };
    },
    async putTransaction(id, transaction, ttlMs) {
      const now = Date.now();
      sweep(now);
      transactions.set(id, { transaction: { ...transaction }, expiresAt: now + ttlMs });
    },
    async takeTransaction(id) {
      const entry = transactions.get(id);
      transactions.delete(id);
      return entry !== undefined && entry.expiresAt > Date.now() ? entry.transaction : undefined;
    },
    async close() {
      sessions.clear();
      transactions.clear();
      locks.clear();
    },
  };
}
