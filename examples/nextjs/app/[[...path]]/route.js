// The examples' routes (/health, /me, /orders, /admin, /public) on the Node.js runtime.
import { cognitoRoutes } from "../../lib/cognito.js";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";
const handle = cognitoRoutes();
export { handle as GET, handle as HEAD, handle as POST, handle as PUT, handle as PATCH, handle as DELETE };
