// For load balancers and the test: up once `next start` serves (instrumentation.ts has run by then).
export const dynamic = "force-dynamic";

export function GET() {
  return Response.json({ status: "ok" });
}
