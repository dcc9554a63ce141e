// Bare Hono on @hono/node-server: the ceiling for every Hono middleware.
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";

export function create() {
  const app = new Hono();
  app.get("/", (c) => c.json({ sub: "anonymous" }));
  return getRequestListener(app.fetch);
}
