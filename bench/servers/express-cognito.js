// Express 5 + cognito-bearer's cognitoAuth (default options: cache on).
import express from "express";
import { cognitoAuth } from "@cognito-bearer/express";

export function create(cfg) {
  const app = express();
  app.use(cognitoAuth({ userPoolId: cfg.userPoolId, clientId: cfg.clientId, issuer: cfg.issuer, jwksUri: cfg.jwksUri }));
  app.get("/", (req, res) => {
    res.json({ sub: req.auth.sub });
  });
  return app;
}
