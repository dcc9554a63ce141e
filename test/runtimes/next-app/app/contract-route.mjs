// @ts-check
// The route handlers' shared part: one contract app per runtime, made on the
// first request (CONTRACT_OPTIONS is read at run time, not at build time) and
// kept in module state, as the verified-token cache and the JWKS are.
import { contractFetch, contractOptions } from "../../apps/contract-fetch.mjs";

/** @param {string} prefix */
export function contractRoutes(prefix) {
  /** @type {ReturnType<typeof contractFetch> | undefined} */
  let app;
  /** @param {Request} request */
  const handle = (request) => (app ??= contractFetch(contractOptions(process.env.CONTRACT_OPTIONS), prefix)).fetch(request);
  return { GET: handle, OPTIONS: handle };
}
