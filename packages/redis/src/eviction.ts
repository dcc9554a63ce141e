// Whether Redis may evict the revocation list. Under any maxmemory-policy but
// `noeviction`, Redis full of other data deletes keys to make room: the
// allkeys-* policies any key, the volatile-* ones any key with a TTL, and
// every key of the list has one. An evicted key takes its revocations with it,
// silently: no instance started afterwards sees them, and no error says so.
// Managed services may refuse CONFIG (ElastiCache renames it away); then the
// policy cannot be read, and only `onEvent` hears about it.
import type { CommandClient } from "./store.js";

/** The code of the process warning given when no `onEvent` is set. */
export const EVICTION_WARNING_CODE = "COGNITO_BEARER_REDIS_EVICTION";

/** The server's `maxmemory-policy`; rejects when CONFIG is refused (renamed away, ACL) or the answer names none. */
export async function readEvictionPolicy(client: CommandClient): Promise<string> {
  const reply = await client.sendCommand(["CONFIG", "GET", "maxmemory-policy"]);
  const policy = configValue(reply, "maxmemory-policy");
  if (policy === undefined) throw new Error("CONFIG GET maxmemory-policy named no policy");
  return policy.toLowerCase();
}

/** The warning's text: the policy, the risk and the remedy (never the server's address or credentials). */
export function evictionWarning(policy: string): string {
  return (
    `cognito-bearer: the Redis holding the revocation list has maxmemory-policy "${policy}": ` +
    `when it reaches maxmemory it may evict the list's keys, and the revocations in them are lost without an error. ` +
    `Use maxmemory-policy noeviction, or a separate Redis for revocations.`
  );
}

/** CONFIG GET replies: `[name, value, …]` in RESP2, a map (object or Map) in RESP3. */
function configValue(reply: unknown, name: string): string | undefined {
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) if (String(reply[i]) === name) return String(reply[i + 1]);
    return undefined;
  }
  if (reply instanceof Map) return reply.has(name) ? String(reply.get(name)) : undefined;
  if (typeof reply === "object" && reply !== null && name in reply) return String((reply as Record<string, unknown>)[name]);
  return undefined;
}
