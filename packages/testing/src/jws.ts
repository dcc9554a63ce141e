import { sign as cryptoSign } from "node:crypto";
import { hashFor, type SigningKey } from "./keys.js";

function encodeSegment(value: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
}

/**
 * JWS compact serialisation, signed with the key's own algorithm whatever the
 * header says: a header that lies about `alg` is a test case, not a mistake.
 */
export function signCompact(key: SigningKey, header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const signingInput = `${encodeSegment(header)}.${encodeSegment(payload)}`;
  // JWS wants ECDSA signatures as raw r||s (IEEE P1363), not Node's default DER.
  // The option is ignored for RSA keys.
  const signature = cryptoSign(hashFor(key.algorithm), Buffer.from(signingInput, "ascii"), {
    key: key.privateKey,
    dsaEncoding: "ieee-p1363",
  });
  return `${signingInput}.${signature.toString("base64url")}`;
}
