// The handler's `auth` is typed by the options (undefined only when it can be). The
// fixture is compiled here (and by `tsc -p tsconfig.json` at the root).
import { join } from "node:path";
import { diagnosticsOf } from "../../../test/support/typecheck.js";

test("withCognitoAuth(), authenticate() and sendAuthError() typecheck as documented", () => {
  expect(diagnosticsOf(join(__dirname, "types/typed-app.ts"))).toEqual([]);
}, 60_000);
