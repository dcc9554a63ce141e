// @ts-check
// The route handlers' shared part: the contract apps per runtime, made on the
// first request (the options are read at run time, not at build time) and
// kept in module state, as the verified-token cache and the JWKS are.
import { contractApps, contractFetch } from "../../apps/contract-fetch.mjs";

/** @param {string} prefix */
export function contractRoutes(prefix) {
  /** @type {ReturnType<typeof contractApps> | undefined} */
  let app;
  /** @param {Request} request */
  const handle = (request) => (app ??= contractApps(contractFetch, process.env, prefix)).fetch(request);
  return { GET: handle, OPTIONS: handle };
}
