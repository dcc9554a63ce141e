// node:http + cognito-bearer with the Redis revocation list (cfg.redisUrl,
// cfg.keyPrefix): what serving costs while other instances revoke (the
// revocation bench's sustained-rate section; not part of the HTTP section).
import { createRedisRevocationList } from "@cognito-bearer/redis";
import { withCognitoAuth } from "@cognito-bearer/node";

export async function create(cfg) {
  const revocations = createRedisRevocationList({ url: cfg.redisUrl, keyPrefix: cfg.keyPrefix });
  await revocations.ready({ timeoutMs: 30_000 });
  const handler = withCognitoAuth({ userPoolId: cfg.userPoolId, clientId: cfg.clientId, issuer: cfg.issuer, jwksUri: cfg.jwksUri, revocations }, (req, res, auth) => {
    const body = JSON.stringify({ sub: auth.sub });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
  // For the bench: how many revocations reached this server's mirror.
  handler.stats = () => revocations.stats();
  return handler;
}
