// Express 5 + a hand-written jose middleware (createRemoteJWKSet + jwtVerify).
import express from "express";
import { createRemoteJWKSet, jwtVerify } from "jose";

export function create(cfg) {
  const jwks = createRemoteJWKSet(new URL(cfg.jwksUri));
  const options = { issuer: cfg.issuer, audience: cfg.clientId, algorithms: ["RS256"] };
  const app = express();
  app.use(async (req, res, next) => {
    const header = req.headers.authorization ?? "";
    const token = header.startsWith("Bearer ") ? header.slice(7) : "";
    try {
      req.auth = (await jwtVerify(token, jwks, options)).payload;
    } catch {
      res.status(401).json({ error: "invalid_token" });
      return;
    }
    next();
  });
  app.get("/", (req, res) => {
    res.json({ sub: req.auth.sub });
  });
  return app;
}
