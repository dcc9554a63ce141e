// The contract app (see test/contract) as one Lambda proxy handler behind a
// local stand-in for API Gateway (HTTP API, payload 2.0).
import type { RequestListener } from "node:http";
import type { VerifierOptions } from "@cognito-bearer/core";
import { createLambdaListener } from "@cognito-bearer/testing";
import { createVerifier, requireAuthLevel, requireClient, requireGroups, requireScopes, requireUser, withCognitoAuth, type ProxyEvent } from "../src/index.js";
import type { ContractApp } from "../../node/test/contract-app.js";

const json = (body: unknown, statusCode = 200) => ({ statusCode, headers: { "Content-Type": "application/json; charset=utf-8" }, body: JSON.stringify(body) });
const routeOf = (event: ProxyEvent & { rawPath?: string }) => `${event.requestContext?.http?.method} ${event.rawPath}`;

export function lambdaApp(options: VerifierOptions[]): ContractApp {
  const verifier = createVerifier(options);
  const needsOrdersRead = requireScopes("orders/read");
  const needsAdmin = requireGroups("admin");
  const needsUser = requireUser();
  const needsClient = requireClient();
  const needsStepUp = requireAuthLevel({ acr: ["urn:example:mfa"], maxAge: 300 });
  const publicRoute = withCognitoAuth(verifier, async (_event, _context, auth) => json(auth ? { authenticated: true, sub: auth.sub } : { authenticated: false }), { optional: true });
  const protectedRoutes = withCognitoAuth(verifier, async (event: ProxyEvent & { rawPath?: string }, _context: unknown, auth) => {
    const route = routeOf(event);
    if (route === "OPTIONS /me") return { statusCode: 204, headers: { "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET" } };
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
  const handler = (event: ProxyEvent & { rawPath?: string }, context: unknown) => (routeOf(event) === "GET /public" ? publicRoute(event, context) : protectedRoutes(event, context));
  return { listener: createLambdaListener(handler as never), verifier };
}
