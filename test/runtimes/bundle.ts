// Bundling for a web runtime the way its tooling does: esbuild, platform
// "neutral" (no Node built-ins assumed), the runtime's package conditions
// (wrangler uses workerd, worker, browser; Vercel's edge uses edge-light,
// worker, browser). Workspace packages resolve to their built dist, as they
// would from npm (not through tsconfig.json's paths to their sources), so
// `pnpm build` must have run (pnpm test does).
import { build } from "esbuild";

export const WORKERD_CONDITIONS = ["workerd", "worker", "browser"];
export const EDGE_CONDITIONS = ["edge-light", "worker", "browser"];

export async function bundleForWeb(entry: string, conditions: string[], format: "esm" | "iife", external: string[] = []): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: "neutral",
    format,
    target: "es2022",
    conditions,
    mainFields: ["browser", "module", "main"],
    external,
    logLevel: "silent",
    // Not the repository's tsconfig.json: its `paths` map the packages to their sources for Jest and tsc.
    tsconfigRaw: {},
  });
  return result.outputFiles[0].text;
}
