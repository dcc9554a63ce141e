// Fetching a JWKS with the limits aws-jwt-verify's own fetcher lacks: plain http
// for emulators and tests (its fetcher speaks https only), one deadline for the
// whole exchange, and a cap on the response size, so a slow or hostile endpoint
// can hold neither a request nor memory. Failures are aws-jwt-verify's error
// classes, which errors.ts maps to 503.
import { JwksValidationError } from "aws-jwt-verify/error";
import { assertIsJwks, type Jwk, type Jwks } from "aws-jwt-verify/jwk";
import { safeJsonParse } from "aws-jwt-verify/safe-json-parse";
import { runtime } from "#runtime";
import { decodeBase64Url } from "./base64url.js";
import type { FetchLimits } from "./runtime/runtime.js";

export type { FetchLimits };

/** A JWK we can verify with: it has a kid, is meant for signatures, and its key material loads. */
export type UsableJwk = Jwk & { kid: string };

/** GET the JWKS and keep its usable signing keys; rejects when there are none. */
export async function fetchJwks(jwksUri: string, limits: FetchLimits): Promise<Map<string, UsableJwk>> {
  const body = await runtime.fetchJwksBody(jwksUri, limits);
  let jwks: ReturnType<typeof safeJsonParse>;
  try {
    jwks = safeJsonParse(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch {
    throw new JwksValidationError("JWKS is not valid JSON");
  }
  assertIsJwks(jwks);
  const keys = await usableKeys(jwks);
  if (keys.size === 0) throw new JwksValidationError("JWKS has no usable signing key");
  return keys;
}

async function usableKeys(jwks: Jwks): Promise<Map<string, UsableJwk>> {
  const keys = new Map<string, UsableJwk>();
  for (const jwk of jwks.keys) {
    if (typeof jwk.kid !== "string" || jwk.kid === "" || keys.has(jwk.kid)) continue;
    if (jwk.use !== undefined && jwk.use !== "sig") continue;
    if (jwk.kty !== "RSA" && jwk.kty !== "EC" && jwk.kty !== "OKP") continue;
    // Refuse RSA keys too short to be safe (RFC 7518 §3.3 requires 2048 bits).
    if (jwk.kty === "RSA" && rsaModulusBits(jwk.n) < 2048) continue;
    if (!(await runtime.loadsAsPublicKey(jwk))) continue;
    keys.set(jwk.kid, jwk as UsableJwk);
  }
  return keys;
}

/** The bit length of an RSA JWK's modulus (`n`, big-endian base64url), leading zero bytes aside; 0 when it does not decode. */
export function rsaModulusBits(n: unknown): number {
  if (typeof n !== "string") return 0;
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64Url(n);
  } catch {
    return 0;
  }
  let first = 0;
  while (first < bytes.length && bytes[first] === 0) first++;
  if (first === bytes.length) return 0;
  return (bytes.length - first - 1) * 8 + (32 - Math.clz32(bytes[first]));
}
