// The in-process figures of the revocation bench (no Redis): a cache hit's
// CPU cost with no list, an empty memory list and a memory list of `entries`
// revoked sessions, in alternating rounds; and the heap a mirror of `entries`
// session entries holds. Run with --expose-gc for a precise heap figure.
import { randomUUID } from "node:crypto";
import { createMemoryRevocationList, createVerifier } from "@cognito-bearer/core";
import { RevocationEntries } from "@cognito-bearer/core/adapter";

const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/** Heap held by a mirror (core's RevocationEntries) of `entries` session entries with UUID ids, after two full GCs. */
export function measureMirrorMemory({ entries: count }) {
  global.gc?.();
  global.gc?.();
  const before = process.memoryUsage().heapUsed;
  const entries = new RevocationEntries(false);
  const expiresAt = Date.now() + 3_600_000;
  // Ids as they arrive from a decoded token or a Redis message: flat strings
  // (randomUUID() builds its result by concatenation, a rope several times larger).
  const ids = JSON.parse(JSON.stringify(Array.from({ length: count }, () => randomUUID())));
  for (let i = 0; i < count; i++) entries.add({ kind: "session", id: ids[i], expiresAt });
  globalThis.measuredMirror = entries; // kept alive through the measurement
  global.gc?.();
  global.gc?.();
  const after = process.memoryUsage().heapUsed;
  delete globalThis.measuredMirror;
  // Counted: the entries and their ids (a mirror holds its ids), plus the id array (0.8 MiB per 100,000).
  return { entries: count, heapBytes: after - before, gc: Boolean(global.gc) };
}

/** CPU per `authenticate(header)` cache hit (ns), per verifier and round. */
export async function measureCacheHit({ issuer, entries, rounds, calls }) {
  const full = createMemoryRevocationList();
  const verifiers = {
    "no revocation list": createVerifier(issuer.verifierOptions),
    "empty memory list": createVerifier({ ...issuer.verifierOptions, revocations: createMemoryRevocationList() }),
    [`memory list with ${entries.toLocaleString("en")} revoked sessions`]: createVerifier({ ...issuer.verifierOptions, revocations: full }),
  };
  for (let i = 0; i < entries; i++) {
    await full.revokeSession({ claims: { origin_jti: randomUUID(), exp: Math.floor(Date.now() / 1000) + 3600 } });
  }
  const header = `Bearer ${issuer.mintAccessToken()}`;
  const headers = Array.from({ length: 64 }, () => header.slice(0, 7) + header.slice(7)); // distinct strings, as in HTTP
  for (const verifier of Object.values(verifiers)) await verifier.authenticate(header);
  const perCall = Object.fromEntries(Object.keys(verifiers).map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, verifier] of Object.entries(verifiers)) {
      const started = cpuMicros();
      for (let i = 0; i < calls; i++) verifier.authenticate(headers[i & 63]);
      perCall[name].push(((cpuMicros() - started) * 1000) / calls);
    }
  }
  for (const verifier of Object.values(verifiers)) verifier.close();
  return { rounds, calls, perCall };
}
