// The middleware adapters (Express, Koa) take the same three options, with the
// same defaults and the same validation, so that an app behaves the same on
// either framework. Each adapter documents them in its own terms (`req.auth`,
// `ctx.state.auth`); the node:http adapter has options of its own.
import { booleanOption, resolveAdapterInput } from "./input.js";
import type { VerifierOptions } from "../options.js";
import type { Verifier } from "../verifier.js";

export interface ResolvedMiddlewareOptions {
  verifier: Verifier;
  optional: boolean;
  passErrors: boolean;
  allowPreflight: boolean;
}

/**
 * Splits cognitoAuth()'s arguments and creates the verifier once, so that a
 * misconfiguration throws where the middleware is created.
 */
export function resolveMiddlewareOptions(
  input: VerifierOptions | readonly VerifierOptions[] | Verifier,
  adapterOptions: { optional?: boolean; passErrors?: boolean; allowPreflight?: boolean } | undefined,
): ResolvedMiddlewareOptions {
  const { verifier, options } = resolveAdapterInput(input, adapterOptions, ["optional", "passErrors", "allowPreflight"]);
  return {
    verifier,
    optional: booleanOption("optional", options.optional, false),
    passErrors: booleanOption("passErrors", options.passErrors, false),
    allowPreflight: booleanOption("allowPreflight", options.allowPreflight, true),
  };
}
