// `err instanceof AuthError` across the CommonJS and ESM builds (the built
// dist/cjs and dist/esm, each loaded as Node loads it for users; `pnpm build` first).
import { join } from "node:path";
import { AuthError } from "@cognito-bearer/core";
import { runJsonScript } from "../../../test/support/built-builds";

test("an AuthError of either build is an instance of the other build's AuthError; nothing else is", async () => {
  const verdicts = await runJsonScript<Record<string, boolean>>(join(__dirname, "builds", "auth-error-across-builds.mjs"));
  expect(verdicts).toEqual({
    distinctClasses: true,
    esmErrorIsCjsAuthError: true,
    cjsErrorIsEsmAuthError: true,
    esmErrorIsEsmAuthError: true,
    cjsIsAuthErrorOfEsmError: true,
    esmIsAuthErrorOfCjsError: true,
    plainErrorIsAuthError: false,
    lookalikeIsAuthError: false,
    stillAnError: true,
  });
});

test("a subclass of AuthError keeps the ordinary instanceof", () => {
  class TenantError extends AuthError {}
  expect(new TenantError("revoked")).toBeInstanceOf(AuthError);
  expect(new TenantError("revoked")).toBeInstanceOf(TenantError);
  expect(new AuthError("revoked")).not.toBeInstanceOf(TenantError);
});
