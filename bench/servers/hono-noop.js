// Hono with one middleware that only calls next(): the ceiling any Hono middleware can reach.
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";

export function create() {
  const app = new Hono();
  app.use(async (c, next) => {
    await next();
  });
  app.get("/", (c) => c.json({ sub: "anonymous" }));
  return getRequestListener(app.fetch);
}
