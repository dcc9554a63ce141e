import { generateKeyPairSync, type JsonWebKey, type KeyObject } from "node:crypto";
import { randomKid } from "./random.js";

export type SigningAlgorithm = "RS256" | "RS384" | "RS512" | "ES256" | "ES384" | "ES512";

export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512"];

interface AlgorithmParameters {
  /** Digest handed to crypto.sign. */
  readonly hash: "sha256" | "sha384" | "sha512";
  /** Named curve for ES*; absent for RSA. */
  readonly curve?: "P-256" | "P-384" | "P-521";
}

// ES512 uses P-521 (not a typo): RFC 7518 pairs SHA-512 with the 521-bit curve.
const PARAMETERS: Record<SigningAlgorithm, AlgorithmParameters> = {
  RS256: { hash: "sha256" },
  RS384: { hash: "sha384" },
  RS512: { hash: "sha512" },
  ES256: { hash: "sha256", curve: "P-256" },
  ES384: { hash: "sha384", curve: "P-384" },
  ES512: { hash: "sha512", curve: "P-521" },
};

export function isSigningAlgorithm(value: unknown): value is SigningAlgorithm {
  return typeof value === "string" && (SIGNING_ALGORITHMS as readonly string[]).includes(value);
}

export function hashFor(algorithm: SigningAlgorithm): AlgorithmParameters["hash"] {
  return PARAMETERS[algorithm].hash;
}

export interface SigningKey {
  readonly kid: string;
  readonly algorithm: SigningAlgorithm;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The public key as the JWKS publishes it. Never hand this object out: copy it. */
  readonly jwk: JsonWebKey;
}

export function generateSigningKey(algorithm: SigningAlgorithm): SigningKey {
  const { curve } = PARAMETERS[algorithm];
  // 2048-bit RSA is what Cognito uses, and it keeps key generation fast enough for tests.
  const { privateKey, publicKey } = curve
    ? generateKeyPairSync("ec", { namedCurve: curve })
    : generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = randomKid();
  const exported = publicKey.export({ format: "jwk" });
  // Cognito's JWKS entries carry kid, alg and use next to the key material.
  const jwk: JsonWebKey = curve
    ? { kid, alg: algorithm, kty: "EC", use: "sig", crv: exported.crv, x: exported.x, y: exported.y }
    : { kid, alg: algorithm, kty: "RSA", use: "sig", n: exported.n, e: exported.e };
  return { kid, algorithm, privateKey, publicKey, jwk };
}

/**
 * All keys the issuer has ever created, which of them is signing, and which are
 * published. Keys are never forgotten: a withdrawn key can still sign, which is
 * exactly what tests for "the issuer withdrew this key" need.
 */
export class KeyRing {
  readonly #keys = new Map<string, SigningKey>();
  readonly #published = new Set<string>();
  #current: SigningKey;

  constructor(algorithm: SigningAlgorithm) {
    this.#current = this.#add(algorithm);
  }

  get current(): SigningKey {
    return this.#current;
  }

  /** Published kids, oldest first (the order the JWKS lists them in). */
  get publishedKids(): string[] {
    return [...this.#published];
  }

  get(kid: string | undefined): SigningKey {
    if (kid === undefined) return this.#current;
    const key = this.#keys.get(kid);
    if (!key) throw new Error(`Unknown kid "${kid}": this issuer never created such a key`);
    return key;
  }

  rotate(algorithm: SigningAlgorithm, retireOthers: boolean): SigningKey {
    if (retireOthers) this.#published.clear();
    this.#current = this.#add(algorithm);
    return this.#current;
  }

  withdraw(kid: string): void {
    this.get(kid);
    this.#published.delete(kid);
  }

  publishedJwks(): JsonWebKey[] {
    return this.publishedKids.map((kid) => ({ ...this.get(kid).jwk }));
  }

  #add(algorithm: SigningAlgorithm): SigningKey {
    const key = generateSigningKey(algorithm);
    this.#keys.set(key.kid, key);
    this.#published.add(key.kid);
    return key;
  }
}
