// node:http + cognito-bearer's withCognitoAuth (default options: cache on).
import { withCognitoAuth } from "@cognito-bearer/node";

export function create(cfg) {
  return withCognitoAuth({ userPoolId: cfg.userPoolId, clientId: cfg.clientId, issuer: cfg.issuer, jwksUri: cfg.jwksUri }, (req, res, auth) => {
    const body = JSON.stringify({ sub: auth.sub });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
}
