// Express 5 + express-jwt + jwks-rsa, as their READMEs set them up.
import express from "express";
import { expressjwt } from "express-jwt";
import jwksRsa from "jwks-rsa";

export function create(cfg) {
  const app = express();
  app.use(
    expressjwt({
      secret: jwksRsa.expressJwtSecret({ jwksUri: cfg.jwksUri, cache: true, rateLimit: true, jwksRequestsPerMinute: 10 }),
      algorithms: ["RS256"],
      issuer: cfg.issuer,
      audience: cfg.clientId,
    }),
  );
  app.get("/", (req, res) => {
    res.json({ sub: req.auth.sub });
  });
  return app;
}
