// Checks every published package as users receive it: publint for the
// package.json (exports, files, types), and @arethetypeswrong/cli for the types
// that `require` (node10, node16-CJS) and `import` (node16-ESM, bundler) users
// resolve; then the tarball itself, as `pnpm publish` would make it: LICENSE,
// README and dist inside, a manifest that names the repository and carries no
// script of this workspace, README links that work on the registry's page.
// Run after `pnpm build`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
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
    const { status: exit, stdout, stderr } = spawnSync("pnpm", ["exec", ...args], { cwd: dir, encoding: "utf8" });
    const status = tool === "publint" && exit !== 0 && onlyMarkerImports(stdout) ? 0 : exit;
    console.log(`${status === 0 ? "ok  " : "FAIL"} ${tool} @cognito-bearer/${name}`);
    if (status !== 0) {
      failed = true;
      console.log(stdout, stderr);
    }
  }
}
/**
 * Whether publint's only findings are the `imports` of the dist marker
 * package.json files (core's `#runtime`, written by build-packages.mjs).
 * publint says Node ignores nested `imports`; it does not: Node resolves a `#`
 * import in the nearest package.json (the marker), which is why the build puts
 * them there (as aws-jwt-verify does), and test/runtimes/web-bundle.test.ts and
 * every test on the built packages resolve them.
 */
function onlyMarkerImports(output) {
  // publint colours its output when it thinks it may (e.g. under CI=true): read it without the escapes.
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  const findings = plain.split("\n").filter((line) => /^\d+\. /.test(line));
  return findings.length > 0 && findings.every((line) => /^\d+\. \.\/dist\/(esm|cjs)\/package\.json has an "imports" field/.test(line));
}

/** What is wrong with the packed tarball of `dir`, as a list of sentences (empty when all is well). */
function tarballProblems(dir) {
  const out = mkdtempSync(join(tmpdir(), "cognito-bearer-pack-"));
  try {
    const packed = spawnSync("pnpm", ["pack", "--pack-destination", out], { cwd: dir, encoding: "utf8" });
    if (packed.status !== 0) return [`pnpm pack failed: ${packed.stderr}`];
    const tarball = join(out, readdirSync(out).find((file) => file.endsWith(".tgz")));
    const tar = (...args) => spawnSync("tar", [...args, tarball], { encoding: "utf8" }).stdout;
    const files = tar("-tzf").split("\n").filter(Boolean);
    const manifest = JSON.parse(spawnSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" }).stdout);
    const readme = spawnSync("tar", ["-xzOf", tarball, "package/README.md"], { encoding: "utf8" }).stdout;
    const problems = [];
    for (const file of ["package/LICENSE", "package/README.md", "package/package.json"]) {
      if (!files.includes(file)) problems.push(`${file} is missing`);
    }
    if (!files.some((file) => file.startsWith("package/dist/esm/")) || !files.some((file) => file.startsWith("package/dist/cjs/"))) {
      problems.push("dist/esm or dist/cjs is missing");
    }
    for (const file of files) if (/\/(test|src)\//.test(file) || file.endsWith(".test.js")) problems.push(`${file} should not be published`);
    if (manifest.scripts !== undefined) problems.push(`the manifest has scripts (${Object.keys(manifest.scripts).join(", ")})`);
    if (!manifest.repository?.url || !manifest.repository?.directory) problems.push("repository (with directory) is missing");
    if (!manifest.homepage) problems.push("homepage is missing");
    if (!manifest.bugs?.url) problems.push("bugs is missing");
    if (manifest.license !== "Apache-2.0") problems.push(`license is ${manifest.license}`);
    for (const [name, range] of Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies })) {
      if (String(range).startsWith("workspace:")) problems.push(`${name} is still ${range}`);
    }
    // Relative links resolve against the registry's page, not the repository.
    for (const [, target] of readme.matchAll(/\]\(([^)]+)\)/g)) {
      if (!/^(https?:|mailto:|#)/.test(target)) problems.push(`README link "${target}" is relative`);
    }
    return problems;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

for (const name of packages) {
  const problems = tarballProblems(join(root, "packages", name));
  console.log(`${problems.length === 0 ? "ok  " : "FAIL"} tarball @cognito-bearer/${name}`);
  for (const problem of problems) console.log(`     ${problem}`);
  if (problems.length > 0) failed = true;
}
process.exit(failed ? 1 : 0);
