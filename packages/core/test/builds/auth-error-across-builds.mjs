// An AuthError thrown by one build of @cognito-bearer/core, checked with the
// other build's class: an app whose ESM code and CommonJS dependencies each
// load their own copy (the dual-package hazard). Prints the verdicts as JSON.
import { createRequire } from "node:module";

const esm = await import("@cognito-bearer/core");
const cjs = createRequire(import.meta.url)("@cognito-bearer/core");
const fromEsm = new esm.AuthError("missing_credentials");
const fromCjs = new cjs.AuthError("insufficient_scope");

process.stdout.write(
  JSON.stringify({
    distinctClasses: esm.AuthError !== cjs.AuthError,
    esmErrorIsCjsAuthError: fromEsm instanceof cjs.AuthError,
    cjsErrorIsEsmAuthError: fromCjs instanceof esm.AuthError,
    esmErrorIsEsmAuthError: fromEsm instanceof esm.AuthError,
    cjsIsAuthErrorOfEsmError: cjs.isAuthError(fromEsm),
    esmIsAuthErrorOfCjsError: esm.isAuthError(fromCjs),
    plainErrorIsAuthError: new Error("x") instanceof esm.AuthError || new Error("x") instanceof cjs.AuthError,
    lookalikeIsAuthError: { status: 401, code: null, name: "AuthError" } instanceof esm.AuthError,
    stillAnError: fromCjs instanceof Error,
  }),
);
