// The BFF (@cognito-bearer/bff/next), made on first use from the options that
// instrumentation.ts prepared, rather than at import: those exist only once
// `next start` runs (the local Cognito's URL, the API's port, the COGNITO_*
// variables read at run time, so one build serves any pool), and `next build`
// imports these modules too. One per process, kept on the runtime global:
// Next bundles each route separately, and two copies would mean two session
// stores and two refresh locks.
import { createNextTokenHandler } from "@cognito-bearer/bff/next";
import { runtime } from "./runtime";

export type Bff = ReturnType<typeof createNextTokenHandler>;

export function bff(): Bff {
  const state = runtime();
  state.bff ??= createNextTokenHandler(state.tokenHandlerOptions);
  return state.bff as Bff;
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
