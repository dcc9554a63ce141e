// `pnpm -r pack` packs the published packages only: the examples and the
// bench are private, and pnpm skips a workspace package without a version
// (it packs private ones that have one), so their manifests carry none.
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const ROOT = path.resolve(__dirname, "..");

const manifest = (dir: string) => JSON.parse(readFileSync(path.join(ROOT, dir, "package.json"), "utf8")) as { name: string; version?: string; private?: boolean };

test("pnpm -r pack makes one tarball per published package, none for the examples or the bench", async () => {
  const published = readdirSync(path.join(ROOT, "packages")).map((dir) => manifest(path.join("packages", dir)));
  expect(published.length).toBeGreaterThanOrEqual(12);
  const expected = published.map(({ name, version }) => `${name.replace(/^@/, "").replace("/", "-")}-${String(version)}.tgz`).sort();

  const destination = mkdtempSync(path.join(tmpdir(), "pnpm-pack-"));
  try {
    await promisify(execFile)("pnpm", ["-r", "pack", "--pack-destination", destination], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    expect(readdirSync(destination).sort()).toEqual(expected);
  } finally {
    rmSync(destination, { recursive: true, force: true });
  }
});

test("the examples, the bench and the runtime tests are private and versionless", () => {
  const unpublished = [...readdirSync(path.join(ROOT, "examples")).map((dir) => path.join("examples", dir)), "bench", path.join("test", "runtimes")];
  for (const dir of unpublished) expect([dir, manifest(dir).private, manifest(dir).version]).toEqual([dir, true, undefined]);
});
