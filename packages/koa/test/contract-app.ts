// The contract app (see test/contract) on Koa 3 and Koa 2, built the way a
// user would: cognitoAuth() from options, route-level requirements.
import type { RequestListener } from "node:http";
import Koa3, { type Middleware } from "koa";
import Koa2 from "koa2";
import type { VerifierOptions } from "@cognito-bearer/core";
import { cognitoAuth, requireAuthLevel, requireClient, requireGroups, requireScopes, requireUser, type Verifier } from "../src/index.js";

export interface ContractApp {
  listener: RequestListener;
  verifier: Verifier;
}

/** A route: runs `middleware` in order for one method and path, else passes on. */
function route(method: string, path: string, ...middleware: Middleware[]): Middleware {
  return (ctx, next) => {
    if (ctx.method !== method || ctx.path !== path) return next();
    const run = (index: number): Promise<void> =>
      Promise.resolve(middleware[index](ctx, () => (index + 1 < middleware.length ? run(index + 1) : Promise.resolve())));
    return run(0);
  };
}

function contractApp(Koa: typeof Koa3, options: VerifierOptions[]): ContractApp {
  const auth = cognitoAuth(options);
  const maybeAuth = cognitoAuth(auth.verifier, { optional: true });
  const app = new Koa();
  app.use(
    route("GET", "/public", maybeAuth, (ctx) => {
      const { auth } = ctx.state;
      ctx.body = auth ? { authenticated: true, sub: auth.sub } : { authenticated: false };
    }),
  );
  app.use(auth);
  app.use(
    route("OPTIONS", "/me", (ctx) => {
      ctx.set({ "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET" });
      ctx.status = 204;
    }),
  );
  app.use(
    route("GET", "/me", (ctx) => {
      const { sub, username, clientId, scopes, groups } = ctx.state.auth!;
      ctx.body = { sub, username, clientId, scopes, groups };
    }),
  );
  app.use(
    route("GET", "/orders", requireScopes("orders/read"), (ctx) => {
      ctx.body = { orders: [] };
    }),
  );
  app.use(
    route("GET", "/admin", requireGroups("admin"), (ctx) => {
      ctx.body = { admin: true };
    }),
  );
  app.use(
    route("GET", "/user-only", requireUser(), (ctx) => {
      ctx.body = { user: true };
    }),
  );
  app.use(
    route("GET", "/machine", requireClient(), (ctx) => {
      ctx.body = { client: true };
    }),
  );
  app.use(
    route("GET", "/step-up", requireAuthLevel({ acr: ["urn:example:mfa"], maxAge: 300 }), (ctx) => {
      ctx.body = { stepUp: true };
    }),
  );
  return { listener: app.callback() as RequestListener, verifier: auth.verifier };
}

export const koa3App = (options: VerifierOptions[]): ContractApp => contractApp(Koa3, options);
export const koa2App = (options: VerifierOptions[]): ContractApp => contractApp(Koa2, options);
