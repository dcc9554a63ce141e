// Authenticated encryption for what the token handler hands the browser to
// keep (the sign-in transaction cookie): AES-256-GCM under a key derived from
// the handler's secret by HKDF, bound to its purpose and name as associated
// data, so a value sealed for one cookie never opens as another. Several
// secrets may be given: the first seals, every one opens (rotation).
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

export interface Sealer {
  seal(value: unknown, associated: string): string;
  /** The value, or undefined when no key opens it (tampered, another secret, another name). */
  open<T>(text: string, associated: string): T | undefined;
}

export function createSealer(secrets: readonly (string | Buffer)[], purpose: string): Sealer {
  const keys = secrets.map((secret) => Buffer.from(hkdfSync("sha256", secret, "cognito-bearer", purpose, 32)));
  return {
    seal(value, associated) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", keys[0], iv);
      cipher.setAAD(Buffer.from(associated, "utf8"));
      const sealed = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final(), cipher.getAuthTag()]);
      return `${iv.toString("base64url")}.${sealed.toString("base64url")}`;
    },
    open<T>(text: string, associated: string): T | undefined {
      const dot = text.indexOf(".");
      if (dot < 0) return undefined;
      const iv = Buffer.from(text.slice(0, dot), "base64url");
      const sealed = Buffer.from(text.slice(dot + 1), "base64url");
      if (iv.length !== 12 || sealed.length < 17) return undefined;
      for (const key of keys) {
        try {
          const decipher = createDecipheriv("aes-256-gcm", key, iv);
          decipher.setAAD(Buffer.from(associated, "utf8"));
          decipher.setAuthTag(sealed.subarray(sealed.length - 16));
          return JSON.parse(Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]).toString("utf8")) as T;
        } catch {
          // Another key, or a value that was tampered with.
        }
      }
      return undefined;
    },
  };
}
