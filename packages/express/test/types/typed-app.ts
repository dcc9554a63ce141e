// Compiled, never run: what users write must typecheck without casts, and
// what is wrong must not (each @ts-expect-error fails the build if unneeded).
import express, { type Request } from "express";
import {
  authErrorHandler,
  authOf,
  cognitoAuth,
  createVerifier,
  OptionsError,
  requireAuthLevel,
  requireClient,
  requireGroups,
  requireScopes,
  requireUser,
  type CognitoAuth,
  type CognitoAuthMiddleware,
} from "../../src/index.js";

const app = express();
const auth: CognitoAuthMiddleware = cognitoAuth({ userPoolId: "eu-west-1_AbCdEf123", clientId: "client", optional: true });
app.use(auth);
app.use(cognitoAuth(createVerifier({ userPoolId: "eu-west-1_AbCdEf123", clientId: ["a", "b"] }), { passErrors: true, allowPreflight: false }));
app.use(cognitoAuth([{ userPoolId: "eu-west-1_AbCdEf123", clientId: "a" }], { optional: true }));

app.get("/me", requireScopes("orders/read"), requireGroups({ allOf: ["admin", "staff"] }), (req, res) => {
  const sub: string | undefined = req.auth?.sub;
  const scopes: string[] | undefined = req.auth?.scopes;
  const username: string | undefined = req.auth?.username;
  const exp: number | undefined = req.auth?.claims.exp;
  res.json({ sub, scopes, username, exp });
});

// authOf(req) reads the auth of a guarded route without a non-null assertion.
app.get("/guarded", (req, res) => {
  const sub: string = authOf(req).sub;
  res.json({ sub });
});
app.use(authErrorHandler());
void (new OptionsError("x") instanceof TypeError);

export function handler(req: Request): CognitoAuth | undefined {
  // @ts-expect-error req.auth is undefined on anonymous requests and preflights
  const sub: string = req.auth.sub;
  // @ts-expect-error the auth object is read-only: one cached object is shared by requests
  req.auth!.sub = "someone else";
  // @ts-expect-error no such field
  void req.auth?.email;
  void sub;
  return req.auth;
}

// @ts-expect-error requirements are names, not numbers
requireScopes(1);
// @ts-expect-error an anyOf/allOf object is the only argument
requireScopes({ anyOf: ["a"] }, "b");
// @ts-expect-error adapter options are booleans
cognitoAuth({ userPoolId: "eu-west-1_AbCdEf123", clientId: "client" }, { optional: "yes" });
// @ts-expect-error clientId is required
cognitoAuth({ userPoolId: "eu-west-1_AbCdEf123" });
// The verifier behind the middleware, for warmup() at startup and close() at shutdown.
void auth.verifier.warmup();

// Caller kinds and step-up, as route-level middleware; req.auth narrows on kind.
app.get("/reports", requireClient("reports-service"), (req, res) => {
  const auth = authOf(req);
  if (auth.kind === "client") res.json({ client: auth.clientId });
  else res.json({ user: auth.username.toUpperCase() });
});
app.get("/profile", requireUser(), requireAuthLevel({ acr: ["urn:example:mfa"], maxAge: 300 }), (_req, res) => {
  res.json({ ok: true });
});
// @ts-expect-error maxAge is a number of seconds
requireAuthLevel({ maxAge: "300" });
