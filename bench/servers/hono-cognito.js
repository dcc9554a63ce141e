// Hono + cognito-bearer's middleware (default options: cache on).
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";
import { cognitoAuth } from "@cognito-bearer/fetch/hono";

export function create(cfg) {
  const app = new Hono();
  app.use(cognitoAuth({ userPoolId: cfg.userPoolId, clientId: cfg.clientId, issuer: cfg.issuer, jwksUri: cfg.jwksUri }));
  app.get("/", (c) => c.json({ sub: c.var.auth.sub }));
  return getRequestListener(app.fetch);
}
