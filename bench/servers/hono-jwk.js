// Hono + Hono's own `jwk` middleware (hono/jwk), the peer on Hono: it checks
// the signature against the JWKS, fetched from jwks_uri on each request (it
// keeps no cache of its own), and the token's times; not client_id or token_use.
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";
import { jwk } from "hono/jwk";

export function create(cfg) {
  const app = new Hono();
  app.use(jwk({ jwks_uri: cfg.jwksUri, alg: ["RS256"] }));
  app.get("/", (c) => c.json({ sub: c.get("jwtPayload").sub }));
  return getRequestListener(app.fetch);
}
