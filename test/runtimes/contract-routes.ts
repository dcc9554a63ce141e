// The contract handlers (packages/fetch/test/contract-handlers.ts) as one app
// for the web runtimes: /hono/* goes to the Hono app, /fetch/* to the plain
// fetch handler, each with its own verifier; under /hono/rfc9728/* and
// /fetch/rfc9728/* (contract-run.ts's METADATA_PREFIX) the same handlers whose
// verifier has `resourceMetadata`. They are built on the first request and
// kept at module level, as users keep theirs: in a Workers isolate or an edge
// function, module state survives between requests.
import type { VerifierOptions } from "@cognito-bearer/core";
import { contractFetchHandler, contractHonoHandler, type ContractHandler } from "../../packages/fetch/test/contract-handlers.js";

/** The verifier options, as JSON (bindings on workerd, globals on edge-runtime, environment variables elsewhere). */
export type ContractEnv = {
  CONTRACT_OPTIONS: string;
  CONTRACT_METADATA_OPTIONS: string;
};

const BUILDERS = { hono: contractHonoHandler, fetch: contractFetchHandler } as const;
const METADATA = "rfc9728";

let apps: Map<string, ContractHandler> | undefined;

function build(env: ContractEnv): Map<string, ContractHandler> {
  const options = JSON.parse(env.CONTRACT_OPTIONS) as VerifierOptions[];
  const metadataOptions = JSON.parse(env.CONTRACT_METADATA_OPTIONS) as VerifierOptions[];
  const built = new Map<string, ContractHandler>();
  for (const [name, handler] of Object.entries(BUILDERS)) {
    built.set(name, handler(options));
    built.set(`${name}/${METADATA}`, handler(metadataOptions));
  }
  return built;
}

export function handleContractRequest(request: Request, env: ContractEnv): Promise<Response> {
  if (request.method === "POST" && new URL(request.url).pathname === "/__close") {
    // The test's shutdown: stop the verifiers' refresh timers (edge-runtime's timers are the host process's).
    for (const app of apps?.values() ?? []) app.verifier.close();
    apps = undefined;
    return Promise.resolve(new Response(null, { status: 204 }));
  }
  apps ??= build(env);
  const url = new URL(request.url);
  if (request.method === "POST" && url.pathname === "/__explain") {
    // explain() on this runtime (Web Crypto for its signature check): the token is the body.
    return request.text().then(async (token) => Response.json(await apps!.get("hono")!.verifier.explain(token)));
  }
  const [, prefix, ...rest] = url.pathname.split("/");
  const metadata = rest[0] === METADATA;
  const app = apps.get(metadata ? `${prefix}/${METADATA}` : prefix);
  if (app === undefined) return Promise.resolve(new Response("no such app", { status: 404 }));
  // The app sees the contract's own paths (/me, /orders, ...), as if mounted at the root.
  url.pathname = `/${(metadata ? rest.slice(1) : rest).join("/")}`;
  return app.fetch(new Request(url, request));
}
