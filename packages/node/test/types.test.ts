// The handler's `auth` is typed by the options (undefined only when it can be). The
// fixture is compiled here (and by `tsc -p tsconfig.json` at the root).
import { join } from "node:path";
import ts from "typescript";

function diagnosticsOf(file: string): string[] {
  const root = join(__dirname, "../../..");
  const configFile = ts.readConfigFile(join(root, "tsconfig.json"), (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
  const program = ts.createProgram({ rootNames: [file], options: { ...options, noEmit: true } });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ` : ""}${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
}

test("withCognitoAuth(), authenticate() and sendAuthError() typecheck as documented", () => {
  expect(diagnosticsOf(join(__dirname, "types/typed-app.ts"))).toEqual([]);
}, 60_000);
