// Every TypeScript and JavaScript sample of the READMEs (the root's, every
// package's, every example's) compiles against the built packages under the
// strictest flags users turn on: `strict`, `noUncheckedIndexedAccess`,
// `exactOptionalPropertyTypes`, `skipLibCheck: false` (`pnpm build` first).
// How samples are extracted, marked and compiled: test/support/readme-samples.ts.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { compileSamples, readmes, samplesOf, STRICTEST, type Sample } from "./support/readme-samples";

const ROOT = path.resolve(__dirname, "..");
const samples = readmes().flatMap(samplesOf);
let diagnostics: Map<string, string[]>;

beforeAll(() => {
  for (const dir of ["core", "express", "bff", "redis", "lambda", "fetch", "testing"]) {
    if (!existsSync(path.join(ROOT, "packages", dir, "dist", "esm", "index.d.ts"))) throw new Error(`packages/${dir} is not built: run pnpm build first`);
  }
  diagnostics = compileSamples(samples);
}, 120_000);

test("the samples are compiled with the strictest flags, and there are samples", () => {
  expect(STRICTEST).toMatchObject({ strict: true, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, skipLibCheck: false });
  expect(readmes()).toEqual(expect.arrayContaining(["README.md", path.join("packages", "bff", "README.md"), path.join("packages", "redis", "README.md")]));
  expect(samples.length).toBeGreaterThan(40);
});

test("fragments left out are few, and each says why", () => {
  const fragments = samples.filter((sample) => sample.fragment !== undefined);
  expect(fragments.length).toBeLessThanOrEqual(6);
  for (const { where, fragment } of fragments) expect([where, fragment!.length]).toEqual([where, expect.any(Number)]);
  for (const { fragment } of fragments) expect(fragment!.replace(/^—\s*/, "").length).toBeGreaterThan(20);
});

test.each(samples.filter((sample) => sample.fragment === undefined).map((sample) => [sample.where, sample] as const))("%s compiles", (where, _sample: Sample) => {
  expect(diagnostics.get(where)).toEqual([]);
});

test("the checker catches what the strict flags forbid, and what the packages do not export", () => {
  const sample = (code: string): Sample => ({ where: `packages/redis/README.md:${code.length}`, readme: path.join("packages", "redis", "README.md"), code, extension: ".mts", fragment: undefined, prelude: "" });
  const bad = [
    sample('const list: string[] = [];\nconst first: string = list[0];'), // noUncheckedIndexedAccess
    sample('const o: { a?: string } = { a: process.env.NOPE };'), // exactOptionalPropertyTypes
    sample('import { noSuchExport } from "@cognito-bearer/redis";\nnoSuchExport();'), // the built declarations
    sample('import { createRedisRevocationList } from "@cognito-bearer/redis";\ncreateRedisRevocationList({ url: 6379 });'),
  ];
  const found = compileSamples(bad);
  for (const { where } of bad) expect(found.get(where)!.length).toBeGreaterThan(0);
});

// A development install (`-D`) adds the test kit to an app that has its own dependencies already.
test("a README's install line names every @cognito-bearer package its first sample imports", () => {
  const missing: string[] = [];
  for (const readme of readmes()) {
    const text = readFileSync(path.join(ROOT, readme), "utf8");
    const install = /^(?:pnpm add|npm install|npm i|yarn add) (?!-D|--save-dev)(.*@cognito-bearer\/.*)$/m.exec(text);
    const first = samplesOf(readme)[0];
    if (install === null || first === undefined) continue;
    const named = new Set(install[1]!.split(/\s+/));
    for (const [, pkg] of first.code.matchAll(/from "(@cognito-bearer\/[\w-]+)/g)) {
      if (pkg !== "@cognito-bearer/testing" && !named.has(pkg!)) missing.push(`${readme}: ${pkg}`);
    }
  }
  expect(missing).toEqual([]);
});
