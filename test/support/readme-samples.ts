// The TypeScript and JavaScript samples of the READMEs, compiled as a user's
// app would compile them: against the built packages (their published
// declarations, `pnpm build` first) and under the strictest flags users turn
// on (`strict`, `noUncheckedIndexedAccess`, `exactOptionalPropertyTypes`,
// `skipLibCheck: false`). A sample is an ES module (`.mts`, `.mjs`) placed,
// in memory only, next to its README; an import that does not resolve from
// there resolves from the workspace package that has it installed (the
// README of one package may import another, or a framework its tests use).
//
// Marks, as an HTML comment on the line before a block:
// - `<!-- sample: fragment — why -->` leaves a block out (keep these rare);
// - `<!-- sample: prelude <code> -->` compiles the block after <code>, for the
//   declarations a fragment takes from the text around it.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const ROOT = path.resolve(__dirname, "../..");
const LANGUAGES = new Map([
  ["ts", ".mts"],
  ["typescript", ".mts"],
  ["js", ".mjs"],
  ["javascript", ".mjs"],
  ["mjs", ".mjs"],
]);

export interface Sample {
  /** `packages/bff/README.md:14`: the README and the line of the opening fence. */
  readonly where: string;
  readonly readme: string;
  readonly code: string;
  readonly extension: ".mts" | ".mjs";
  /** Why the block is left out, when it is marked a fragment. */
  readonly fragment: string | undefined;
  readonly prelude: string;
}

/** The READMEs: the root's, every package's and every example's (relative to the repository root). */
export function readmes(): string[] {
  const inside = (dir: string) =>
    readdirSync(path.join(ROOT, dir), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => path.join(dir, entry.name, "README.md"))
      .filter((file) => readdirSync(path.join(ROOT, path.dirname(file))).includes("README.md"));
  return ["README.md", ...inside("packages"), ...inside("examples")];
}

/** The ts/js code blocks of a README, with their marks. */
export function samplesOf(readme: string): Sample[] {
  const lines = readFileSync(path.join(ROOT, readme), "utf8").split("\n");
  const samples: Sample[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\w+)\s*$/.exec(lines[i]!);
    if (fence === null) {
      if (lines[i]!.startsWith("```")) i = closingFence(lines, i);
      continue;
    }
    const end = closingFence(lines, i);
    const extension = LANGUAGES.get(fence[1]!.toLowerCase());
    if (extension !== undefined) {
      const mark = /^<!--\s*sample:\s*(fragment|prelude)\s+([\s\S]*?)\s*-->\s*$/.exec(commentBefore(lines, i));
      samples.push({
        where: `${readme}:${i + 1}`,
        readme,
        code: lines.slice(i + 1, end).join("\n"),
        extension: extension as Sample["extension"],
        fragment: mark?.[1] === "fragment" ? mark[2] : undefined,
        prelude: mark?.[1] === "prelude" ? mark[2]! : "",
      });
    }
    i = end;
  }
  return samples;
}

/** The HTML comment (one line or several) that ends on the line before `fence`, or "". */
function commentBefore(lines: readonly string[], fence: number): string {
  if (!(lines[fence - 1] ?? "").trimEnd().endsWith("-->")) return "";
  for (let start = fence - 1; start >= 0; start--) if (lines[start]!.startsWith("<!--")) return lines.slice(start, fence).join("\n");
  return "";
}

function closingFence(lines: readonly string[], open: number): number {
  for (let j = open + 1; j < lines.length; j++) if (lines[j]!.startsWith("```")) return j;
  return lines.length;
}

/** The strictest options a user's app compiles with (and what ESM apps on Node use). */
export const STRICTEST: ts.CompilerOptions = {
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  skipLibCheck: false,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
  // Node's globals, and Jest's for the samples that are tests (the testing kit's).
  types: ["node", "jest"],
  allowJs: true,
  checkJs: true,
  esModuleInterop: true,
};

/** Where an import a sample's own folder cannot resolve is looked for: every workspace package, then the root. */
function fallbackDirs(): string[] {
  const dirs = (parent: string) =>
    readdirSync(path.join(ROOT, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => path.join(ROOT, parent, entry.name));
  return [...dirs("packages"), ...dirs("examples"), ROOT];
}

/**
 * Compiles every sample (but fragments) in one program and returns the
 * diagnostics by sample (`where` → messages, each `line: message`, the line
 * in the README), the declarations of the packages included.
 */
export function compileSamples(samples: readonly Sample[]): Map<string, string[]> {
  const files = new Map<string, { sample: Sample; text: string; preludeLines: number; fenceLine: number }>();
  samples.forEach((sample, index) => {
    if (sample.fragment !== undefined) return;
    const file = path.join(ROOT, path.dirname(sample.readme), `__readme_sample_${index}${sample.extension}`);
    const prelude = sample.prelude === "" ? "" : `${sample.prelude}\n`;
    // `export {}` keeps a sample without imports a module (its own scope).
    files.set(file, { sample, text: `${prelude}${sample.code}\nexport {};\n`, preludeLines: prelude === "" ? 0 : prelude.split("\n").length - 1, fenceLine: Number(sample.where.split(":").pop()) });
  });
  const host = ts.createCompilerHost(STRICTEST, true);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (file) => files.has(file) || fileExists.call(host, file);
  host.readFile = (file) => files.get(file)?.text ?? readFile.call(host, file);
  host.getSourceFile = (file, language, onError, shouldCreate) => {
    const virtual = files.get(file);
    return virtual === undefined ? getSourceFile.call(host, file, language, onError, shouldCreate) : ts.createSourceFile(file, virtual.text, language, true);
  };
  const fallbacks = fallbackDirs();
  host.resolveModuleNameLiterals = (literals, containingFile, redirected, options, containingSourceFile) =>
    literals.map((literal) => {
      const mode = ts.getModeForUsageLocation(containingSourceFile, literal, options);
      const here = ts.resolveModuleName(literal.text, containingFile, options, host, undefined, redirected, mode);
      if (here.resolvedModule !== undefined || !files.has(containingFile)) return here;
      for (const dir of fallbacks) {
        const there = ts.resolveModuleName(literal.text, path.join(dir, "__sample.mts"), options, host, undefined, redirected, mode);
        if (there.resolvedModule !== undefined) return there;
      }
      return here;
    });
  const program = ts.createProgram({ rootNames: [...files.keys()], options: STRICTEST, host });
  const byWhere = new Map<string, string[]>();
  for (const { sample } of files.values()) byWhere.set(sample.where, []);
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
    const virtual = diagnostic.file === undefined ? undefined : files.get(diagnostic.file.fileName);
    if (virtual === undefined) {
      // In a package's declarations or a library's: every sample shares it.
      const at = diagnostic.file === undefined ? "" : `${path.relative(ROOT, diagnostic.file.fileName)}:${diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1}: `;
      for (const messages of byWhere.values()) messages.push(`${at}${message}`);
      continue;
    }
    const line = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line - virtual.preludeLines;
    byWhere.get(virtual.sample.where)!.push(`${line < 0 ? "prelude" : `line ${virtual.fenceLine + 1 + line}`}: TS${diagnostic.code} ${message}`);
  }
  return byWhere;
}
