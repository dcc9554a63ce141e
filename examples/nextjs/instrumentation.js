// Runs once when `next start` starts. On the Node.js runtime, a missing or
// invalid COGNITO_* variable stops the server with one line naming it, rather
// than a 500 on every request.
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") await import("./lib/check-env.js");
}
