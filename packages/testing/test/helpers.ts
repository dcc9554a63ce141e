import { createPublicKey, verify, type JsonWebKey } from "node:crypto";

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

export function decodeJwt(token: string): DecodedJwt {
  const parts = token.split(".");
  if (parts.length !== 3) throw new Error(`expected 3 parts, got ${parts.length}`);
  const [header, payload, signature] = parts;
  const json = (segment: string) => JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
  return {
    header: json(header),
    payload: json(payload),
    signingInput: `${header}.${payload}`,
    signature: Buffer.from(signature, "base64url"),
  };
}

const HASH: Record<string, string> = {
  RS256: "sha256",
  RS384: "sha384",
  RS512: "sha512",
  ES256: "sha256",
  ES384: "sha384",
  ES512: "sha512",
};

/** Verifies a JWS the way a JOSE library would: the alg from the JWK, ECDSA signatures as raw r||s. */
export function verifyWithJwk(token: string, jwk: JsonWebKey): boolean {
  const { signingInput, signature } = decodeJwt(token);
  const alg = String(jwk.alg);
  const key = createPublicKey({ key: jwk, format: "jwk" });
  return verify(HASH[alg], Buffer.from(signingInput), { key, dsaEncoding: "ieee-p1363" }, signature);
}

export async function fetchJwks(jwksUri: string): Promise<{ keys: JsonWebKey[] }> {
  const response = await fetch(jwksUri);
  if (response.status !== 200) throw new Error(`JWKS answered ${response.status}`);
  return (await response.json()) as { keys: JsonWebKey[] };
}

export async function fetchKey(jwksUri: string, kid: unknown): Promise<JsonWebKey> {
  const { keys } = await fetchJwks(jwksUri);
  const jwk = keys.find((k) => k.kid === kid);
  if (!jwk) throw new Error(`kid ${String(kid)} not in JWKS`);
  return jwk;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
