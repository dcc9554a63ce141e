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

test("the Grafana dashboard is JSON, and each of its queries is valid PromQL over cognito_bearer metrics (promtool parses it)", async () => {
  const { readFileSync } = await import("node:fs");
  const dashboard = JSON.parse(readFileSync(path.join(DIR, "grafana-dashboard.json"), "utf8")) as { panels: { targets: { expr: string }[] }[] };
  const exprs = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));
  expect(exprs.length).toBeGreaterThan(10);
  for (const expr of exprs) expect(expr).toMatch(/cognito_bearer_[a-z_]+/);
  // Each query is valid PromQL: promtool parses it as a rule expression.
  const { writeFileSync, mkdtempSync, rmSync } = await import("node:fs");
  const dir = mkdtempSync(path.join(require("node:os").tmpdir(), "cognito-bearer-dashboard-"));
  try {
    const rules = ["groups:", "  - name: dashboard", "    rules:", ...exprs.map((expr, i) => `      - record: dashboard_${i}\n        expr: ${JSON.stringify(expr.replace(/\$__rate_interval/g, "5m").replace(/\$job/g, ".*"))}`)].join("\n");
    writeFileSync(path.join(dir, "rules.yml"), rules);
    const { code, output } = await promtool(["check", "rules", path.join(dir, "rules.yml")]);
    expect(output).toContain(`SUCCESS: ${exprs.length} rules found`);
    expect(code).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
