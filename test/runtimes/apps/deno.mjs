// The contract app on Deno.serve: `deno run --allow-net --allow-env --allow-read apps/deno.mjs`.
import { contractFetch, contractOptions } from "./contract-fetch.mjs";

const app = contractFetch(contractOptions(Deno.env.get("CONTRACT_OPTIONS")));
Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: ({ hostname, port }) => console.log(`listening on http://${hostname}:${port}`) }, app.fetch);
