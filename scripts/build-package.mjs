// Builds the package in the current directory twice with tsc: once as ESM
// (dist/esm) and once as CommonJS (dist/cjs), each with its own declarations,
// so that `import` and `require` users both get typed exports.
// A package.json marker in each folder tells Node (and TypeScript) which
// module system the .js and .d.ts files in it use.
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const tsc = require.resolve("typescript/bin/tsc");

function run(args) {
  const { status } = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json", ...args], { stdio: "inherit" });
  if (status !== 0) process.exit(status ?? 1);
}

rmSync("dist", { recursive: true, force: true });
run(["--outDir", "dist/esm"]);
run(["--outDir", "dist/cjs", "--module", "commonjs", "--moduleResolution", "node10"]);

for (const [dir, type] of [["dist/esm", "module"], ["dist/cjs", "commonjs"]]) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/package.json`, JSON.stringify({ type }) + "\n");
}
