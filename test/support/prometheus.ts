// A real Prometheus (Debian's `prometheus` package) for a test: on a free
// 127.0.0.1 port, with a temporary configuration and storage directory,
// scraping the given targets every second; stopped and removed by the test.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, killChild } from "./redis-process";

export const PROMETHEUS = process.env.PROMETHEUS ?? "prometheus";
export const PROMTOOL = process.env.PROMTOOL ?? "promtool";

export interface RunningPrometheus {
  readonly url: string;
  /** GET /api/v1/query: the result vector of an instant query. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** Polls `query` until `done` accepts its result, or throws after `timeoutMs`. */
  waitFor(promql: string, done: (result: { metric: Record<string, string>; value: [number, string] }[]) => boolean, timeoutMs?: number): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  stop(): Promise<void>;
}

/** `targets`: host:port of /metrics endpoints, scraped as job "cognito-bearer". */
export async function startPrometheus(targets: string[]): Promise<RunningPrometheus> {
  const dir = mkdtempSync(path.join(tmpdir(), "cognito-bearer-prometheus-"));
  const config = path.join(dir, "prometheus.yml");
  writeFileSync(
    config,
    ["global:", "  scrape_interval: 1s", "  evaluation_interval: 1s", "scrape_configs:", "  - job_name: cognito-bearer", "    static_configs:", `      - targets: [${targets.map((t) => JSON.stringify(t)).join(", ")}]`, ""].join("\n"),
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await killChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`).then((res) => res.status === 200, () => false);
    if (ready) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus did not start: ${stderr.trim().slice(-500)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const query = async (promql: string) => {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] }; error?: string };
    if (body.status !== "success") throw new Error(`query ${promql}: ${body.error}`);
    return body.data.result;
  };
  return {
    url,
    query,
    async waitFor(promql, done, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      let last: Awaited<ReturnType<typeof query>> = [];
      while (Date.now() < until) {
        last = await query(promql);
        if (done(last)) return last;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      throw new Error(`${promql}: not as expected within ${timeoutMs} ms, last ${JSON.stringify(last)}`);
    },
    stop,
  };
}
