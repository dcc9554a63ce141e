// Express 5 + express-oauth2-jwt-bearer (Auth0's), given the issuer and JWKS URI
// directly (no discovery), checking the audience the bench tokens carry.
import express from "express";
import { auth } from "express-oauth2-jwt-bearer";

export function create(cfg) {
  const app = express();
  app.use(auth({ issuer: cfg.issuer, jwksUri: cfg.jwksUri, audience: cfg.clientId, tokenSigningAlg: "RS256" }));
  app.get("/", (req, res) => {
    res.json({ sub: req.auth.payload.sub });
  });
  return app;
}
