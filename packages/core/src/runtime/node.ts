// The Node implementation of the runtime interface (runtime.ts): node:http(s)
// for the JWKS, node:crypto for keys, signatures and sealing. Also what Jest
// and every Node-targeting bundle resolve `#runtime` to.
import { createCipheriv, createDecipheriv, createPublicKey, hkdfSync, randomBytes, verify as cryptoVerify, type JsonWebKey } from "node:crypto";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { FetchError } from "aws-jwt-verify/error";
import type { Sealer } from "../adapter/seal.js";
import type { FetchLimits, Runtime } from "./runtime.js";

export const runtime: Runtime = {
  name: "node",
  syncSignatures: true,
  fetchJwksBody,
  loadsAsPublicKey(jwk) {
    try {
      createPublicKey({ key: jwk as JsonWebKey, format: "jwk" });
      return Promise.resolve(true);
    } catch {
      return Promise.resolve(false);
    }
  },
  verifySignature(jwk, alg, signingInput, signature) {
    try {
      const key = createPublicKey({ key: jwk as JsonWebKey, format: "jwk" });
      const hash = alg.startsWith("RS") || alg.startsWith("ES") ? `sha${alg.slice(2)}` : null;
      return Promise.resolve(cryptoVerify(hash, Buffer.from(signingInput), { key, dsaEncoding: "ieee-p1363" }, signature));
    } catch (err) {
      return Promise.reject(err);
    }
  },
  setTimeoutUnref(callback, delayMs) {
    return setTimeout(callback, delayMs).unref();
  },
  warn(message, code) {
    process.emitWarning(message, { code });
  },
  environment(name) {
    return process.env[name];
  },
  createSealer,
};

function fetchJwksBody(uri: string, { timeoutMs, maxResponseBytes }: FetchLimits): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const url = new URL(uri);
    const request = url.protocol === "http:" ? httpRequest : httpsRequest;
    let settled = false;
    const finish = (err: Error | null, body?: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (err) {
        req.destroy();
        reject(err);
      } else {
        resolve(body!);
      }
    };
    const send = (retry: boolean) => {
      const attempt = request(url, { method: "GET", headers: { accept: "application/json", "user-agent": "cognito-bearer" } }, (res) => {
        readBody(res, uri, maxResponseBytes, finish);
      });
      attempt.on("error", (err: NodeJS.ErrnoException) => {
        // A kept-alive socket the server closed just as we reused it: retry once on
        // a new connection, within the same deadline (Node's documented remedy).
        if (retry && !settled && attempt.reusedSocket && err.code === "ECONNRESET") req = send(false);
        else finish(new FetchError(uri, `JWKS fetch failed: ${err.message}`));
      });
      attempt.end();
      return attempt;
    };
    let req = send(true);
    const deadline = setTimeout(() => finish(new FetchError(uri, `JWKS fetch timed out after ${timeoutMs} ms`)), timeoutMs);
    deadline.unref();
  });
}

function readBody(res: IncomingMessage, uri: string, maxBytes: number, finish: (err: Error | null, body?: Buffer) => void): void {
  if (res.statusCode !== 200) {
    res.resume();
    finish(Object.assign(new FetchError(uri, `JWKS endpoint answered ${res.statusCode}`), { status: res.statusCode }));
    return;
  }
  const declared = Number(res.headers["content-length"]);
  if (declared > maxBytes) {
    finish(new FetchError(uri, `JWKS response is larger than ${maxBytes} bytes`));
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  res.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBytes) finish(new FetchError(uri, `JWKS response is larger than ${maxBytes} bytes`));
    else chunks.push(chunk);
  });
  res.on("end", () => finish(null, Buffer.concat(chunks)));
  res.on("error", (err) => finish(new FetchError(uri, `JWKS response failed: ${err.message}`)));
  // After "end" this is a no-op; before it, the connection dropped mid-body.
  res.on("close", () => finish(new FetchError(uri, "JWKS response ended early")));
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

function createSealer(secrets: readonly (string | Uint8Array)[], info: string): Sealer {
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
