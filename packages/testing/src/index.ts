export { createTestIssuer } from "./issuer.js";
export type {
  MintOptions,
  PublicKeyInfo,
  RotateKeyOptions,
  TestIssuer,
  TestIssuerOptions,
  TestIssuerVerifierOptions,
} from "./issuer.js";
export type { ClaimOverrides } from "./tokens.js";
export type { JwksFault } from "./faults.js";
export type { SigningAlgorithm } from "./keys.js";
