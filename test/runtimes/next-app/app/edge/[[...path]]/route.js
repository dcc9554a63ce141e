// The contract routes on the Edge runtime: /edge/me, /edge/orders, …
import { contractRoutes } from "../../contract-route.mjs";

export const runtime = "edge";
export const dynamic = "force-dynamic";
export const { GET, OPTIONS } = contractRoutes("/edge");
