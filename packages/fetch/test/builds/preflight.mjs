// The README's withCognitoAuth handler, from the build named by argv[2]
// ("cjs" or "esm"), against a local issuer: a CORS preflight, then real
// requests. Prints each answer's status (and the preflight's CORS header) as JSON.
import { createRequire } from "node:module";
import { createTestIssuer } from "@cognito-bearer/testing";

const build = process.argv[2];
const fetchAdapter = build === "cjs" ? createRequire(import.meta.url)("@cognito-bearer/fetch") : await import("@cognito-bearer/fetch");
const issuer = await createTestIssuer();
try {
  const requirementFirst = fetchAdapter.withCognitoAuth(issuer.verifierOptions, (request, auth) => {
    fetchAdapter.requireScopes("orders/read")(auth);
    return Response.json({ orders: [], sub: auth?.sub });
  });
  const corsFirst = fetchAdapter.withCognitoAuth(issuer.verifierOptions, (request, auth) => {
    if (auth === undefined) return new Response(null, { status: 204, headers: { "Access-Control-Allow-Origin": "https://app.example" } });
    fetchAdapter.requireScopes("orders/read")(auth);
    return Response.json({ orders: [], sub: auth.sub });
  });
  const preflight = () => new Request("http://api.example/orders", { method: "OPTIONS", headers: { origin: "https://app.example", "access-control-request-method": "GET" } });
  const get = (token) => new Request("http://api.example/orders", { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  const status = async (handler, request) => (await handler(request)).status;
  process.stdout.write(
    JSON.stringify({
      requirementFirst: {
        preflight: await status(requirementFirst, preflight()),
        noToken: await status(requirementFirst, get()),
        withScope: await status(requirementFirst, get(issuer.mintAccessToken({ scope: "orders/read" }))),
        withoutScope: await status(requirementFirst, get(issuer.mintAccessToken())),
      },
      corsFirst: {
        preflight: (await corsFirst(preflight())).headers.get("access-control-allow-origin"),
        noToken: await status(corsFirst, get()),
      },
    }),
  );
  requirementFirst.verifier.close();
  corsFirst.verifier.close();
} finally {
  await issuer.close();
}
