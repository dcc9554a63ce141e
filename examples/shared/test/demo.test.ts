// `pnpm demo` in CI mode: the walkthrough runs against the built packages and exits 0.
import { spawn } from "node:child_process";
import path from "node:path";
import { ROOT } from "../harness";

jest.setTimeout(60_000);

function runDemo(env: NodeJS.ProcessEnv, args: string[] = []) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [path.join("scripts", "demo.mjs"), ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 50_000);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

it("runs the walkthrough and exits 0 with DEMO_NO_WAIT=1", async () => {
  const { PORT: _port, ...env } = process.env;
  const { code, stdout, stderr } = await runDemo({ ...env, DEMO_NO_WAIT: "1" });
  expect(stderr).toBe("");
  expect(code).toBe(0);
  for (const status of ["200 OK", "401 Unauthorized", "403 Forbidden", "503 Service Unavailable"]) expect(stdout).toContain(status);
  expect(stdout).toContain('www-authenticate: Bearer realm="api"');
  expect(stdout).toContain("retry-after:");
  expect(stdout).toMatch(/All \d+ answers were the expected ones/);
  // Not a TTY: no colours. Tokens are shortened in the walkthrough.
  expect(stdout).not.toContain("\x1b[");
  expect(stdout).not.toMatch(/eyJ[\w-]{20,}/);
});
