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
import { spawn } from "node:child_process";
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
const wanted = order.filter((dir) => only.length === 0 || only.includes(dir));

function tscRun(cwd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, "-p", "tsconfig.build.json", ...args], { cwd, stdio: "inherit" });
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`tsc failed in ${cwd} (${code})`))));
  });
}

async function build(dir) {
  const cwd = join(root, "packages", dir);
  const started = Date.now();
  rmSync(join(cwd, "dist"), { recursive: true, force: true });
  await Promise.all([
    tscRun(cwd, ["--outDir", "dist/esm"]),
    tscRun(cwd, ["--outDir", "dist/cjs", "--module", "commonjs", "--moduleResolution", "node10"]),
  ]);
  for (const [out, type] of [["dist/esm", "module"], ["dist/cjs", "commonjs"]]) {
    mkdirSync(join(cwd, out), { recursive: true });
    const imports = markerImports(manifests.get(dir).imports, out, type === "module" ? "import" : "require");
    writeFileSync(join(cwd, out, "package.json"), JSON.stringify({ type, ...(imports && { imports }) }) + "\n");
  }
  console.log(`built ${manifests.get(dir).name} (${Date.now() - started} ms)`);
}

/**
 * A package's subpath imports (`#runtime` in core) as the marker package.json
 * of one output folder needs them: Node, bundlers and Jest resolve `#x` in
 * the nearest package.json, which for dist/esm/*.js is dist/esm/package.json.
 * The manifest states them once, per condition `{ import, require }` into
 * dist; here each becomes a path relative to the folder, for its format.
 */
function markerImports(imports, out, format) {
  if (imports === undefined) return undefined;
  const relative = (target) => {
    const path = typeof target === "string" ? target : target[format];
    if (!path.startsWith(`./${out}/`)) throw new Error(`imports target ${path} is not under ./${out}/`);
    return `./${path.slice(out.length + 3)}`;
  };
  return Object.fromEntries(
    Object.entries(imports).map(([name, conditions]) => [name, Object.fromEntries(Object.entries(conditions).map(([condition, target]) => [condition, relative(target)]))]),
  );
}

// One package at a time (its two builds side by side: this machine has two cores), each after those it compiles against.
try {
  for (const dir of wanted) await build(dir);
} catch (err) {
  console.error(err.message);
  process.exit(1);
}
