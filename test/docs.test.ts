// No instruction may run the CLI by its bare command name through a package
// runner (npx, pnpm dlx, …): that fetches the unscoped npm package of that
// name, which this project does not own, and whoever registers it would get
// the tokens users paste into the command. The CLI is @cognito-bearer/cli.
// Scanned: every Markdown file, every source, script and config file of the
// repository (comments, help and error texts included), and the CLI's usage.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { USAGE } from "@cognito-bearer/cli";

const ROOT = path.resolve(__dirname, "..");
const SKIPPED_DIRS = new Set(["node_modules", "dist", ".git", "coverage", ".next"]);
const TEXT = /\.(md|ts|tsx|js|mjs|cjs|json|ya?ml|sh|html|txt)$/;
const THIS_FILE = path.relative(ROOT, __filename);

/** Every text file of the repository, relative to its root (no node_modules, no build output). */
function textFiles(dir = ROOT): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) files.push(...textFiles(full));
    } else if (entry.isFile() && (TEXT.test(entry.name) || path.relative(ROOT, full) === path.join(".ci", "run"))) {
      files.push(path.relative(ROOT, full));
    }
  }
  return files;
}

const RUNNER = /(?<![\w@/.-])(npx|pnpx|bunx|pnpm\s+dlx|yarn\s+dlx|npm\s+(?:exec|x))[ \t]+([^\n`"'|;&()<>]*)/g;
const OURS_UNSCOPED = /^cognito-bearer(?:@\S*)?$/;

/**
 * The package-runner commands in `text` that would fetch the unscoped
 * package: `npx cognito-bearer`, `npx -y cognito-bearer@latest`,
 * `pnpm dlx --package cognito-bearer …`; not `npx @cognito-bearer/cli explain`
 * nor `npx -p @cognito-bearer/cli cognito-bearer explain` (the scoped package's bin).
 */
function unscopedRuns(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(RUNNER)) {
    const tokens = match[2].trim().split(/[ \t]+/).filter(Boolean);
    let fetched: string | undefined;
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i];
      if (token === "-p" || token === "--package") fetched ??= tokens[++i];
      else if (token.startsWith("--package=")) fetched ??= token.slice("--package=".length);
      else if (token === "--") continue;
      else if (token.startsWith("-")) continue;
      else {
        fetched ??= token;
        break;
      }
    }
    if (fetched !== undefined && OURS_UNSCOPED.test(fetched)) found.push(match[0].trim());
  }
  return found;
}

describe("the detector", () => {
  it.each([
    "npx cognito-bearer explain $TOKEN",
    "$ npx cognito-bearer explain",
    "npx -y cognito-bearer explain",
    "npx --yes cognito-bearer@latest explain",
    "pnpm dlx cognito-bearer explain",
    "yarn dlx cognito-bearer",
    "bunx cognito-bearer explain",
    "npm exec cognito-bearer -- explain",
    "npx -p cognito-bearer cognito-bearer explain",
    "npx --package=cognito-bearer cognito-bearer explain",
    "`npx cognito-bearer explain`",
  ])("flags %s", (text) => {
    expect(unscopedRuns(text)).toHaveLength(1);
  });

  it.each([
    "npx @cognito-bearer/cli explain $TOKEN",
    "pbpaste | npx @cognito-bearer/cli explain --json",
    "npx -p @cognito-bearer/cli cognito-bearer explain",
    "npm exec --package=@cognito-bearer/cli cognito-bearer -- explain",
    "pnpm dlx @cognito-bearer/cli explain",
    "npx cognito-local",
    "npx jest examples",
    "usage: cognito-bearer explain [token | -]",
    "Always the scoped name with `npx` (or `pnpm dlx`): the bare command name",
  ])("passes %s", (text) => {
    expect(unscopedRuns(text)).toEqual([]);
  });
});

describe("the CLI is run by its scoped package name", () => {
  it("in no Markdown, source, script or config file of the repository", () => {
    const files = textFiles().filter((file) => file !== THIS_FILE);
    expect(files.filter((file) => file.endsWith(".md")).length).toBeGreaterThan(10);
    expect(files).toContain(path.join("packages", "cli", "src", "explain-command.ts"));
    const offences = files.flatMap((file) => unscopedRuns(readFileSync(path.join(ROOT, file), "utf8")).map((run) => `${file}: ${run}`));
    expect(offences).toEqual([]);
  });

  it("in the CLI's usage text, which names the scoped package", () => {
    expect(unscopedRuns(USAGE)).toEqual([]);
    expect(USAGE).toContain("npx @cognito-bearer/cli explain");
  });

  it("in the core README's example, the scoped package", () => {
    const readme = readFileSync(path.join(ROOT, "packages", "core", "README.md"), "utf8");
    expect(readme).toContain("$ npx @cognito-bearer/cli explain");
  });
});
