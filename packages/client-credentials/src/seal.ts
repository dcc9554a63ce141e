// Tokens in Redis are sealed (AES-256-GCM) with a key derived from the client
// secret (HKDF-SHA256), so whoever can read Redis (a replica, a backup, a
// MONITOR session, a misconfigured ACL) holds ciphertext, not a bearer token:
// only an instance that knows the secret, and could ask Cognito itself, can
// open it. The cache key is the additional data, so a value cannot be moved to
// another key (another client or scope set) and opened there.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const VERSION = "v1";

export function sealingKey(clientSecret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync("sha256", clientSecret, "cognito-bearer client-credentials cache", purpose, 32));
}

export function seal(key: Buffer, plaintext: string, additionalData: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(additionalData));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [VERSION, iv.toString("base64url"), body.toString("base64url"), cipher.getAuthTag().toString("base64url")].join(".");
}

/** The plaintext, or undefined when the value was sealed with another key (a rotated secret) or tampered with. */
export function open(key: Buffer, sealed: string, additionalData: string): string | undefined {
  const [version, iv, body, tag] = sealed.split(".");
  if (version !== VERSION || iv === undefined || body === undefined || tag === undefined) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(additionalData));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    return undefined;
  }
}
