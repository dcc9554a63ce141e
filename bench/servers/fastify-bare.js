// Bare Fastify 5: the ceiling for every Fastify plugin.
import { fastifyListener } from "./fastify-app.js";

export const create = () => fastifyListener((app) => app.get("/", async () => ({ sub: "anonymous" })));
