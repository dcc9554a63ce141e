// node:http + cognito-bearer with a memory revocation list holding 100,000
// revoked sessions: what the per-request revocation check costs (issue 9).
import { createMemoryRevocationList } from "@cognito-bearer/core";
import { withCognitoAuth } from "@cognito-bearer/node";
import { randomUUID } from "node:crypto";

export async function create(cfg) {
  const revocations = createMemoryRevocationList();
  const exp = Math.floor(Date.now() / 1000) + 3600;
  for (let i = 0; i < 100_000; i++) await revocations.revokeSession({ claims: { origin_jti: randomUUID(), exp } });
  return withCognitoAuth({ userPoolId: cfg.userPoolId, clientId: cfg.clientId, issuer: cfg.issuer, jwksUri: cfg.jwksUri, revocations }, (req, res, auth) => {
    const body = JSON.stringify({ sub: auth.sub });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
}
