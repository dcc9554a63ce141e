// Koa 3 with one middleware that only calls next(): the ceiling any Koa middleware can reach.
import Koa from "koa";

export function create() {
  const app = new Koa();
  app.use((ctx, next) => next());
  app.use((ctx) => {
    ctx.body = { sub: "anonymous" };
  });
  return app.callback();
}
