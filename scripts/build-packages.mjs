// Builds every package of packages/ twice with tsc: once as ESM (dist/esm) and
// once as CommonJS (dist/cjs), each with its own declarations, so that `import`
// and `require` users both get typed exports. A package.json marker in each
// folder tells Node (and TypeScript) which module system the .js and .d.ts
// files in it use.
//
// It lives here rather than as a `build` script in each package.json, so that
// the published manifests carry no script that only works inside this
// repository. Packages are built in dependency order (core before the
// adapters that import its declarations). `node scripts/build-packages.mjs core`
// builds only the packages named.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const tsc = require.resolve("typescript/bin/tsc");
const root = new URL("..", import.meta.url).pathname;

const manifests = new Map(
  readdirSync(join(root, "packages")).map((dir) => [dir, JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8"))]),
);
const byName = new Map([...manifests].map(([dir, manifest]) => [manifest.name, dir]));

/** The workspace packages whose declarations `dir` compiles against (dependencies and peers; devDependencies are for its tests). */
function workspaceDeps(dir) {
  const { dependencies = {}, peerDependencies = {} } = manifests.get(dir);
  return Object.keys({ ...dependencies, ...peerDependencies })
    .map((name) => byName.get(name))
    .filter((dep) => dep !== undefined && dep !== dir);
}

const order = [];
const visit = (dir, path = []) => {
  if (order.includes(dir)) return;
  if (path.includes(dir)) throw new Error(`dependency cycle: ${[...path, dir].join(" -> ")}`);
  for (const dep of workspaceDeps(dir)) visit(dep, [...path, dir]);
  order.push(dir);
};
for (const dir of [...manifests.keys()].sort()) visit(dir);

const only = process.argv.slice(2);
for (const dir of order) {
  if (only.length > 0 && !only.includes(dir)) continue;
  const cwd = join(root, "packages", dir);
  const run = (args) => {
    const { status } = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json", ...args], { cwd, stdio: "inherit" });
    if (status !== 0) process.exit(status ?? 1);
  };
  const started = Date.now();
  rmSync(join(cwd, "dist"), { recursive: true, force: true });
  run(["--outDir", "dist/esm"]);
  run(["--outDir", "dist/cjs", "--module", "commonjs", "--moduleResolution", "node10"]);
  for (const [out, type] of [["dist/esm", "module"], ["dist/cjs", "commonjs"]]) {
    mkdirSync(join(cwd, out), { recursive: true });
    writeFileSync(join(cwd, out, "package.json"), JSON.stringify({ type }) + "\n");
  }
  console.log(`built ${manifests.get(dir).name} (${Date.now() - started} ms)`);
}
