// The contract app (see test/contract) as fetch-standard handlers and as a
// Hono app (contract-handlers.ts), each served on node:http.
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { getRequestListener } from "@hono/node-server";
import type { VerifierOptions } from "@cognito-bearer/core";
import type { ContractApp } from "../../node/test/contract-app.js";
import { contractFetchHandler, contractHonoHandler } from "./contract-handlers.js";

export function fetchApp(options: VerifierOptions[]): ContractApp {
  const { fetch, verifier } = contractFetchHandler(options);
  return { listener: nodeListener(fetch), verifier };
}

export function honoApp(options: VerifierOptions[]): ContractApp {
  const { fetch, verifier } = contractHonoHandler(options);
  return { listener: getRequestListener(fetch) as RequestListener, verifier };
}

/** A fetch handler on node:http (what Next.js, Bun and Deno do for you). */
function nodeListener(app: (request: Request) => Promise<Response>): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    app(new Request(`http://${req.headers.host ?? "localhost"}${req.url}`, { method: req.method, headers })).then(
      async (response) => {
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(Buffer.from(await response.arrayBuffer()));
      },
      () => res.writeHead(500).end(),
    );
  };
}
