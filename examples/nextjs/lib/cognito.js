// The verifier and the routes, made on the first request from the examples'
// COGNITO_* variables (read at run time: one build serves any pool). Module
// state: the JWKS and the verified-token cache live as long as the server
// process (Node.js runtime) or the isolate (Edge runtime), across requests.
import { createVerifier } from "@cognito-bearer/fetch";
import { fetchRoutes } from "../../shared/fetch-routes.mjs";

const env = (name) => process.env[name]?.trim() || undefined;

/** The verifier's options: COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID (one or several, comma-separated), COGNITO_ISSUER, COGNITO_JWKS_URI. */
export function cognitoOptions() {
  return {
    userPoolId: env("COGNITO_USER_POOL_ID"),
    clientId: (env("COGNITO_CLIENT_ID") ?? "").split(",").map((id) => id.trim()).filter(Boolean),
    issuer: env("COGNITO_ISSUER"),
    jwksUri: env("COGNITO_JWKS_URI"),
  };
}

/** The route handler of a catch-all route mounted at `prefix`. */
export function cognitoRoutes(prefix = "") {
  let handle;
  return (request) => (handle ??= fetchRoutes(createVerifier(cognitoOptions()), { prefix }))(request);
}
