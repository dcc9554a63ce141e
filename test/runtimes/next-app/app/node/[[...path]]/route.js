// The contract routes on the Node.js runtime: /node/me, /node/orders, …
import { contractRoutes } from "../../contract-route.mjs";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";
export const { GET, OPTIONS } = contractRoutes("/node");
