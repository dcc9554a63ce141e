// @ts-check
// The Hono example on Cloudflare Workers: the examples' routes, configured by
// bindings with the examples' COGNITO_* names (wrangler.toml, .dev.vars).
//
// The app and its verifier live at module level, built on the first request
// (bindings arrive with the request): an isolate keeps them between requests,
// so the JWKS and the verified-token cache survive until the isolate is
// evicted, and a cold isolate pays one JWKS fetch.
import { Hono } from "hono";
import { createVerifier } from "@cognito-bearer/fetch";
import { authOf, cognitoAuth, requireGroups, requireScopes } from "@cognito-bearer/fetch/hono";
import { ORDERS } from "../../shared/orders.mjs";

/** @typedef {{ COGNITO_USER_POOL_ID?: string, COGNITO_CLIENT_ID?: string, COGNITO_ISSUER?: string, COGNITO_JWKS_URI?: string }} Env */

/**
 * The verifier options from the bindings, as configFromEnv reads the
 * environment in the other examples: an empty value counts as unset, and
 * COGNITO_CLIENT_ID may list several ids separated by commas.
 * @param {Env} env
 */
function cognitoFromEnv(env) {
  const get = (/** @type {keyof Env} */ name) => env[name]?.trim() || undefined;
  const userPoolId = get("COGNITO_USER_POOL_ID");
  if (userPoolId === undefined) throw new Error("COGNITO_USER_POOL_ID is required (e.g. eu-west-1_AbCdEf123)");
  const clientId = (get("COGNITO_CLIENT_ID") ?? "").split(",").map((id) => id.trim()).filter(Boolean);
  if (clientId.length === 0) throw new Error("COGNITO_CLIENT_ID is required (the app client id, or several separated by commas)");
  return { userPoolId, clientId, issuer: get("COGNITO_ISSUER"), jwksUri: get("COGNITO_JWKS_URI") };
}

/** JSON with the charset, as the other examples answer. */
const json = (/** @type {import("hono").Context} */ c, /** @type {unknown} */ body, /** @type {200 | 404 | 500} */ status = 200) =>
  c.body(JSON.stringify(body), status, { "Content-Type": "application/json; charset=utf-8" });

/** @param {Env} env */
function createApp(env) {
  // One verifier for both middlewares: one JWKS cache, one verified-token cache.
  const verifier = createVerifier(cognitoFromEnv(env));
  const auth = cognitoAuth(verifier); // 401 without a valid access token
  const optionalAuth = cognitoAuth(verifier, { optional: true }); // anonymous is fine, a bad token is not

  const app = new Hono();
  app.get("/health", (c) => json(c, { status: "ok" }));
  app.get("/me", auth, (c) => {
    const { sub, username, clientId, scopes, groups } = authOf(c);
    return json(c, { sub, username: username ?? null, clientId, scopes, groups });
  });
  app.get("/orders", auth, requireScopes("orders/read"), (c) => json(c, { orders: ORDERS }));
  app.get("/admin", auth, requireGroups("admin"), (c) => json(c, { admin: true }));
  app.get("/public", optionalAuth, (c) => json(c, c.var.auth ? { authenticated: true, sub: c.var.auth.sub } : { authenticated: false }));
  app.notFound((c) => json(c, { error: "not_found" }, 404));
  return app;
}

/** @type {Hono | undefined} */
let app;

export default {
  /** @param {Request} request @param {Env} env @param {unknown} ctx (the ExecutionContext) */
  fetch(request, env, ctx) {
    try {
      app ??= createApp(env);
    } catch (err) {
      // A configuration error: one line in the Worker's log, naming the binding; a 500 to the client.
      console.error(String(err instanceof Error ? err.message : err));
      return new Response(JSON.stringify({ error: "server_error" }), { status: 500, headers: { "Content-Type": "application/json; charset=utf-8" } });
    }
    return app.fetch(request, env, /** @type {any} */ (ctx));
  },
};
