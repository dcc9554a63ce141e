// The revocation list of one process: exact, immediate, and gone on restart.
// Enough for a single instance (and for the demo); several instances need a
// shared list such as @cognito-bearer/redis.
import { entryFor, resolveRevocationOptions, RevocationEntries } from "./entries.js";
import type { RevocationList, RevocationListOptions } from "./list.js";

export function createMemoryRevocationList(options?: RevocationListOptions): RevocationList {
  const resolved = resolveRevocationOptions(options);
  const entries = new RevocationEntries(resolved.requireOriginJti);
  // Bad input throws synchronously inside an async method: a rejected promise, like every other failure of a revoke.
  return {
    async revokeSession(auth) {
      entries.add(entryFor("session", auth, resolved));
    },
    async revokeToken(auth) {
      entries.add(entryFor("token", auth, resolved));
    },
    async revokeUser(sub, userOptions) {
      entries.add(entryFor("user", sub, resolved, userOptions));
    },
    check: (claims) => entries.isRevoked(claims),
    stats: () => entries.stats(),
    async close() {},
  };
}
