// The contract app (see test/contract) on Express 5 and Express 4, built the
// way a user would: cognitoAuth() from options, route-level requirements.
import type { RequestListener } from "node:http";
import express5 from "express";
import express4 from "express4";
import type { VerifierOptions } from "@cognito-bearer/core";
import { cognitoAuth, requireAuthLevel, requireClient, requireGroups, requireScopes, requireUser, type Verifier } from "../src/index.js";

export interface ContractApp {
  listener: RequestListener;
  verifier: Verifier;
}

function contractApp(express: typeof express5, options: VerifierOptions[]): ContractApp {
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
    const { sub, username, clientId, scopes, groups } = req.auth!;
    res.json({ sub, username, clientId, scopes, groups });
  });
  app.get("/orders", requireScopes("orders/read"), (_req, res) => {
    res.json({ orders: [] });
  });
  app.get("/admin", requireGroups("admin"), (_req, res) => {
    res.json({ admin: true });
  });
  app.get("/user-only", requireUser(), (_req, res) => {
    res.json({ user: true });
  });
  app.get("/machine", requireClient(), (_req, res) => {
    res.json({ client: true });
  });
  app.get("/step-up", requireAuthLevel({ acr: ["urn:example:mfa"], maxAge: 300 }), (_req, res) => {
    res.json({ stepUp: true });
  });
  return { listener: app as unknown as RequestListener, verifier: auth.verifier };
}

export const express5App = (options: VerifierOptions[]): ContractApp => contractApp(express5, options);
export const express4App = (options: VerifierOptions[]): ContractApp => contractApp(express4, options);
