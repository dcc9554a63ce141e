// The contract app on Bun.serve: `bun apps/bun.mjs` (fetch handler), or with CONTRACT_APP=hono the Hono app.
import { contractFetch, contractHono, contractOptions } from "./contract-fetch.mjs";

const options = contractOptions(process.env.CONTRACT_OPTIONS);
const app = process.env.CONTRACT_APP === "hono" ? contractHono(options) : contractFetch(options);
const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch });
console.log(`listening on http://127.0.0.1:${server.port}`);
