// Sessions in this process's memory: the default, for one instance (and the
// demo). Expired entries are swept as new ones arrive. Only signed-in browsers
// are stored (sign-in transactions travel in a sealed cookie), so anonymous
// requests cannot grow it.
import type { SessionLock, SessionStore, StoredSession } from "./session-store.js";

const SWEEP_INTERVAL_MS = 60_000;
const memoryStores = new WeakSet<SessionStore>();

/** Whether `store` is one of ours in memory: nothing else shares it, so its sealing key may be this process's own. */
export function isMemorySessionStore(store: SessionStore): boolean {
  return memoryStores.has(store);
}

export function createMemorySessionStore(): SessionStore {
  /** Each session with the moment it ends: the earlier of its idle deadline and its absolute expiry. */
  const sessions = new Map<string, { session: StoredSession; until: number }>();
  const locks = new Map<string, { token: object; until: number }>();
  let nextSweepAt = 0;

  const sweep = (now: number) => {
    if (now < nextSweepAt) return;
    nextSweepAt = now + SWEEP_INTERVAL_MS;
    for (const [id, entry] of sessions) if (entry.until <= now) sessions.delete(id);
    for (const [id, lock] of locks) if (lock.until <= now) locks.delete(id);
  };
  const live = (id: string) => {
    const entry = sessions.get(id);
    if (entry !== undefined && entry.until <= Date.now()) {
      sessions.delete(id);
      return undefined;
    }
    return entry;
  };
  const holds = (id: string, lock: SessionLock | undefined) => lock === undefined || (lockTokens.get(lock) !== undefined && isHeld(id, lockTokens.get(lock)!));
  const isHeld = (id: string, token: object) => {
    const held = locks.get(id);
    return held !== undefined && held.token === token && held.until > Date.now();
  };
  const lockTokens = new WeakMap<SessionLock, object>();
  // Copies in and out, as a remote store would: a caller cannot change what is stored behind its back.
  const copy = (session: StoredSession): StoredSession => ({ ...session, originJtis: [...session.originJtis], accessTokenIds: session.accessTokenIds.map((entry) => ({ ...entry })) });

  const store: SessionStore = {
    async get(id) {
      const entry = live(id);
      return entry && copy(entry.session);
    },
    async create(id, session, idleUntil) {
      sweep(Date.now());
      sessions.set(id, { session: copy(session), until: Math.min(session.expiresAt, idleUntil) });
    },
    async replace(id, expectedVersion, session, lock) {
      const current = live(id);
      if (current === undefined || current.session.version !== expectedVersion || !holds(id, lock)) return false;
      sessions.set(id, { session: copy(session), until: Math.min(current.until, session.expiresAt) });
      return true;
    },
    async touch(id, until) {
      const current = live(id);
      if (current !== undefined) current.until = Math.min(until, current.session.expiresAt);
    },
    async delete(id, lock) {
      if (!holds(id, lock)) return false;
      return sessions.delete(id);
    },
    async lock(id, leaseMs) {
      const now = Date.now();
      const held = locks.get(id);
      if (held !== undefined && held.until > now) return undefined;
      const token = {};
      locks.set(id, { token, until: now + leaseMs });
      const lock: SessionLock = {
        async renew(renewMs) {
          if (!isHeld(id, token)) return false;
          locks.set(id, { token, until: Date.now() + renewMs });
          return true;
        },
        async release() {
          if (locks.get(id)?.token === token) locks.delete(id);
        },
      };
      lockTokens.set(lock, token);
      return lock;
    },
    async close() {
      sessions.clear();
      locks.clear();
    },
  };
  memoryStores.add(store);
  return store;
}
