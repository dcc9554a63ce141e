// The Bun example, on Bun.serve: `pnpm -C examples/bun start` (the examples' environment and routes).
import { createVerifier } from "@cognito-bearer/fetch";
import { configFromEnv, fail, orExit } from "../shared/config.mjs";
import { fetchRoutes } from "../shared/fetch-routes.mjs";

const config = configFromEnv();
// Module state: the JWKS and the verified-token cache live as long as this process.
const verifier = orExit(() => createVerifier(config.cognito));

/** What Bun.serve throws when it cannot listen, as the Node examples say it. */
function listenError(err) {
  const { host, port } = config;
  if (err.code === "EADDRINUSE") return `PORT ${port} is already in use on ${host}`;
  if (err.code === "EACCES") return `PORT ${port} needs more privileges on ${host} (EACCES)`;
  return `HOST ${host} cannot be listened on: ${err.code ?? err.message}`;
}

let server;
try {
  server = Bun.serve({ hostname: config.host, port: config.port, fetch: fetchRoutes(verifier) });
} catch (err) {
  fail(listenError(err));
}
console.log(`listening on ${server.url.origin}`);

// SIGINT/SIGTERM: stop accepting, let requests in flight finish (idle keep-alive connections are closed), exit 0.
const shutdown = () => {
  setTimeout(() => process.exit(0), 2000).unref();
  server.stop().finally(() => {
    verifier.close();
    process.exit(0);
  });
};
process.once("SIGINT", shutdown);
process.once("SIGTERM", shutdown);
