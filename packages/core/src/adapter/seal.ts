// Records sealed with AES-256-GCM under keys derived from the caller's secrets
// by HKDF: the first secret seals, every one opens (rotation). Each record is
// bound to associated data (AAD), which the caller makes the Redis key name and
// the record's kind: a record copied under another key, or read as another
// kind, does not open. Text form: `<iv>.<ciphertext+tag>`, both base64url.
// Shared by the token handler (its sign-in cookies) and the Redis session
// store (sessions at rest); Node only, like both of them.
import { runtime } from "#runtime";

export interface Sealer {
  seal(value: unknown, aad: string): string;
  /** The value, or undefined when no key opens the record under `aad` (wrong key, other AAD, tampered, not a record). */
  open(text: unknown, aad: string): unknown;
}

/** The crypto lives in the runtime module (runtime/node.ts); on the web build this throws: sealing is Node-only. */
export function createSealer(secrets: readonly (string | Buffer)[], info: string): Sealer {
  return runtime.createSealer(secrets, info);
}
