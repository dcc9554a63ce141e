// The same routes on the Edge runtime, under /edge: /edge/me, /edge/orders, …
import { cognitoRoutes } from "../../../lib/cognito.js";

export const runtime = "edge";
export const dynamic = "force-dynamic";
const handle = cognitoRoutes("/edge");
export { handle as GET, handle as HEAD, handle as POST, handle as PUT, handle as PATCH, handle as DELETE };
