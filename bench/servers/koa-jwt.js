// Koa 3 + koa-jwt + jwks-rsa's koaJwtSecret, as their READMEs set them up.
import Koa from "koa";
import koaJwt from "koa-jwt";
import jwksRsa from "jwks-rsa";

export function create(cfg) {
  const app = new Koa();
  app.use(
    koaJwt({
      secret: jwksRsa.koaJwtSecret({ jwksUri: cfg.jwksUri, cache: true, rateLimit: true, jwksRequestsPerMinute: 10 }),
      algorithms: ["RS256"],
      issuer: cfg.issuer,
      audience: cfg.clientId,
    }),
  );
  app.use((ctx) => {
    ctx.body = { sub: ctx.state.user.sub };
  });
  return app.callback();
}
