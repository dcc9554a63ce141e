// Express 5 with one middleware that only calls next(): the ceiling any Express middleware can reach.
import express from "express";

export function create() {
  const app = express();
  app.use((req, res, next) => next());
  app.get("/", (req, res) => {
    res.json({ sub: "anonymous" });
  });
  return app;
}
