// Bare Koa 3: the ceiling for every Koa middleware.
import Koa from "koa";

export function create() {
  const app = new Koa();
  app.use((ctx) => {
    ctx.body = { sub: "anonymous" };
  });
  return app.callback();
}
