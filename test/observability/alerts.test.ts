// The alert rules as Prometheus reads them: `promtool check rules` accepts
// them, and `promtool test rules` runs their unit tests (alerts.test.yml).
import { execFile } from "node:child_process";
import path from "node:path";
import { PROMTOOL } from "../support/prometheus";

const DIR = path.resolve(__dirname, "../../observability");

function promtool(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(PROMTOOL, args, { cwd: DIR, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

test("promtool check rules accepts the alert rules", async () => {
  const { code, output } = await promtool(["check", "rules", "alerts.yml"]);
  expect(output).toContain("SUCCESS: 6 rules found");
  expect(code).toBe(0);
});

test("promtool test rules: every alert fires on its case and stays quiet on healthy series", async () => {
  const { code, output } = await promtool(["test", "rules", "alerts.test.yml"]);
  expect(output).toContain("SUCCESS");
  expect(output).not.toContain("FAILED");
  expect(code).toBe(0);
});
