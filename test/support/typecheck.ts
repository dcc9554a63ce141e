// Type tests: a fixture that must compile as users would write it, with the
// root tsconfig.json (which `pnpm typecheck` also compiles it with). Each
// `@ts-expect-error` in a fixture fails it when the error it expects is gone.
import { join } from "node:path";
import ts from "typescript";

const ROOT = join(__dirname, "../..");

/** The compiler's diagnostics for `file`, one line each (`path:line: message`); empty when it compiles. */
export function diagnosticsOf(file: string): string[] {
  const configFile = ts.readConfigFile(join(ROOT, "tsconfig.json"), (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, ROOT);
  const program = ts.createProgram({ rootNames: [file], options: { ...options, noEmit: true } });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ` : ""}${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
}
