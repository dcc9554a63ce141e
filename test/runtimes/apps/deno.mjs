// The contract apps on Deno.serve: `deno run --allow-net --allow-env --allow-read apps/deno.mjs`.
import { contractApps, contractFetch } from "./contract-fetch.mjs";

const app = contractApps(contractFetch, Deno.env.toObject());
Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: ({ hostname, port }) => console.log(`listening on http://${hostname}:${port}`) }, app.fetch);
