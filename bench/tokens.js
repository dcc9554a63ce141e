// The tokens every section shares: one repeated token and a pool of distinct
// tokens, all minted by the same local issuer (createTestIssuer) with the same
// claims. The pool is larger than the verified-token cache, and is replayed in
// order, so under the cache's oldest-first eviction every token in it is a miss.
//
// Every token carries `aud` = the client id. Cognito access tokens have no `aud`
// (they carry `client_id`); the peers (express-jwt, express-oauth2-jwt-bearer,
// koa-jwt, jose) are configured to check an audience, so the tokens carry one
// for them. cognito-bearer and aws-jwt-verify ignore it and check `client_id`:
// the same tokens, the same checks (issuer, expiry, client), equal work.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULTS } from "@cognito-bearer/core";

/** Distinct tokens needed so that a replay in order never hits the default cache. */
export function poolSize() {
  return Math.ceil(DEFAULTS.cache.maxEntries * 1.25);
}

export function mintToken(issuer, claims = {}, options) {
  return issuer.mintAccessToken({ aud: issuer.clientId, scope: "orders/read openid", ...claims }, options);
}

/** Mint the shared tokens; returns them with a file other processes can read them from. */
export function mintTokens(issuer, dir, size = poolSize()) {
  const started = performance.now();
  const repeated = mintToken(issuer);
  const pool = new Array(size);
  for (let i = 0; i < size; i++) pool[i] = mintToken(issuer);
  const mintMs = performance.now() - started;
  const tokens = {
    issuer: issuer.issuer,
    jwksUri: issuer.jwksUri,
    userPoolId: issuer.userPoolId,
    clientId: issuer.clientId,
    jwks: issuer.jwks(),
    repeated,
    pool,
  };
  const file = join(dir, "tokens.json");
  writeFileSync(file, JSON.stringify(tokens));
  return { tokens, file, mintPerSecond: (size + 1) / (mintMs / 1000) };
}

/** What servers and verifiers need to know about the issuer (no tokens). */
export function issuerConfig(tokens) {
  const { issuer, jwksUri, userPoolId, clientId } = tokens;
  return { issuer, jwksUri, userPoolId, clientId };
}
