// The web-standard implementation of the runtime interface (runtime.ts):
// fetch for the JWKS, Web Crypto for keys and signatures. What `#runtime`
// resolves to under the workerd, worker, edge-light, browser, deno and bun
// conditions. It imports nothing from `node:`, and uses only globals every
// WinterTC runtime has (fetch, AbortController, crypto.subtle, setTimeout).
import { FetchError } from "aws-jwt-verify/error";
import type { Jwk } from "aws-jwt-verify/jwk";
import type { FetchLimits, Runtime } from "./runtime.js";
// Types only (erased from the build): the Web Crypto types as @types/node declares them, with no DOM lib.
import type { webcrypto } from "node:crypto";

type ImportAlgorithm = webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams | webcrypto.Algorithm;

export const runtime: Runtime = {
  name: "web",
  syncSignatures: false,
  fetchJwksBody,
  async loadsAsPublicKey(jwk) {
    try {
      await importPublicKey(jwk, jwk.alg);
      return true;
    } catch {
      return false;
    }
  },
  async verifySignature(jwk, alg, signingInput, signature) {
    const key = await importPublicKey(jwk, alg);
    return crypto.subtle.verify(signatureAlgorithm(jwk, alg), key, signature, new TextEncoder().encode(signingInput));
  },
  setTimeoutUnref(callback, delayMs) {
    // Outside Node there is no process to keep alive; Deno and Bun have unref, so use it where it exists.
    const timer = setTimeout(callback, delayMs) as ReturnType<typeof setTimeout> & { unref?: () => unknown };
    if (typeof timer === "object" && timer !== null && typeof timer.unref === "function") timer.unref();
    return timer;
  },
  warn(message, code) {
    // The platform's log is where an operator looks (Workers' tail, Vercel's function logs).
    console.warn(`${code}: ${message}`);
  },
  environment(name) {
    // Deno has Deno.env; Workers and edge runtimes pass configuration as bindings, not a process environment.
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
    return env?.[name];
  },
  createSealer() {
    throw new Error("cognito-bearer: sealed records (the token handler's cookies, the Redis session store) need Node's crypto; they are Node-only");
  },
};

/** The Web Crypto algorithm a JWK imports as, for signatures made with `alg` (or the key's own alg). */
function importAlgorithm(jwk: Jwk, alg: string | undefined): ImportAlgorithm {
  if (jwk.kty === "RSA") return { name: "RSASSA-PKCS1-v1_5", hash: `SHA-${(alg ?? "RS256").slice(2)}` };
  if (jwk.kty === "EC") return { name: "ECDSA", namedCurve: String(jwk.crv) };
  return { name: String(jwk.crv) }; // OKP: Ed25519 (Ed448 where the runtime has it)
}

function signatureAlgorithm(jwk: Jwk, alg: string): webcrypto.Algorithm | webcrypto.EcdsaParams {
  if (jwk.kty === "RSA") return { name: "RSASSA-PKCS1-v1_5" };
  if (jwk.kty === "EC") return { name: "ECDSA", hash: `SHA-${alg.slice(2)}` };
  return { name: String(jwk.crv) };
}

function importPublicKey(jwk: Jwk, alg: string | undefined): Promise<webcrypto.CryptoKey> {
  return crypto.subtle.importKey("jwk", jwk as webcrypto.JsonWebKey, importAlgorithm(jwk, alg), false, ["verify"]);
}

async function fetchJwksBody(uri: string, { timeoutMs, maxResponseBytes }: FetchLimits): Promise<Uint8Array> {
  const abort = new AbortController();
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, timeoutMs);
  const failed = (err: unknown) => new FetchError(uri, timedOut ? `JWKS fetch timed out after ${timeoutMs} ms` : `JWKS fetch failed: ${err instanceof Error ? err.message : String(err)}`);
  try {
    let response: Response;
    try {
      // redirect "manual": a redirect is an answer other than 200, as on Node (no JWKS from elsewhere).
      response = await fetch(uri, { method: "GET", headers: { accept: "application/json", "user-agent": "cognito-bearer" }, redirect: "manual", signal: abort.signal });
    } catch (err) {
      throw failed(err);
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      throw Object.assign(new FetchError(uri, `JWKS endpoint answered ${response.status}`), { status: response.status });
    }
    const tooLarge = () => new FetchError(uri, `JWKS response is larger than ${maxResponseBytes} bytes`);
    if (Number(response.headers.get("content-length")) > maxResponseBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw tooLarge();
    }
    if (response.body === null) return new Uint8Array(0);
    return await readLimited(response.body, maxResponseBytes, tooLarge, failed);
  } finally {
    clearTimeout(deadline);
  }
}

/** The whole body, unless it grows beyond maxBytes: then stop reading (cancel) rather than hold it. */
async function readLimited(body: ReadableStream<Uint8Array>, maxBytes: number, tooLarge: () => Error, failed: (err: unknown) => Error): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const step = await reader.read().catch((err: unknown) => {
      throw failed(err);
    });
    if (step.done) break;
    size += step.value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(step.value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
