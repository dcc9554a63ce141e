// Compiled, never run: what users write must typecheck without casts, and
// what is wrong must not (each @ts-expect-error fails the build if unneeded).
import Fastify from "fastify";
import { authOf, cognitoAuth, createVerifier, requireGroups, requireScopes, type CognitoAuth } from "../../src/index.js";

const app = Fastify();
app.register(cognitoAuth, { userPoolId: "eu-west-1_AbCdEf123", clientId: "client", optional: true });
app.register(cognitoAuth, { verifier: createVerifier({ userPoolId: "eu-west-1_AbCdEf123", clientId: "c" }), allowPreflight: false });
app.get("/me", { preHandler: [requireScopes("orders/read"), requireGroups({ allOf: ["a", "b"] })] }, async (request) => {
  const maybe: CognitoAuth | undefined = request.auth;
  const sub: string = authOf(request).sub;
  // @ts-expect-error request.auth is undefined on anonymous requests and preflights
  const wrong: string = request.auth.sub;
  // @ts-expect-error the auth object is read-only
  request.auth!.sub = "someone else";
  return { sub, maybe, wrong };
});
// @ts-expect-error clientId is required
app.register(cognitoAuth, { userPoolId: "eu-west-1_AbCdEf123" });
// @ts-expect-error requirements are names
requireScopes(1);
