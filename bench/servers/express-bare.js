// Bare Express 5: the ceiling for every Express middleware.
import express from "express";

export function create() {
  const app = express();
  app.get("/", (req, res) => {
    res.json({ sub: "anonymous" });
  });
  return app;
}
