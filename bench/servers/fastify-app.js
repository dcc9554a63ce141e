// A Fastify 5 app as a plain request listener (Fastify's serverFactory hands us its handler).
import { createServer } from "node:http";
import Fastify from "fastify";

export async function fastifyListener(setup) {
  let handler;
  const app = Fastify({
    serverFactory: (h) => {
      handler = h;
      return createServer();
    },
  });
  await setup(app);
  await app.ready();
  return handler;
}
