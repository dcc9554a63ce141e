export { createTestIssuer } from "./issuer.js";
export type {
  MintOptions,
  PublicKeyInfo,
  RotateKeyOptions,
  TestIssuer,
  TestIssuerOAuth,
  TestIssuerOptions,
  TestIssuerVerifierOptions,
} from "./issuer.js";
export type { ClaimOverrides } from "./tokens.js";
export type { AccessClaimOverrides } from "./access-claims.js";
export type { JwksFault } from "./faults.js";
export type { SigningAlgorithm } from "./keys.js";
export type { OAuthOptions, TestUser, ResolvedUser, MachineClient, ResolvedMachineClient } from "./oauth/options.js";
export type { AuthorizeRequestRecord, OAuthCounters, TokenEndpointFault, TokenFaultOptions } from "./oauth/endpoints.js";
export { createLambdaListener } from "./lambda-runner.js";
export type { LambdaProxyHandler, LambdaResult } from "./lambda-runner.js";
