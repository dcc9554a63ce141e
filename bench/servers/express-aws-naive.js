// Express 5 + the middleware most people write around aws-jwt-verify: read the
// header, await verify(), 401 on failure. Same checks as CognitoJwtVerifier.
import express from "express";
import { createAwsVerifier } from "../peers.js";

export function create(cfg) {
  const verifier = createAwsVerifier(cfg);
  const app = express();
  app.use(async (req, res, next) => {
    const header = req.headers.authorization ?? "";
    const token = header.startsWith("Bearer ") ? header.slice(7) : "";
    try {
      req.auth = await verifier.verify(token);
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
