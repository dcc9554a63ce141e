// The Deno example, on Deno.serve: `pnpm -C examples/deno start` (the examples' environment and routes).
import { createVerifier } from "@cognito-bearer/fetch";
import { configFromEnv, fail, orExit } from "../shared/config.mjs";
import { fetchRoutes } from "../shared/fetch-routes.mjs";

const config = configFromEnv();
// Module state: the JWKS and the verified-token cache live as long as this process (an isolate on Deno Deploy).
const verifier = orExit(() => createVerifier(config.cognito));

/** What Deno.serve throws when it cannot listen, as the Node examples say it. */
function listenError(err) {
  const { host, port } = config;
  if (err instanceof Deno.errors.AddrInUse) return `PORT ${port} is already in use on ${host}`;
  if (err instanceof Deno.errors.PermissionDenied) return `PORT ${port} needs more privileges on ${host} (EACCES)`;
  if (err instanceof Deno.errors.AddrNotAvailable) return `HOST ${host} cannot be listened on: EADDRNOTAVAIL`;
  return `HOST ${host} cannot be listened on: ${err.code ?? err.message}`;
}

let server;
try {
  server = Deno.serve(
    {
      hostname: config.host,
      port: config.port,
      onListen: ({ hostname, port }) => console.log(`listening on http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`),
    },
    fetchRoutes(verifier),
  );
} catch (err) {
  fail(listenError(err));
}

// SIGINT/SIGTERM: stop accepting, let requests in flight finish (idle keep-alive connections are closed), exit 0.
const shutdown = () => {
  setTimeout(() => Deno.exit(0), 2000);
  server.shutdown().finally(() => {
    verifier.close();
    Deno.exit(0);
  });
};
Deno.addSignalListener("SIGINT", shutdown);
Deno.addSignalListener("SIGTERM", shutdown);
