// The contract handlers (packages/fetch/test/contract-handlers.ts) as one app
// for the web runtimes: /hono/* goes to the Hono app, /fetch/* to the plain
// fetch handler, each with its own verifier. They are built on the first
// request and kept at module level, as users keep theirs: in a Workers isolate
// or an edge function, module state survives between requests.
import type { VerifierOptions } from "@cognito-bearer/core";
import { contractFetchHandler, contractHonoHandler, type ContractHandler } from "../../packages/fetch/test/contract-handlers.js";

let apps: Record<string, ContractHandler> | undefined;

/** `optionsJson`: the verifier options, as JSON (a binding on workerd, a global on edge-runtime). */
export function handleContractRequest(request: Request, optionsJson: string): Promise<Response> {
  if (request.method === "POST" && new URL(request.url).pathname === "/__close") {
    // The test's shutdown: stop the verifiers' refresh timers (edge-runtime's timers are the host process's).
    for (const app of Object.values(apps ?? {})) app.verifier.close();
    apps = undefined;
    return Promise.resolve(new Response(null, { status: 204 }));
  }
  if (apps === undefined) {
    const options = JSON.parse(optionsJson) as VerifierOptions[];
    apps = { hono: contractHonoHandler(options), fetch: contractFetchHandler(options) };
  }
  const url = new URL(request.url);
  if (request.method === "POST" && url.pathname === "/__explain") {
    // explain() on this runtime (Web Crypto for its signature check): the token is the body.
    return request.text().then(async (token) => Response.json(await apps!.hono.verifier.explain(token)));
  }
  const [, prefix, ...rest] = url.pathname.split("/");
  const app = apps[prefix];
  if (app === undefined) return Promise.resolve(new Response("no such app", { status: 404 }));
  // The app sees the contract's own paths (/me, /orders, ...), as if mounted at the root.
  url.pathname = `/${rest.join("/")}`;
  return app.fetch(new Request(url, request));
}
