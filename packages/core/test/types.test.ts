// The auth object's union (user / client), claim<T>(), audience and the new
// requirements typecheck as documented (fixture compiled as users would).
import { join } from "node:path";
import { diagnosticsOf } from "../../../test/support/typecheck.js";

test("the auth shapes (kind, username only for users, claim<T>) and the new requirements typecheck as documented", () => {
  expect(diagnosticsOf(join(__dirname, "types/auth-shapes.ts"))).toEqual([]);
}, 60_000);
