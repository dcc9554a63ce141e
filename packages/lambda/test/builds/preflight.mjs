// The README's proxy handler, from the build named by argv[2] ("cjs" or
// "esm"), against a local issuer: a CORS preflight, then real requests.
// Prints each answer's status (and the preflight's CORS header) as JSON.
import { createRequire } from "node:module";
import { createTestIssuer } from "@cognito-bearer/testing";

const build = process.argv[2];
const lambda = build === "cjs" ? createRequire(import.meta.url)("@cognito-bearer/lambda") : await import("@cognito-bearer/lambda");
const issuer = await createTestIssuer();
try {
  // The README's first shape: the requirement first.
  const requirementFirst = lambda.withCognitoAuth(issuer.verifierOptions, async (event, context, auth) => {
    lambda.requireScopes("orders/read")(auth);
    return { statusCode: 200, body: JSON.stringify({ sub: auth?.sub }) };
  });
  // The README's shape with a CORS answer for the preflight.
  const corsFirst = lambda.withCognitoAuth(issuer.verifierOptions, async (event, context, auth) => {
    if (auth === undefined) return { statusCode: 204, headers: { "Access-Control-Allow-Origin": "https://app.example" } };
    lambda.requireScopes("orders/read")(auth);
    return { statusCode: 200, body: JSON.stringify({ sub: auth.sub }) };
  });
  const preflightV2 = { version: "2.0", headers: { origin: "https://app.example", "access-control-request-method": "GET" }, requestContext: { http: { method: "OPTIONS" } } };
  const preflightV1 = { httpMethod: "OPTIONS", headers: { Origin: "https://app.example", "Access-Control-Request-Method": "GET" } };
  const get = (token) => ({ version: "2.0", headers: token === undefined ? {} : { authorization: `Bearer ${token}` }, requestContext: { http: { method: "GET" } } });
  const status = async (handler, event) => (await handler(event, {})).statusCode;
  process.stdout.write(
    JSON.stringify({
      requirementFirst: {
        preflightV2: await status(requirementFirst, preflightV2),
        preflightV1: await status(requirementFirst, preflightV1),
        noToken: await status(requirementFirst, get()),
        withScope: await status(requirementFirst, get(issuer.mintAccessToken({ scope: "orders/read" }))),
        withoutScope: await status(requirementFirst, get(issuer.mintAccessToken())),
      },
      corsFirst: {
        preflight: (await corsFirst(preflightV1, {})).headers?.["Access-Control-Allow-Origin"],
        noToken: await status(corsFirst, get()),
      },
    }),
  );
  requirementFirst.verifier.close();
  corsFirst.verifier.close();
} finally {
  await issuer.close();
}
