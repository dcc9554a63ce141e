// Runs once when `next start` starts, before the first request is served
// (Next awaits register() before it handles any). On the Node.js runtime it
// starts what runs beside the app: see lib/start-runtime.ts.
export async function register() {
  // The documented shape: Next compiles this file for the Edge runtime too, and drops this branch there.
  if (process.env.NEXT_RUNTIME === "nodejs") await import("./lib/start-runtime");
}
