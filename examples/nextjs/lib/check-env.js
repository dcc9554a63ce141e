// The COGNITO_* variables checked at start-up (instrumentation.js, Node.js runtime only).
import { createVerifier } from "@cognito-bearer/fetch";
import { cognitoOptions } from "./cognito.js";

const VARIABLE = { userPoolId: "COGNITO_USER_POOL_ID", clientId: "COGNITO_CLIENT_ID", issuer: "COGNITO_ISSUER", jwksUri: "COGNITO_JWKS_URI" };

const options = cognitoOptions();
try {
  if (options.userPoolId === undefined) throw new Error("COGNITO_USER_POOL_ID is required (e.g. eu-west-1_AbCdEf123)");
  if (options.clientId.length === 0) throw new Error("COGNITO_CLIENT_ID is required (the app client id, or several separated by commas)");
  createVerifier(options).close();
} catch (err) {
  // core's OptionsError names the option: say which variable sets it.
  const message = String(err instanceof Error ? err.message : err)
    .replace(/^cognito-bearer: /, "")
    .replace(/^(userPoolId|clientId|issuer|jwksUri)\b/, (option) => VARIABLE[option])
    .replace(/\bset issuer\b/, "set COGNITO_ISSUER");
  process.stderr.write(`${message.split("\n")[0]}\n`);
  process.exit(1);
}
