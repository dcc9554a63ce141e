// The contract app (see test/contract) on plain node:http, built the way a
// user would: withCognitoAuth() for the protected routes, authenticate() and
// sendAuthError() for the optional one, core's checks thrown from the handler.
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { VerifierOptions } from "@cognito-bearer/core";
import { authenticate, requireAuthLevel, requireClient, requireGroups, requireScopes, requireUser, sendAuthError, withCognitoAuth, type Verifier } from "../src/index.js";

export interface ContractApp {
  listener: RequestListener;
  verifier: Verifier;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

export function nodeApp(options: VerifierOptions[]): ContractApp {
  const needsOrdersRead = requireScopes("orders/read");
  const needsAdmin = requireGroups("admin");
  const needsUser = requireUser();
  const needsClient = requireClient();
  const needsStepUp = requireAuthLevel({ acr: ["urn:example:mfa"], maxAge: 300 });
  const protectedRoutes = withCognitoAuth(options, (req, res, auth) => {
    const route = `${req.method} ${req.url}`;
    if (route === "OPTIONS /me") {
      res.writeHead(204, { "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET" }).end();
      return;
    }
    // Only preflights arrive unauthenticated here, and they were answered above.
    if (auth === undefined) return sendJson(res, 404, { error: "not_found" });
    switch (route) {
      case "GET /me": {
        const { sub, username, clientId, scopes, groups } = auth;
        return sendJson(res, 200, { sub, username, clientId, scopes, groups });
      }
      case "GET /orders":
        needsOrdersRead(auth);
        return sendJson(res, 200, { orders: [] });
      case "GET /admin":
        needsAdmin(auth);
        return sendJson(res, 200, { admin: true });
      case "GET /user-only":
        needsUser(auth);
        return sendJson(res, 200, { user: true });
      case "GET /machine":
        needsClient(auth);
        return sendJson(res, 200, { client: true });
      case "GET /step-up":
        needsStepUp(auth);
        return sendJson(res, 200, { stepUp: true });
      default:
        return sendJson(res, 404, { error: "not_found" });
    }
  });
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method === "GET" && req.url === "/public") {
      authenticate(req, protectedRoutes.verifier, { optional: true }).then(
        (auth) => sendJson(res, 200, auth ? { authenticated: true, sub: auth.sub } : { authenticated: false }),
        (err) => sendAuthError(res, err),
      );
      return;
    }
    protectedRoutes(req, res);
  };
  return { listener, verifier: protectedRoutes.verifier };
}
