// The contract app (see test/contract) on Fastify 5 and Fastify 4, built the
// way a user would: the plugin in one context for the protected routes,
// optional in another for /public, route preHandlers for the requirements.
import type { RequestListener } from "node:http";
import Fastify5 from "fastify";
import Fastify4 from "fastify4";
import type { VerifierOptions } from "@cognito-bearer/core";
import { cognitoAuth, createVerifier, requireAuthLevel, requireClient, requireGroups, requireScopes, requireUser } from "../src/index.js";
import type { ContractApp } from "../../node/test/contract-app.js";

type FastifyFactory = typeof Fastify5;

function contractApp(Fastify: FastifyFactory, options: VerifierOptions[]): ContractApp {
  const verifier = createVerifier(options);
  const app = Fastify();
  app.register(async (scope) => {
    await scope.register(cognitoAuth, { verifier, optional: true });
    scope.get("/public", async (request) => (request.auth ? { authenticated: true, sub: request.auth.sub } : { authenticated: false }));
  });
  app.register(async (scope) => {
    await scope.register(cognitoAuth, { verifier });
    scope.options("/me", async (_request, reply) => reply.code(204).headers({ "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET" }).send());
    scope.get("/me", async (request) => {
      const { sub, username, clientId, scopes, groups } = request.auth!;
      return { sub, username, clientId, scopes, groups };
    });
    scope.get("/orders", { preHandler: requireScopes("orders/read") }, async () => ({ orders: [] }));
    scope.get("/admin", { preHandler: requireGroups("admin") }, async () => ({ admin: true }));
    scope.get("/user-only", { preHandler: requireUser() }, async () => ({ user: true }));
    scope.get("/machine", { preHandler: requireClient() }, async () => ({ client: true }));
    scope.get("/step-up", { preHandler: requireAuthLevel({ acr: ["urn:example:mfa"], maxAge: 300 }) }, async () => ({ stepUp: true }));
  });
  const ready: Promise<unknown> = Promise.resolve(app.ready());
  const listener: RequestListener = (req, res) => {
    ready.then(() => app.server.emit("request", req, res));
  };
  return { listener, verifier };
}

export const fastify5App = (options: VerifierOptions[]) => contractApp(Fastify5, options);
export const fastify4App = (options: VerifierOptions[]) => contractApp(Fastify4 as unknown as FastifyFactory, options);
