// No `node:` import is reachable from core and the fetch adapter under the
// conditions of the web runtimes: bundled for a platform without Node
// built-ins, the build succeeds and the bundle names none of them. The Node
// bundle is the control: it must pick the Node implementation.
//
// aws-jwt-verify picks its web build under the `browser` condition only;
// Deno and Bun resolve npm packages without it, so there aws-jwt-verify runs
// its Node build on their Node compatibility (node:crypto), while ours is the
// web one. For those two, aws-jwt-verify is left out of the check.
import { builtinModules } from "node:module";
import { join } from "node:path";
import { build } from "esbuild";
import { bundleForWeb } from "./bundle.js";

jest.setTimeout(30_000);

const entry = join(__dirname, "public-entry.ts");
const builtins = builtinModules.filter((name) => !name.startsWith("_"));

/** Every import or require of a Node built-in left in a bundle. */
function nodeImports(code: string): string[] {
  const found = new Set<string>();
  for (const match of code.matchAll(/(?:from\s*|import\s*\(\s*|require\s*\(\s*|import\s+)["']([^"']+)["']/g)) {
    const name = match[1].replace(/^node:/, "").split("/")[0];
    if (match[1].startsWith("node:") || builtins.includes(name)) found.add(match[1]);
  }
  return [...found];
}

describe.each([
  ["Cloudflare Workers (wrangler)", ["workerd", "worker", "browser"], []],
  ["Vercel Edge / Next.js Edge", ["edge-light", "worker", "browser"], []],
  ["browser", ["browser"], []],
  ["web workers (webpack)", ["worker", "browser"], []],
  ["Deno", ["deno", "node"], ["aws-jwt-verify", "aws-jwt-verify/*"]],
  ["Bun", ["bun", "node"], ["aws-jwt-verify", "aws-jwt-verify/*"]],
])("%s", (_name, conditions, external) => {
  test("bundles for a platform without Node built-ins, and uses fetch and Web Crypto", async () => {
    const code = await bundleForWeb(entry, conditions, "esm", external);
    expect(nodeImports(code)).toEqual([]);
    expect(code).toContain("crypto.subtle.importKey");
    expect(code).not.toContain("emitWarning");
  });
});

test("the Node bundle (platform node) picks the Node implementation: the check above can fail", async () => {
  const result = await build({ entryPoints: [entry], bundle: true, write: false, platform: "node", format: "esm", logLevel: "silent", tsconfigRaw: {}, external: ["hono"] });
  const code = result.outputFiles[0].text;
  expect(nodeImports(code)).toEqual(expect.arrayContaining(["node:crypto", "node:http", "node:https"]));
});
