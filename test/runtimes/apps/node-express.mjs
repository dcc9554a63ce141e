// @ts-check
// The contract app on Express 5 and node:http (the same routes as
// packages/express/test/contract-app.ts), for the Node 22 and 24 binaries;
// under METADATA_PREFIX the same app whose verifier has `resourceMetadata`.
import { createServer } from "node:http";
import express from "express";
import { cognitoAuth, requireAuthLevel, requireClient, requireGroups, requireScopes, requireUser } from "@cognito-bearer/express";
import { contractOptions, METADATA_PREFIX } from "./contract-fetch.mjs";

/** @param {import("@cognito-bearer/express").VerifierOptions[]} options */
function contractApp(options) {
  const auth = cognitoAuth(options);
  const maybeAuth = cognitoAuth(auth.verifier, { optional: true });
  const app = express();
  app.get("/public", maybeAuth, (req, res) => {
    res.json(req.auth ? { authenticated: true, sub: req.auth.sub } : { authenticated: false });
  });
  app.use(auth);
  app.options("/me", (_req, res) => {
    res.set({ "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET" }).status(204).end();
  });
  app.get("/me", (req, res) => {
    const { sub, username, clientId, scopes, groups } = /** @type {import("@cognito-bearer/express").CognitoAuth} */ (req.auth);
    res.json({ sub, username, clientId, scopes, groups });
  });
  app.get("/orders", requireScopes("orders/read"), (_req, res) => res.json({ orders: [] }));
  app.get("/admin", requireGroups("admin"), (_req, res) => res.json({ admin: true }));
  app.get("/user-only", requireUser(), (_req, res) => res.json({ user: true }));
  app.get("/machine", requireClient(), (_req, res) => res.json({ client: true }));
  app.get("/step-up", requireAuthLevel({ acr: ["urn:example:mfa"], maxAge: 300 }), (_req, res) => res.json({ stepUp: true }));
  return app;
}

const main = contractApp(contractOptions(process.env.CONTRACT_OPTIONS));
const metadata = contractApp(contractOptions(process.env.CONTRACT_METADATA_OPTIONS));
const server = createServer((req, res) => {
  // The prefix goes before Express sees the request: the metadata document is served at the path the verifier names.
  if (req.url?.startsWith(`${METADATA_PREFIX}/`)) {
    req.url = req.url.slice(METADATA_PREFIX.length);
    metadata(req, res);
  } else main(req, res);
}).listen(0, "127.0.0.1", () => {
  const address = server.address();
  console.log(`listening on http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`);
});
