// The fastify adapter's typed auth: the fixture is compiled here (and by `tsc -p tsconfig.json` at the root).
import { join } from "node:path";
import { diagnosticsOf } from "../../../test/support/typecheck.js";

test("the typed auth and the wrappers typecheck as documented", () => {
  expect(diagnosticsOf(join(__dirname, "types/typed-app.ts"))).toEqual([]);
}, 60_000);
