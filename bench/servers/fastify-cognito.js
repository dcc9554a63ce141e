// Fastify 5 + cognito-bearer's plugin (default options: cache on).
import { cognitoAuth } from "@cognito-bearer/fastify";
import { fastifyListener } from "./fastify-app.js";

export const create = (cfg) =>
  fastifyListener(async (app) => {
    await app.register(cognitoAuth, { userPoolId: cfg.userPoolId, clientId: cfg.clientId, issuer: cfg.issuer, jwksUri: cfg.jwksUri });
    app.get("/", async (request) => ({ sub: request.auth.sub }));
  });
