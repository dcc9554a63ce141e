// The BFF (@cognito-bearer/bff/next), made on first use from the options that
// instrumentation.ts prepared, rather than at import
// (`export const bff = createNextTokenHandler({...})`): those exist only once
// `next start` runs (the local Cognito's URL, the API's port, the COGNITO_*
// variables read at run time, so one build serves any pool), and `next build`
// imports these modules too. Per module evaluation on purpose: Next evaluates
// this module once per bundle layer (route handlers, server components,
// actions, proxy.ts); createNextTokenHandler keeps ONE handler per process
// underneath (one session store, one refresh lock) and gives each layer a
// surface bound to that layer's React `cache` (one token per render).
import { createNextTokenHandler, type NextTokenHandler } from "@cognito-bearer/bff/next";
import { runtime } from "./runtime";

let made: NextTokenHandler | undefined;

export function bff(): NextTokenHandler {
  made ??= createNextTokenHandler(runtime().tokenHandlerOptions);
  return made;
}

/** Calls the orders API from the server (server components, server actions) with the session's access token. */
export async function callApi(path: string, init: RequestInit = {}): Promise<Response> {
  const token = await bff().getAccessToken();
  return fetch(`${runtime().upstreamUrl}${path}`, {
    ...init,
    headers: { ...init.headers, authorization: `Bearer ${token}` },
    cache: "no-store",
  });
}
