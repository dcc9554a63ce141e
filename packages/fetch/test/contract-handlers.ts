// The contract app (see test/contract) as fetch-standard handlers: plain
// Request => Response with withCognitoAuth(), and Hono. No Node API here: the
// same handlers run on node:http (contract-app.ts) and, bundled, on workerd
// and edge-runtime (test/runtimes).
import { Hono } from "hono";
import type { Verifier, VerifierOptions } from "@cognito-bearer/core";
import { authErrorResponse, authenticateRequest, requireAuthLevel, requireClient, requireGroups, requireScopes, requireUser, withCognitoAuth } from "../src/index.js";
import { cognitoAuth, requireAuthLevel as honoAuthLevel, requireClient as honoClient, requireGroups as honoGroups, requireScopes as honoScopes, requireUser as honoUser, type CognitoAuthEnv } from "../src/hono.js";

export interface ContractHandler {
  fetch(request: Request): Promise<Response>;
  verifier: Verifier;
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json; charset=utf-8" } });

/** withCognitoAuth() for the protected routes, authenticateRequest() for /public. */
export function contractFetchHandler(options: VerifierOptions[]): ContractHandler {
  const needsOrdersRead = requireScopes("orders/read");
  const needsAdmin = requireGroups("admin");
  const needsUser = requireUser();
  const needsClient = requireClient();
  const needsStepUp = requireAuthLevel({ acr: ["urn:example:mfa"], maxAge: 300 });
  const handler = withCognitoAuth(options, (request, auth) => {
    const route = `${request.method} ${new URL(request.url).pathname}`;
    if (route === "OPTIONS /me") return new Response(null, { status: 204, headers: { "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET" } });
    if (auth === undefined) return json({ error: "not_found" }, 404);
    switch (route) {
      case "GET /me": {
        const { sub, username, clientId, scopes, groups } = auth;
        return json({ sub, username, clientId, scopes, groups });
      }
      case "GET /orders":
        needsOrdersRead(auth);
        return json({ orders: [] });
      case "GET /admin":
        needsAdmin(auth);
        return json({ admin: true });
      case "GET /user-only":
        needsUser(auth);
        return json({ user: true });
      case "GET /machine":
        needsClient(auth);
        return json({ client: true });
      case "GET /step-up":
        needsStepUp(auth);
        return json({ stepUp: true });
      default:
        return json({ error: "not_found" }, 404);
    }
  });
  const app = async (request: Request): Promise<Response> => {
    if (request.method === "GET" && new URL(request.url).pathname === "/public") {
      try {
        const auth = await authenticateRequest(request, handler.verifier, { optional: true });
        return json(auth ? { authenticated: true, sub: auth.sub } : { authenticated: false });
      } catch (err) {
        return authErrorResponse(err);
      }
    }
    return handler(request);
  };
  return { fetch: app, verifier: handler.verifier };
}

/** The app's own JSON answers, with the charset the other frameworks' JSON carries. */
const honoJson = (c: { body: (data: string, status: 200, headers: Record<string, string>) => Response }, body: unknown) =>
  c.body(JSON.stringify(body), 200, { "Content-Type": "application/json; charset=utf-8" });

/** Hono with cognitoAuth() and its requirements. */
export function contractHonoHandler(options: VerifierOptions[]): ContractHandler {
  const auth = cognitoAuth(options);
  const maybe = cognitoAuth(auth.verifier, { optional: true });
  const app = new Hono<CognitoAuthEnv>();
  app.get("/public", maybe, (c) => {
    const current = c.var.auth;
    return honoJson(c, current ? { authenticated: true, sub: current.sub } : { authenticated: false });
  });
  // Hono runs middleware only on the routes it is mounted on: mount it on the metadata path (RFC 9728) too.
  if (auth.verifier.resourceMetadata !== undefined) app.get(auth.verifier.resourceMetadata.path, auth);
  app.use("/me", auth);
  app.use("/orders", auth);
  app.use("/admin", auth);
  app.use("/user-only", auth);
  app.use("/machine", auth);
  app.use("/step-up", auth);
  app.options("/me", (c) => c.body(null, 204, { "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET" }));
  app.get("/me", (c) => {
    const { sub, username, clientId, scopes, groups } = c.var.auth!;
    return honoJson(c, { sub, username, clientId, scopes, groups });
  });
  app.get("/orders", honoScopes("orders/read"), (c) => honoJson(c, { orders: [] }));
  app.get("/admin", honoGroups("admin"), (c) => honoJson(c, { admin: true }));
  app.get("/user-only", honoUser(), (c) => honoJson(c, { user: true }));
  app.get("/machine", honoClient(), (c) => honoJson(c, { client: true }));
  app.get("/step-up", honoAuthLevel({ acr: ["urn:example:mfa"], maxAge: 300 }), (c) => honoJson(c, { stepUp: true }));
  return { fetch: (request) => Promise.resolve(app.fetch(request)), verifier: auth.verifier };
}
