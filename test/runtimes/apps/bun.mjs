// The contract apps on Bun.serve: `bun apps/bun.mjs` (fetch handler), or with CONTRACT_APP=hono the Hono app.
import { contractApps, contractFetch, contractHono } from "./contract-fetch.mjs";

const app = contractApps(process.env.CONTRACT_APP === "hono" ? contractHono : contractFetch, process.env);
const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch });
console.log(`listening on http://127.0.0.1:${server.port}`);
