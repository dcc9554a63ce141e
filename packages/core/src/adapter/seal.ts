// Records sealed with AES-256-GCM under keys derived from the caller's secrets
// by HKDF: the first secret seals, every one opens (rotation). Each record is
// bound to associated data (AAD), which the caller makes the Redis key name and
// the record's kind: a record copied under another key, or read as another
// kind, does not open. Text form: `<iv>.<ciphertext+tag>`, both base64url.
// Shared by the token handler (its sign-in cookies) and the Redis session
// store (sessions at rest); Node only, like both of them.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

export interface Sealer {
  seal(value: unknown, aad: string): string;
  /** The value, or undefined when no key opens the record under `aad` (wrong key, other AAD, tampered, not a record). */
  open(text: unknown, aad: string): unknown;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

export function createSealer(secrets: readonly (string | Buffer)[], info: string): Sealer {
  const keys = secrets.map((secret) => Buffer.from(hkdfSync("sha256", secret, "cognito-bearer", info, 32)));
  return {
    seal(value, aad) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", keys[0], iv);
      cipher.setAAD(Buffer.from(aad, "utf8"));
      const sealed = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final(), cipher.getAuthTag()]);
      return `${iv.toString("base64url")}.${sealed.toString("base64url")}`;
    },
    open(text, aad) {
      if (typeof text !== "string") return undefined;
      const parts = text.split(".");
      if (parts.length !== 2) return undefined;
      const iv = Buffer.from(parts[0], "base64url");
      const sealed = Buffer.from(parts[1], "base64url");
      if (iv.length !== IV_BYTES || sealed.length <= TAG_BYTES) return undefined;
      const tag = sealed.subarray(sealed.length - TAG_BYTES);
      const ciphertext = sealed.subarray(0, sealed.length - TAG_BYTES);
      for (const key of keys) {
        let plaintext: Buffer;
        try {
          const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
          decipher.setAAD(Buffer.from(aad, "utf8"));
          decipher.setAuthTag(tag);
          plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
        } catch {
          continue; // another key's record, another key name or kind, or tampered
        }
        try {
          return JSON.parse(plaintext.toString("utf8"));
        } catch {
          return undefined;
        }
      }
      return undefined;
    },
  };
}
