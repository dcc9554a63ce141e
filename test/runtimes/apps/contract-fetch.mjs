// @ts-check
// The contract app (test/contract) as a fetch handler and as a Hono app, in
// plain JavaScript on the built packages, so that every runtime (Deno, Bun,
// Node, Next.js) runs the same file as users would run theirs. The same routes
// as packages/fetch/test/contract-handlers.ts, which Jest serves on node:http.
import { Hono } from "hono";
import { authErrorResponse, authenticateRequest, requireAuthLevel, requireClient, requireGroups, requireScopes, requireUser, withCognitoAuth } from "@cognito-bearer/fetch";
import {
  cognitoAuth,
  requireAuthLevel as honoAuthLevel,
  requireClient as honoClient,
  requireGroups as honoGroups,
  requireScopes as honoScopes,
  requireUser as honoUser,
} from "@cognito-bearer/fetch/hono";

const JSON_TYPE = { "Content-Type": "application/json; charset=utf-8" };
const json = (/** @type {unknown} */ body, status = 200) => new Response(JSON.stringify(body), { status, headers: JSON_TYPE });
const PREFLIGHT = { "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET" };
const STEP_UP = { acr: ["urn:example:mfa"], maxAge: 300 };
/** Where the app whose verifier has `resourceMetadata` (RFC 9728) is served (test/runtimes/contract-run.ts's METADATA_PREFIX). */
export const METADATA_PREFIX = "/rfc9728";

/**
 * Verifier options from the environment (a JSON array).
 * @param {string | undefined} text
 * @returns {import("@cognito-bearer/fetch").VerifierOptions[]}
 */
export function contractOptions(text) {
  if (!text) throw new Error("CONTRACT_OPTIONS and CONTRACT_METADATA_OPTIONS (JSON arrays of verifier options) are required");
  return JSON.parse(text);
}

/** @typedef {{ fetch(request: Request): Response | Promise<Response>, verifier: import("@cognito-bearer/fetch").Verifier }} ContractHandler */

/**
 * The two apps the contract table asks, as one fetch handler: the one built
 * with CONTRACT_OPTIONS, and under METADATA_PREFIX the one built with
 * CONTRACT_METADATA_OPTIONS. `prefix` (a Next.js route handler mounted under
 * /node or /edge) and METADATA_PREFIX are removed from the path the app sees.
 * @param {(options: import("@cognito-bearer/fetch").VerifierOptions[]) => ContractHandler} build
 * @param {{ CONTRACT_OPTIONS?: string | undefined, CONTRACT_METADATA_OPTIONS?: string | undefined }} env
 * @param {string} [prefix]
 */
export function contractApps(build, env, prefix = "") {
  const main = build(contractOptions(env.CONTRACT_OPTIONS));
  const metadata = build(contractOptions(env.CONTRACT_METADATA_OPTIONS));
  /** @param {Request} request */
  const fetch = (request) => {
    const url = new URL(request.url);
    const path = url.pathname.slice(prefix.length);
    const isMetadata = path.startsWith(`${METADATA_PREFIX}/`);
    url.pathname = isMetadata ? path.slice(METADATA_PREFIX.length) : path;
    return (isMetadata ? metadata : main).fetch(new Request(url, request));
  };
  return { fetch };
}

/**
 * The contract routes as one fetch handler (the same as contractFetchHandler in packages/fetch/test/contract-handlers.ts).
 * @param {import("@cognito-bearer/fetch").VerifierOptions[]} options
 * @returns {ContractHandler}
 */
export function contractFetch(options) {
  const needsOrdersRead = requireScopes("orders/read");
  const needsAdmin = requireGroups("admin");
  const needsUser = requireUser();
  const needsClient = requireClient();
  const needsStepUp = requireAuthLevel(STEP_UP);
  const handler = withCognitoAuth(options, (request, auth) => {
    const route = `${request.method} ${new URL(request.url).pathname}`;
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
  /** @param {Request} request */
  const fetch = async (request) => {
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
  return { fetch, verifier: handler.verifier };
}

/**
 * The contract routes as a Hono app (the same as contractHonoHandler in packages/fetch/test/contract-handlers.ts).
 * @param {import("@cognito-bearer/fetch").VerifierOptions[]} options
 * @returns {ContractHandler}
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
  // Hono runs middleware only on the routes it is mounted on: mount it on the metadata path (RFC 9728) too.
  if (auth.verifier.resourceMetadata !== undefined) app.get(auth.verifier.resourceMetadata.path, auth);
  for (const path of ["/me", "/orders", "/admin", "/user-only", "/machine", "/step-up"]) app.use(path, auth);
  app.options("/me", (c) => c.body(null, 204, PREFLIGHT));
  app.get("/me", (c) => {
    const { sub, username, clientId, scopes, groups } = /** @type {import("@cognito-bearer/fetch").CognitoAuth} */ (c.var.auth);
    return honoJson(c, { sub, username, clientId, scopes, groups });
  });
  app.get("/orders", honoScopes("orders/read"), (c) => honoJson(c, { orders: [] }));
  app.get("/admin", honoGroups("admin"), (c) => honoJson(c, { admin: true }));
  app.get("/user-only", honoUser(), (c) => honoJson(c, { user: true }));
  app.get("/machine", honoClient(), (c) => honoJson(c, { client: true }));
  app.get("/step-up", honoAuthLevel(STEP_UP), (c) => honoJson(c, { stepUp: true }));
  return { fetch: app.fetch, verifier: auth.verifier };
}
