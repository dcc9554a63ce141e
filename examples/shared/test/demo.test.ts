// `pnpm demo` in CI mode: the walkthrough runs against the built packages and exits 0.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT } from "../harness";

jest.setTimeout(60_000);

function runDemo(env: NodeJS.ProcessEnv, args: string[] = [], script = "demo.mjs") {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [path.join("scripts", script), ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
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
  // Sign-out bites at once: 204, then the same token gets 401.
  expect(stdout).toMatch(/POST \/logout[\s\S]*204 No Content[\s\S]*refused at once: 401[\s\S]*has been revoked/);
  expect(stdout).toMatch(/All \d+ answers were the expected ones/);
  // Not a TTY: no colours. Tokens are shortened in the walkthrough.
  expect(stdout).not.toContain("\x1b[");
  expect(stdout).not.toMatch(/eyJ[\w-]{20,}/);
});

it("pnpm demo:cluster: a logout on one instance is refused on the other, over a real Redis", async () => {
  const { code, stdout, stderr } = await runDemo(process.env, [], "demo-cluster.mjs");
  expect(stderr).toBe("");
  expect(code).toBe(0);
  expect(stdout).toMatch(/Instance B accepts[\s\S]*200 OK[\s\S]*signs out on instance A[\s\S]*204[\s\S]*refuses the same token[\s\S]*401 Unauthorized/);
  expect(stdout).toMatch(/refused on B [\d.]+ ms later/);
});

it("pnpm demo: Ctrl-C (SIGINT to the whole process group, as a terminal sends it) ends it with exit 0, no ELIFECYCLE, nothing left running", async () => {
  // The root script is `pnpm build && <the demo>`; the demo part runs here
  // under a real pnpm and its real shell (the build is the test run's own).
  const script = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.demo;
  const [build, demo] = script.split(" && ");
  expect(build).toBe("pnpm build");
  const dir = mkdtempSync(path.join(tmpdir(), "demo-sigint-"));
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "demo-sigint", private: true, scripts: { demo: `cd '${ROOT}' && ${demo}` } }));
  const { PORT: _port, ...env } = process.env;
  // detached: its own process group, like a terminal's foreground job.
  const child = spawn("pnpm", ["--dir", dir, "run", "demo"], { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("close", (code, signal) => resolve({ code, signal })));
  const group = -child.pid!;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the demo did not start serving: ${output}`)), 45_000);
      const check = () => {
        if (!output.includes("Press Ctrl-C to stop.")) return;
        clearTimeout(timer);
        child.stdout.off("data", check);
        resolve();
      };
      child.stdout.on("data", check);
      void exited.then(() => reject(new Error(`the demo exited before serving: ${output}`)));
    });
    process.kill(group, "SIGINT");
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(output).toContain("Stopping…");
    expect(output).not.toContain("ELIFECYCLE");
    // The example servers were in the group: none is left (kill(…, 0) throws ESRCH).
    expect(() => process.kill(group, 0)).toThrow(expect.objectContaining({ code: "ESRCH" }));
  } finally {
    try {
      process.kill(group, "SIGKILL");
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
