// Checks every published package as users receive it: publint for the
// package.json (exports, files, types), and @arethetypeswrong/cli for the types
// that `require` (node10, node16-CJS) and `import` (node16-ESM, bundler) users
// resolve. Run after `pnpm build`.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const packages = readdirSync(join(root, "packages"));
let failed = false;

for (const name of packages) {
  const dir = join(root, "packages", name);
  for (const [tool, args] of [
    ["publint", ["publint", "--strict"]],
    ["attw", ["attw", "--pack", ".", "--format", "table-flipped"]],
  ]) {
    const { status, stdout, stderr } = spawnSync("pnpm", ["exec", ...args], { cwd: dir, encoding: "utf8" });
    console.log(`${status === 0 ? "ok  " : "FAIL"} ${tool} @cognito-bearer/${name}`);
    if (status !== 0) {
      failed = true;
      console.log(stdout, stderr);
    }
  }
}
process.exit(failed ? 1 : 0);
