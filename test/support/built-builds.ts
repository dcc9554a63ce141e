// The built packages as users load them: `require` gets dist/cjs, `import`
// gets dist/esm (`pnpm build` first). A script under a package's folder names
// the package itself (Node resolves a package's own name from inside it), so
// it loads exactly what a user's app would, in its own Node process.
import { spawn } from "node:child_process";

/** Runs `node script ...args` and resolves to its exit code and output. */
export function runScript(script: string, args: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs a script that prints one JSON document, and parses it (the script's stderr in the error when it fails). */
export async function runJsonScript<T>(script: string, args: string[] = []): Promise<T> {
  const { code, stdout, stderr } = await runScript(script, args);
  if (code !== 0) throw new Error(`${script} ${args.join(" ")} exited ${String(code)}: ${stderr}`);
  return JSON.parse(stdout) as T;
}
