// Jest's output is the tests' results: no test file prints to the console
// itself (a measurement to report belongs in pnpm bench, not in a test run).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..");

/** Every *.test.ts and *.fuzz.ts of packages/, examples/ and test/ (no node_modules, no build output). */
function testFiles(dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const top = dir === ROOT;
      if (top ? !["packages", "examples", "test"].includes(entry.name) : ["node_modules", "dist", ".next"].includes(entry.name)) return [];
      return testFiles(full);
    }
    return /\.(test|fuzz)\.ts$/.test(entry.name) ? [path.relative(ROOT, full)] : [];
  });
}

test("no test file calls console.log, console.info or console.debug", () => {
  const files = testFiles();
  expect(files).toContain(path.join("examples", "shared", "test", "logout.test.ts"));
  const calls = files.flatMap((file) =>
    readFileSync(path.join(ROOT, file), "utf8")
      .split("\n")
      .map((line, index) => ({ line, at: `${file}:${index + 1}` }))
      .filter(({ line }) => /^\s*console\.(log|info|debug)\(/.test(line))
      .map(({ at }) => at),
  );
  expect(calls).toEqual([]);
});
