// @ts-check
// The contract app on Express 5 and node:http (the same routes as
// packages/express/test/contract-app.ts), for the Node 22 and 24 binaries.
import { createServer } from "node:http";
import express from "express";
import { cognitoAuth, requireGroups, requireScopes } from "@cognito-bearer/express";
import { contractOptions } from "./contract-fetch.mjs";

const auth = cognitoAuth(contractOptions(process.env.CONTRACT_OPTIONS));
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

const server = createServer(app).listen(0, "127.0.0.1", () => {
  const address = server.address();
  console.log(`listening on http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`);
});
