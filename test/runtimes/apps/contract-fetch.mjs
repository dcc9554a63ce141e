// @ts-check
// The contract app (test/contract) as a fetch handler and as a Hono app, in
// plain JavaScript on the built packages, so that every runtime (Deno, Bun,
// Node, Next.js) runs the same file as users would run theirs. The same routes
// as packages/fetch/test/contract-app.ts, which Jest serves on node:http.
import { Hono } from "hono";
import { authErrorResponse, authenticateRequest, requireGroups, requireScopes, withCognitoAuth } from "@cognito-bearer/fetch";
import { cognitoAuth, requireGroups as honoGroups, requireScopes as honoScopes } from "@cognito-bearer/fetch/hono";

const JSON_TYPE = { "Content-Type": "application/json; charset=utf-8" };
const json = (/** @type {unknown} */ body, status = 200) => new Response(JSON.stringify(body), { status, headers: JSON_TYPE });
const PREFLIGHT = { "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET" };

/**
 * The verifier options, from CONTRACT_OPTIONS (a JSON array: the healthy pool and the one whose JWKS is down).
 * @param {string | undefined} text
 * @returns {import("@cognito-bearer/fetch").VerifierOptions[]}
 */
export function contractOptions(text) {
  if (!text) throw new Error("CONTRACT_OPTIONS (a JSON array of verifier options) is required");
  return JSON.parse(text);
}

/**
 * The contract routes as one fetch handler. `prefix` is stripped from the path
 * (a Next.js route handler mounted under /node or /edge).
 * @param {import("@cognito-bearer/fetch").VerifierOptions[]} options
 * @param {string} [prefix]
 */
export function contractFetch(options, prefix = "") {
  const needsOrdersRead = requireScopes("orders/read");
  const needsAdmin = requireGroups("admin");
  const pathOf = (/** @type {Request} */ request) => new URL(request.url).pathname.slice(prefix.length);
  const handler = withCognitoAuth(options, (request, auth) => {
    const route = `${request.method} ${pathOf(request)}`;
    if (route === "OPTIONS /me") return new Response(null, { status: 204, headers: PREFLIGHT });
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
      default:
        return json({ error: "not_found" }, 404);
    }
  });
  /** @param {Request} request */
  const fetch = async (request) => {
    if (request.method === "GET" && pathOf(request) === "/public") {
      try {
        const auth = await authenticateRequest(request, handler.verifier, { optional: true });
        return json(auth ? { authenticated: true, sub: auth.sub } : { authenticated: false });
      } catch (err) {
        return authErrorResponse(err);
      }
    }
    return handler(request);
  };
  return { fetch, verifier: handler.verifier };
}

/**
 * The contract routes as a Hono app (the same as honoApp in packages/fetch/test/contract-app.ts).
 * @param {import("@cognito-bearer/fetch").VerifierOptions[]} options
 */
export function contractHono(options) {
  const auth = cognitoAuth(options);
  const maybe = cognitoAuth(auth.verifier, { optional: true });
  /** @type {import("hono").Hono<import("@cognito-bearer/fetch/hono").CognitoAuthEnv>} */
  const app = new Hono();
  const honoJson = (/** @type {any} */ c, /** @type {unknown} */ body) => c.body(JSON.stringify(body), 200, JSON_TYPE);
  app.get("/public", maybe, (c) => {
    const current = c.var.auth;
    return honoJson(c, current ? { authenticated: true, sub: current.sub } : { authenticated: false });
  });
  app.use("/me", auth);
  app.use("/orders", auth);
  app.use("/admin", auth);
  app.options("/me", (c) => c.body(null, 204, PREFLIGHT));
  app.get("/me", (c) => {
    const { sub, username, clientId, scopes, groups } = /** @type {import("@cognito-bearer/fetch").CognitoAuth} */ (c.var.auth);
    return honoJson(c, { sub, username, clientId, scopes, groups });
  });
  app.get("/orders", honoScopes("orders/read"), (c) => honoJson(c, { orders: [] }));
  app.get("/admin", honoGroups("admin"), (c) => honoJson(c, { admin: true }));
  return { fetch: app.fetch, verifier: auth.verifier };
}
