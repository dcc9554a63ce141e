// Koa 3 + cognito-bearer's cognitoAuth (default options: cache on).
import Koa from "koa";
import { cognitoAuth } from "@cognito-bearer/koa";

export function create(cfg) {
  const app = new Koa();
  app.use(cognitoAuth({ userPoolId: cfg.userPoolId, clientId: cfg.clientId, issuer: cfg.issuer, jwksUri: cfg.jwksUri }));
  app.use((ctx) => {
    ctx.body = { sub: ctx.state.auth.sub };
  });
  return app.callback();
}
