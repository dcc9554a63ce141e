// req.auth is typed by declaration merging: users read it without casts. The
// fixture is compiled here (and by `tsc -p tsconfig.json` at the root).
import { join } from "node:path";
import { diagnosticsOf } from "../../../test/support/typecheck.js";

test("req.auth, cognitoAuth() and the requirements typecheck as documented", () => {
  expect(diagnosticsOf(join(__dirname, "types/typed-app.ts"))).toEqual([]);
}, 60_000);
